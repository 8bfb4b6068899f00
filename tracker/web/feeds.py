"""Atom and RSS feeds for an issue, a category and the whole site, with conditional GET."""

from __future__ import annotations

from datetime import UTC
from email.utils import format_datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tracker import feeds, issues
from tracker.cache import cached, etag_of, not_modified
from tracker.errors import NotFound
from tracker.feeds import Feed
from tracker.lineage import survivor

FORMATS = {
    "atom": ("feeds/atom.xml", "application/atom+xml; charset=utf-8"),
    "rss": ("feeds/rss.xml", "application/rss+xml; charset=utf-8"),
}


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
    headers = {
        "ETag": etag_of(body),
        "Last-Modified": format_datetime(feed.updated.astimezone(UTC), usegmt=True),
        "Cache-Control": "public, max-age=60",
    }
    if not_modified(request, headers["ETag"], headers["Last-Modified"]):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@cached
async def site(request: Request) -> Response:
    return _respond(
        request,
        await feeds.site_feed(request.app.state.settings.site_name),
        request.path_params["kind"],
    )


@cached
async def changelog(request: Request) -> Response:
    feed = await feeds.changelog_feed(request.app.state.settings.site_name)
    return _respond(request, feed, request.path_params["kind"])


@cached
async def category(request: Request) -> Response:
    feed = await feeds.category_feed(
        request.app.state.settings.site_name, request.path_params["slug"]
    )
    return _respond(request, feed, request.path_params["kind"])


@cached
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
