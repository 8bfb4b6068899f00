"""The baseline: a bare starlette app answering with the same bytes Catalyst sends, no database."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SAMPLES = Path(os.environ.get("BENCH_SAMPLES", "."))
ETAG = os.environ.get("BENCH_ETAG", '"x"')


def make_app() -> Starlette:
    page = (SAMPLES / "page.html").read_bytes()
    feed = (SAMPLES / "feed.xml").read_bytes()

    async def issue(request: Request) -> Response:
        return Response(page, media_type="text/html; charset=utf-8")

    async def atom(request: Request) -> Response:
        if request.headers.get("if-none-match") == ETAG:
            return Response(status_code=304, headers={"ETag": ETAG})
        return Response(feed, media_type="application/atom+xml", headers={"ETag": ETAG})

    async def complaints(request: Request) -> Response:
        data = json.loads(await request.body())
        return JSONResponse({"id": 1, "state": "new", "title": data["title"]}, status_code=201)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/issues/{ref}", issue),
            Route("/feed", atom),
            Route("/complaints", complaints, methods=["POST"]),
            Route("/healthz", healthz),
        ]
    )


if __name__ == "__main__":
    # Served exactly as `python main.py serve` serves Catalyst.
    uvicorn.run(
        make_app(),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        proxy_headers=True,
        log_config=None,
        access_log=False,
    )
