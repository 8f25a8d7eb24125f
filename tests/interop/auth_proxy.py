"""A loopback proxy that adds `Authorization: Bearer <key>` to every request it forwards.

The conformance CLI cannot send headers, and respan-mcp over HTTP refuses requests without
a bearer; this stands between them so the suite tests the real, unmodified HTTP app.
Host and Origin are forwarded as received, so DNS-rebinding checks still reach the server.
    python tests/interop/auth_proxy.py --upstream http://127.0.0.1:8000 --port 8100 --token KEY
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length"}


def make_proxy(upstream: str, token: str) -> Starlette:
    client = httpx.AsyncClient(base_url=upstream, timeout=httpx.Timeout(120.0))

    async def forward(request: Request) -> StreamingResponse:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["authorization"] = f"Bearer {token}"
        upstream_request = client.build_request(
            request.method, request.url.path, params=request.query_params, headers=headers,
            content=await request.body(),
        )  # fmt: skip
        response = await client.send(upstream_request, stream=True)

        async def body() -> AsyncIterator[bytes]:
            async for chunk in response.aiter_raw():
                yield chunk

        out_headers = {k: v for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP}
        return StreamingResponse(body(), status_code=response.status_code, headers=out_headers,
                                 background=BackgroundTask(response.aclose))  # fmt: skip

    methods = ["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    uvicorn.run(make_proxy(args.upstream, args.token), host="127.0.0.1", port=args.port, log_level="warning")
