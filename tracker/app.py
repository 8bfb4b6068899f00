"""The application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from tracker import db, ingest, webhooks
from tracker.cache import DropOnWrite, PageCache, ServeCached
from tracker.errors import DomainError
from tracker.metrics import Metrics, RequestLog
from tracker.outbox import Worker
from tracker.settings import Settings
from tracker.templating import make_environment
from tracker.web import accountability, api, feeds, follow, hooks, ops, public, sources, staff
from tracker.web.common import LoginRequired, page_context, render
from tracker.web.middleware import BodyLimit, SecurityHeaders

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if _wants_json(request):
        body: dict[str, object] = {"error": exc.message}
        if exc.fields:
            body["fields"] = exc.fields
        if exc.suggested:
            body["suggested"] = exc.suggested
        return JSONResponse(body, status_code=exc.status_code)
    return render(request, "error.html", {"message": exc.message}, status_code=exc.status_code)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {
        404: "There is nothing at this address.",
        405: "This address does not accept that method.",
    }
    message = messages.get(exc.status_code, str(exc.detail))
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)
    return render(request, "error.html", {"message": message}, status_code=exc.status_code)


async def login_required(request: Request, exc: Exception) -> Response:
    return staff.login_redirect(request)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    message = "Something went wrong on our side. It has been logged; please try again."
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=500)
    return Response(message, status_code=500, media_type="text/plain")


def create_app(settings: Settings) -> Starlette:
    """Build the ASGI app; its lifespan opens the database and runs the delivery worker."""
    env = make_environment()
    templates = Jinja2Templates(env=env, context_processors=[page_context])

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with db.connect(settings.database_url):
            stop = asyncio.Event()
            tasks = (
                [
                    asyncio.create_task(Worker(settings, env).run(stop)),
                    asyncio.create_task(ingest.run(settings, stop)),
                    asyncio.create_task(webhooks.run(settings, stop)),
                ]
                if settings.run_worker
                else []
            )
            try:
                yield
            finally:
                stop.set()
                await asyncio.gather(*tasks)

    metrics = Metrics()
    app = Starlette(
        routes=[
            # The hottest addresses first: the router tries routes in order.
            *feeds.routes,
            *public.routes,
            *follow.routes,
            *accountability.routes,
            *staff.routes,
            *sources.routes,
            *hooks.routes,
            *api.routes,
            *ops.routes,
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[
            Middleware(RequestLog, metrics=metrics),
            Middleware(SecurityHeaders),
            Middleware(ServeCached),
            Middleware(DropOnWrite),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="catalyst_session",
                max_age=14 * 24 * 3600,
                same_site="lax",
                https_only=settings.secure_cookies,
            ),
        ],
        exception_handlers={
            DomainError: domain_error,
            HTTPException: http_error,
            LoginRequired: login_required,
            Exception: server_error,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.templates = templates
    app.state.env = env
    app.state.cache = PageCache(settings.page_cache_seconds)
    app.state.metrics = metrics
    return app
