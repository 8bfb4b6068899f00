"""Rendered public pages and feeds kept in memory, dropped whenever anything public changes.

Every app process keeps its own cache. A successful write through any process bumps a counter
in the database; each process looks at that counter at most every `check_every` seconds, so a
change made elsewhere shows within that time and a change made here shows at once.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise.expressions import F

from tracker.models import PublicVersion
from tracker.web.common import csrf_token

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_MARKER = "__catalyst_csrf_placeholder__"


@dataclass
class Page:
    """One rendered 200 response, with the CSRF placeholder left in for each visitor's token."""

    body: bytes
    media_type: str | None
    headers: dict[str, str]
    version: int
    made: float = field(default_factory=time.monotonic)
    endpoint: object = None  # what rendered it, for metrics and logs when served from here
    # Only staff-style pages render a CSRF field; public ones mostly don't, so skip the search.
    has_csrf: bool = field(init=False)
    raw_304: list[tuple[bytes, bytes]] = field(init=False)
    raw_200: list[tuple[bytes, bytes]] = field(init=False)

    def __post_init__(self) -> None:
        self.has_csrf = CSRF_MARKER.encode() in self.body
        # Ready-made ASGI headers, so a hit costs no header building.
        self.raw_304 = [
            (k.encode(), v.encode()) for k, v in self.headers.items() if k != "content-type"
        ]
        self.raw_200 = [
            *[(k.encode(), v.encode()) for k, v in self.headers.items()],
            (b"content-length", str(len(self.body)).encode()),
        ]


class PageCache:
    """Pages keyed by path and query, valid until the next public change."""

    def __init__(self, check_every: float, max_age: float = 60.0, max_entries: int = 2000) -> None:
        self.enabled = check_every > 0
        self.check_every = check_every
        # Relative times ("3 hours ago") drift, so even an unchanged page is rebuilt now and then.
        self.max_age = max_age
        self.max_entries = max_entries
        self.version = 0
        self.shared: int | None = None
        self.checked = float("-inf")
        self.pages: dict[str, Page] = {}
        self.hits = 0
        self.misses = 0

    async def refresh(self) -> None:
        """Drop everything if another process changed something since we last looked."""
        now = time.monotonic()
        if now - self.checked < self.check_every:
            return
        self.checked = now  # before the query, so concurrent requests don't all ask
        row = await PublicVersion.get_or_none(id=1)
        counter = row.counter if row else 0
        if counter != self.shared:
            self.shared = counter
            self.drop()

    def drop(self) -> None:
        self.pages.clear()
        self.version += 1

    def get(self, key: str) -> Page | None:
        # Not counted here: a request the fast path misses looks again in its route, and each
        # request should count once, as a hit where a page is served or a miss where rendered.
        page = self.pages.get(key)
        if page is not None and time.monotonic() - page.made < self.max_age:
            return page
        return None

    def put(self, key: str, page: Page) -> None:
        # A page rendered while a change landed may hold old data: keep it only if none did.
        if page.version != self.version:
            return
        if len(self.pages) >= self.max_entries:
            self.pages.pop(next(iter(self.pages)))
        self.pages[key] = page

    async def changed(self) -> None:
        """Forget every page here and tell the other processes to do the same."""
        self.drop()
        await tell_every_process()


async def tell_every_process() -> None:
    """Bump the shared counter, so every app process drops its cached pages."""
    await PublicVersion.filter(id=1).update(counter=F("counter") + 1)


def cached(
    endpoint: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Serve a public GET route from the page cache, rendering it only on a miss."""

    @functools.wraps(endpoint)
    async def serve(request: Request) -> Response:
        cache: PageCache = request.app.state.cache
        if not cache.enabled or request.session.get("flash"):
            return await endpoint(request)
        await cache.refresh()
        key = key_of(request.scope)
        page = cache.get(key)
        if page is None:
            cache.misses += 1
            version = cache.version
            request.scope["csrf_marker"] = CSRF_MARKER
            response = await endpoint(request)
            if response.status_code != 200 or "set-cookie" in response.headers:
                return response
            headers = {k: v for k, v in response.headers.items() if k != "content-length"}
            page = Page(
                bytes(response.body), response.media_type, headers, version, endpoint=endpoint
            )
            cache.put(key, page)
        else:
            cache.hits += 1
        return respond(request, page)

    return serve


def key_of(scope: Scope) -> str:
    return f"{scope['path']}?{scope['query_string'].decode('latin-1')}"


class ServeCached:
    """Answer GETs for cached pages before sessions, routing and the rest are even looked at.

    Only for visitors without a session cookie (they have no flash message waiting) and pages
    with no CSRF field: exactly the anonymous public traffic that makes a page hot.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        cache: PageCache = scope["app"].state.cache
        etags = since = None
        for name, value in scope["headers"]:
            if name == b"cookie" and SESSION_COOKIE in value:
                await self.app(scope, receive, send)
                return
            if name == b"if-none-match":
                etags = value.decode("latin-1")
            elif name == b"if-modified-since":
                since = value.decode("latin-1")
        if not cache.enabled:
            await self.app(scope, receive, send)
            return
        await cache.refresh()
        page = cache.get(key_of(scope))
        if page is None or page.has_csrf:
            await self.app(scope, receive, send)
            return
        cache.hits += 1
        scope["endpoint"] = page.endpoint
        etag = page.headers.get("etag")
        if etag and _matches(etag, page.headers.get("last-modified"), etags, since):
            await send(
                {"type": "http.response.start", "status": 304, "headers": list(page.raw_304)}
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": list(page.raw_200)})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else page.body}
        )


SESSION_COOKIE = b"catalyst_session="


def respond(request: Request, page: Page) -> Response:
    headers = dict(page.headers)
    if "etag" in headers and not_modified(request, headers["etag"], headers.get("last-modified")):
        return Response(status_code=304, headers=headers)
    body = page.body
    if page.has_csrf:
        body = body.replace(CSRF_MARKER.encode(), csrf_token(request).encode())
    headers.pop("content-type", None)
    return Response(body, media_type=page.media_type, headers=headers)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(request: Request, etag: str, last_modified: str | None) -> bool:
    return _matches(
        etag,
        last_modified,
        request.headers.get("if-none-match"),
        request.headers.get("if-modified-since"),
    )


def _matches(
    etag: str, last_modified: str | None, if_none_match: str | None, since: str | None
) -> bool:
    """Answer If-None-Match first, and If-Modified-Since only without it (RFC 9110)."""
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag in tags or "*" in tags
    if since and last_modified:
        try:
            return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def private_write(
    endpoint: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Mark a write that changes nothing public (filing a complaint, asking to follow, login).

    Anyone may send these, so letting them drop the cache would let anyone empty it at will.
    """

    @functools.wraps(endpoint)
    async def write(request: Request) -> Response:
        request.scope["changes_public_pages"] = False
        return await endpoint(request)

    return write


class DropOnWrite:
    """Drop cached pages when a write succeeds, before the browser can follow its redirect."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE:
            await self.app(scope, receive, send)
            return

        async def send_after_drop(message: Message) -> None:
            if (
                message["type"] == "http.response.start"
                and message["status"] < 400
                and scope.get("changes_public_pages", True)
            ):
                cache: PageCache = scope["app"].state.cache
                await cache.changed()
            await send(message)

        await self.app(scope, receive, send_after_drop)
