"""Respan API paths built from ids a model supplies (kept free of HTTP imports)."""

from urllib.parse import quote


def api_path(template: str, **ids: object) -> str:
    """`api_path("prompts/{id}/", id="../x")` -> `prompts/..%2Fx/`: an id stays one path segment."""
    return template.format(**{name: quote(str(value), safe="") for name, value in ids.items()})
