"""Atom and RSS feeds for an issue, a category and the whole site, with conditional GET."""

from __future__ import annotations

import hashlib
from datetime import UTC
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tracker import feeds, issues
from tracker.errors import NotFound
from tracker.feeds import Feed
from tracker.lineage import survivor

FORMATS = {
    "atom": ("feeds/atom.xml", "application/atom+xml; charset=utf-8"),
    "rss": ("feeds/rss.xml", "application/rss+xml; charset=utf-8"),
}


def _not_modified(request: Request, etag: str, feed: Feed) -> bool:
    """Answer If-None-Match first, and If-Modified-Since only without it (RFC 9110)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag in tags or "*" in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return feed.updated.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _respond(request: Request, feed: Feed, kind: str) -> Response:
    if kind not in FORMATS:
        raise NotFound("Feeds end in .atom or .rss.")
    template, media_type = FORMATS[kind]
    settings = request.app.state.settings
    body = feeds.xml_safe(
        request.app.state.env.get_template(template).render(
            feed=feed, base=settings.base_url, site_name=settings.site_name
        )
    ).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(feed.updated.astimezone(UTC), usegmt=True),
        "Cache-Control": "public, max-age=60",
    }
    if _not_modified(request, etag, feed):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


async def site(request: Request) -> Response:
    return _respond(
        request,
        await feeds.site_feed(request.app.state.settings.site_name),
        request.path_params["kind"],
    )


async def changelog(request: Request) -> Response:
    feed = await feeds.changelog_feed(request.app.state.settings.site_name)
    return _respond(request, feed, request.path_params["kind"])


async def category(request: Request) -> Response:
    feed = await feeds.category_feed(
        request.app.state.settings.site_name, request.path_params["slug"]
    )
    return _respond(request, feed, request.path_params["kind"])


async def issue(request: Request) -> Response:
    number, slug = issues.parse_number(request.path_params["ref"])
    found = await issues.get_issue(number)
    kind = request.path_params["kind"]
    live = await survivor(found)
    if live.id != found.id or slug != found.slug:
        # Readers of a merged issue's feed move to the survivor's; entry ids stay the same.
        return RedirectResponse(f"/issues/{live.id}-{live.slug}/feed.{kind}", status_code=301)
    return _respond(
        request, await feeds.issue_feed(request.app.state.settings.site_name, found), kind
    )


routes = [
    Route("/feed.{kind:str}", site, methods=["GET", "HEAD"]),
    Route("/categories/{slug}/feed.{kind:str}", category, methods=["GET", "HEAD"]),
    Route("/changelog/feed.{kind:str}", changelog, methods=["GET", "HEAD"]),
    Route("/issues/{ref}/feed.{kind:str}", issue, methods=["GET", "HEAD"]),
]
