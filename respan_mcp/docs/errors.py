"""Docs errors, importable without the crawler's HTTP stack."""


class FetchError(Exception):
    """The docs source could not be read; the message says what to do."""
