"""The page cache: hot pages and feeds come from memory, and every public change shows at once."""

from __future__ import annotations

from dataclasses import replace

import anyio
import httpx
import pytest
from starlette.applications import Starlette

from tests.conftest import COMPLAINT_JSON, csrf_from
from tracker.app import create_app
from tracker.cache import PageCache
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


async def test_each_visitor_gets_their_own_csrf_token(
    app: Starlette, client: httpx.AsyncClient, token: str
) -> None:
    page = await published(client, token)
    await client.get(page)  # warm the cache
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        mine, theirs = (await client.get(page)).text, (await other.get(page)).text
        assert csrf_from(mine) != csrf_from(theirs)
        assert "placeholder" not in mine + theirs
        # The token from a cached page is accepted: following works for the second visitor.
        number = page.split("/")[2]
        followed = await other.post(
            f"/issues/{number}/follow",
            data={"email": "fan@example.com", "mode": "every", "csrf": csrf_from(theirs)},
        )
        assert followed.status_code == 303


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
            "csrf": csrf_from((await client.get(page)).text),
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
