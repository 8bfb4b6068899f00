"""For operators: a health check for load balancers and Prometheus metrics."""

from __future__ import annotations

import hmac
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise import connections

log = logging.getLogger(__name__)


async def healthz(request: Request) -> Response:
    """200 when this process can reach its database, 503 when it cannot."""
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:  # any failure means "take me out of rotation"
        log.warning("health check failed", extra={"error": str(exc)})
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"}, headers={"Cache-Control": "no-store"})


async def metrics(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return JSONResponse(
                {"error": "Send the metrics token as 'Authorization: Bearer <token>'."},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
    cache = request.app.state.cache
    body = await request.app.state.metrics.collect(cache.hits, cache.misses)
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


routes = [
    Route("/healthz", healthz, methods=["GET", "HEAD"]),
    Route("/metrics", metrics, methods=["GET"]),
]
