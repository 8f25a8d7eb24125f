"""The SDK's floor: a minimal MCPServer with one tool, for the start-up and load comparisons.

python tests/benchmarks/minimal_server.py                      # stdio
python tests/benchmarks/minimal_server.py http PORT [WORKERS]  # stateless streamable HTTP, as we serve
"""

import sys

from mcp.server import MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse

server = MCPServer("minimal")


@server.tool()
def ping(text: str) -> str:
    """Echo text."""
    return text


@server.custom_route("/healthz", methods=["GET"])
async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def http_app() -> object:
    """The same transport settings respan-mcp serves with (stateless, at /mcp, loopback host checks)."""
    return server.streamable_http_app(streamable_http_path="/mcp", stateless_http=True, host="127.0.0.1")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "http":
        from pathlib import Path

        import uvicorn

        workers = int(sys.argv[3]) if len(sys.argv) > 3 else 1
        uvicorn.run("minimal_server:http_app", factory=True, host="127.0.0.1", port=int(sys.argv[2]),
                    workers=workers, log_level="warning", app_dir=str(Path(__file__).parent))  # fmt: skip
    else:
        server.run("stdio")
