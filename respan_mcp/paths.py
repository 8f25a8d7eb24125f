"""Respan API paths built from ids a model supplies (kept free of HTTP imports)."""

from urllib.parse import quote

from respan_mcp.errors import BadInputError

MAX_ID_CHARS = 512


def check_id(name: str, value: object) -> str:
    """An id as one safe path segment's text: not empty, not `.`/`..`, short, no control characters."""
    text = str(value).strip()
    if text in ("", ".", ".."):
        raise BadInputError(f"{name} {text!r} is not an id: give the id exactly as a previous result showed it.")
    if len(text) > MAX_ID_CHARS:
        raise BadInputError(f"{name} is {len(text):,} characters long; Respan ids are far shorter (at most "
                            f"{MAX_ID_CHARS}). Give the id exactly as a previous result showed it.")  # fmt: skip
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise BadInputError(f"{name} contains control characters: give the id exactly as a previous result showed it.")
    return text


def api_path(template: str, **ids: object) -> str:
    """`api_path("prompts/{id}/", id="../x")` -> `prompts/..%2Fx/`: an id stays one path segment."""
    return template.format(**{name: quote(check_id(name, value), safe="") for name, value in ids.items()})
