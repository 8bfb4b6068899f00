"""The page cache: hot pages and feeds come from memory, and every public change shows at once."""

from __future__ import annotations

from dataclasses import replace

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request

from tests.conftest import COMPLAINT_JSON
from tracker.app import create_app
from tracker.cache import CSRF_MARKER, Page, PageCache, respond
from tracker.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings with the cache on, checking the shared counter every 0.2 s."""
    return replace(settings, page_cache_seconds=0.2)


async def published(client: httpx.AsyncClient, token: str) -> str:
    auth = {"Authorization": f"Bearer {token}"}
    filed = await client.post("/api/v1/complaints", json=COMPLAINT_JSON)
    created = await client.post(
        "/api/v1/issues",
        headers=auth,
        json={"complaint_id": filed.json()["id"], "title": "Phone rings out", "summary": "Yes."},
    )
    return str(created.json()["url"]).removeprefix("http://127.0.0.1:8000")


async def test_pages_come_from_the_cache_until_an_update(
    app: Starlette, client: httpx.AsyncClient, token: str
) -> None:
    cache: PageCache = app.state.cache
    page = await published(client, token)
    first = await client.get(page)
    misses = cache.misses
    for _ in range(5):
        again = await client.get(page)
        assert again.status_code == 200 and "Phone rings out" in again.text
    assert cache.misses == misses and cache.hits >= 5

    number = page.split("/")[2].split("-")[0]
    posted = await client.post(
        f"/api/v1/issues/{number}/updates",
        headers={"Authorization": f"Bearer {token}"},
        json={"status": "root_cause_found", "root_cause": "A silenced handset."},
    )
    assert posted.status_code == 201
    after = await client.get(page)
    assert "A silenced handset." in after.text and "A silenced handset." not in first.text
    feed = await client.get(page + "/feed.atom")
    assert "A silenced handset." in feed.text


async def test_a_cached_page_is_the_same_for_everyone_and_sets_no_cookie(
    app: Starlette, client: httpx.AsyncClient, token: str
) -> None:
    page = await published(client, token)
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as one,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as two,
    ):
        first, second = await one.get(page), await two.get(page)
        assert first.content == second.content and "set-cookie" not in second.headers
        assert "placeholder" not in first.text
        # The follow form on the cached page works with no per-visitor token.
        number = page.split("/")[2]
        followed = await two.post(
            f"/issues/{number}/follow", data={"email": "fan@example.com", "mode": "every"}
        )
        assert followed.status_code == 303


def test_a_cached_csrf_field_gets_each_visitors_own_token() -> None:
    field = b'<input name="csrf" value="' + CSRF_MARKER.encode() + b'">'
    page = Page(field, "text/html", {}, version=0)
    bodies = set()
    for _ in range(2):
        scope = {"type": "http", "method": "GET", "headers": [], "session": {}, "path": "/"}
        request = Request(scope)
        body = bytes(respond(request, page).body)
        assert request.session["csrf"].encode() in body and CSRF_MARKER.encode() not in body
        bodies.add(body)
    assert len(bodies) == 2


async def test_a_flash_message_is_never_cached(
    app: Starlette, client: httpx.AsyncClient, token: str
) -> None:
    page = await published(client, token)
    await client.get(page)
    number = page.split("/")[2]
    followed = await client.post(
        f"/issues/{number}/follow",
        data={
            "email": "fan@example.com",
            "mode": "every",
        },
    )
    assert followed.status_code == 303
    shown = (await client.get(page)).text
    assert "Check your inbox" in shown
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        assert "Check your inbox" not in (await other.get(page)).text


async def test_a_change_made_by_another_process_shows_within_the_check_interval(
    app: Starlette, client: httpx.AsyncClient, token: str, settings: Settings
) -> None:
    page = await published(client, token)
    number = page.split("/")[2].split("-")[0]
    assert "Moved to the new phone system" not in (await client.get(page)).text
    # Another app process: its own app object on the same database, with its own cache.
    elsewhere = create_app(replace(settings, page_cache_seconds=0.2))
    transport = httpx.ASGITransport(app=elsewhere)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        posted = await other.post(
            f"/api/v1/issues/{number}/updates",
            headers={"Authorization": f"Bearer {token}"},
            json={"body": "Moved to the new phone system."},
        )
        assert posted.status_code == 201
    await anyio.sleep(0.25)
    assert "Moved to the new phone system" in (await client.get(page)).text


async def test_feed_revalidation_is_answered_from_the_cache(
    app: Starlette, client: httpx.AsyncClient, token: str
) -> None:
    await published(client, token)
    first = await client.get("/feed.atom")
    etag = first.headers["etag"]
    cache: PageCache = app.state.cache
    misses = cache.misses
    again = await client.get("/feed.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    since = await client.get(
        "/feed.atom", headers={"If-Modified-Since": first.headers["last-modified"]}
    )
    assert since.status_code == 304
    assert cache.misses == misses


async def test_anonymous_hits_skip_the_stack_but_are_counted_and_complete(
    app: Starlette, client: httpx.AsyncClient, token: str
) -> None:
    page = await published(client, token)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as visitor:
        first = await visitor.get(page)  # a miss: rendered by the route
        hit = await visitor.get(page)  # a hit: answered before sessions and routing
        head = await visitor.head(page)
    assert hit.content == first.content and hit.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in hit.headers["content-security-policy"]
    assert head.content == b"" and int(head.headers["content-length"]) == len(first.content)
    metrics = (await client.get("/metrics")).text
    assert 'route="public.issue_page",status="200"' in metrics
    assert "unmatched" not in metrics


async def test_each_request_counts_once_as_a_hit_or_a_miss(
    app: Starlette, client: httpx.AsyncClient, token: str
) -> None:
    page = await published(client, token)
    cache: PageCache = app.state.cache
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as visitor:
        hits, misses = cache.hits, cache.misses
        await visitor.get(page)  # missed by the fast path and by the route: one miss
        await visitor.get(page)  # one hit
        await visitor.get(page)  # one hit
    assert (cache.misses - misses, cache.hits - hits) == (1, 2)
