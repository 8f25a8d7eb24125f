"""Docs errors, importable without the crawler's HTTP stack."""

from respan_mcp.errors import UserError


class FetchError(UserError):
    """The docs source could not be read; the message says what to do."""
