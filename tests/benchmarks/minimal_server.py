"""The SDK's floor: a minimal MCPServer with one tool, for the start-up comparison."""

from mcp.server import MCPServer

server = MCPServer("minimal")


@server.tool()
def ping(text: str) -> str:
    """Echo text."""
    return text


if __name__ == "__main__":
    server.run("stdio")
