"""Feeds in: entries become complaints once each; broken, huge, slow or malicious feeds are recorded, never fatal."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from tests.conftest import submit
from tests.feed_server import Handler, serving
from tracker import ingest
from tracker.errors import InvalidInput
from tracker.models import Category, Channel, Complaint, FeedSource
from tracker.settings import Settings


@pytest.fixture
def feeds() -> Iterator[str]:
    Handler.etag, Handler.agents = '"v1"', []
    with serving() as base:
        yield base


async def add(base: str, path: str, **extra: str) -> FeedSource:
    return await ingest.add_source({"name": path, "url": f"{base}{path}", **extra})


async def test_entries_become_complaints_once(
    app: Starlette, feeds: str, settings: Settings
) -> None:
    await Category.create(slug="stores", name="Stores")
    source = await add(feeds, "/good.rss", category="stores")
    async with ingest.client(settings) as http:
        first = await ingest.poll(source, http)
        assert first.new == 3 and not first.error
        complaints = await Complaint.all().order_by("id").select_related("category")
        assert [c.title for c in complaints] == [
            "Nobody answers the phone & nobody cares",
            "Refund still missing",
            "No id, no link",
        ]
        first_body = complaints[0].body
        assert (
            first_body == "Called four times."
            and "script" not in first_body
            and "alert" not in first_body
        )
        assert complaints[0].source_url == "http://forum.example/t/1"
        assert all(
            c.channel == Channel.FEED and c.email == "" and c.category.slug == "stores"
            for c in complaints
        )

        again = await ingest.poll(source, http)  # the server answers 304 to our ETag
        assert again.not_modified and again.new == 0
        Handler.etag = '"v2"'  # content "changed" but holds the same entries
        third = await ingest.poll(source, http)
        assert third.new == 0 and not third.not_modified
    assert await Complaint.all().count() == 3
    assert all(agent.startswith("Catalyst/") for agent in Handler.agents)
    await source.refresh_from_db()
    assert source.entries_seen == 3 and source.last_error == "" and source.etag == '"v2"'


async def test_atom_entries_too(app: Starlette, feeds: str, settings: Settings) -> None:
    source = await add(feeds, "/reviews.atom")
    async with ingest.client(settings) as http:
        assert (await ingest.poll(source, http)).new == 1
    complaint = await Complaint.get()
    assert complaint.title == "One star: app logs me out" and complaint.body == "Every single time."


@pytest.mark.parametrize(
    ("path", "phrase", "limit"),
    [
        ("/laughs.rss", "declares XML entities", 5),
        ("/xxe.rss", "declares XML entities", 5),
        ("/page.html", "not a feed", 5),
        ("/error.rss", "HTTP 500", 5),
        ("/missing.rss", "HTTP 404", 5),
        ("/declared-huge.rss", "over the 5,000,000 limit", 5),
        ("/huge.rss", "over the 5,000,000 byte limit", 15),
        ("/slow.rss", "no complete answer within 2 seconds", 6),
    ],
)
async def test_bad_feeds_are_recorded_and_harmless(
    app: Starlette, feeds: str, settings: Settings, path: str, phrase: str, limit: float
) -> None:
    source = await add(feeds, path)
    started = time.monotonic()
    async with ingest.client(settings) as http:
        result = await ingest.poll(source, http, deadline=2)
    assert time.monotonic() - started < limit
    assert phrase in result.error
    await source.refresh_from_db()
    assert phrase in source.last_error and source.last_polled_at is not None
    assert await Complaint.all().count() == 0


async def test_one_broken_feed_does_not_stop_the_others(
    app: Starlette, feeds: str, settings: Settings
) -> None:
    await add(feeds, "/laughs.rss")
    await add(feeds, "/good.rss")
    results = await ingest.poll_all(settings, only_due=True)
    assert [(r.source.name, r.new, bool(r.error)) for r in results] == [
        ("/laughs.rss", 0, True),
        ("/good.rss", 3, False),
    ]
    assert await ingest.poll_all(settings, only_due=True) == []  # not due again for 15 minutes


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "x", "url": "file:///etc/passwd"}, "url"),
        ({"name": "x", "url": "ftp://example.com/feed"}, "url"),
        ({"name": "", "url": "https://example.com/feed"}, "name"),
        ({"name": "x", "url": "https://example.com/feed", "poll_minutes": "1"}, "poll_minutes"),
        ({"name": "x", "url": "https://example.com/feed", "category": "nope"}, "category"),
    ],
)
async def test_sources_are_checked(app: Starlette, data: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        await ingest.add_source(data)
    assert field in caught.value.fields
    assert await FeedSource.all().count() == 0


async def test_staff_add_and_poll_from_the_page(
    app: Starlette, client: httpx.AsyncClient, feeds: str
) -> None:
    from tracker import auth

    await auth.add_staff("admin@example.com", "a long enough password", "admin")
    await submit(
        client,
        "/staff/login",
        "/staff/login",
        {"email": "admin@example.com", "password": "a long enough password"},
    )
    added = await submit(
        client, "/staff/feeds", "/staff/feeds", {"name": "Forum", "url": f"{feeds}/good.rss"}
    )
    assert added.status_code == 303
    source = await FeedSource.get(name="Forum")
    polled = await submit(client, "/staff/feeds", f"/staff/feeds/{source.id}/poll", {})
    assert polled.status_code == 303
    page = await client.get("/staff/feeds")
    assert "Forum: 3 new complaint(s) in the inbox." in page.text
    inbox = await client.get("/staff")
    assert "Refund still missing" in inbox.text and "feed" in inbox.text


def test_entry_text_loses_control_characters() -> None:
    # PostgreSQL refuses NUL outright, and feeds and mail cannot carry the others.
    assert ingest._text("Bad\x00 card\x1b reader\x85", 100) == "Bad card reader"
