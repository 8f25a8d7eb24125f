"""How much a docs source may bring in: one page, all pages, their count (a folder or a crawl)."""

MAX_FILE_BYTES = 2_000_000  # one page
MAX_PAGES = 5_000  # the real Respan docs have about 330
MAX_TOTAL_BYTES = 100_000_000  # all pages together (the real docs are about 3 MB)
