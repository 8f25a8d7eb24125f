"""respan-mcp: an MCP server for the Respan LLM platform (formerly Keywords AI)."""

__version__ = "0.1.0"
