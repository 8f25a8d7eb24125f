"""Every reach into the SDK's (or httpx's) internals, in one place.

Each has a test in tests/test_sdk_compat.py that fails loudly if a release moves it.
"""

from __future__ import annotations

from typing import Any


def lowlevel_server(server: Any) -> Any:
    """The low-level Server behind an MCPServer (for request handlers MCPServer has no API for)."""
    return server._lowlevel_server
