"""Feeds out: valid Atom and RSS on hostile content, stable ids, conditional GET."""

from __future__ import annotations

import feedparser
import httpx
import pytest
from starlette.applications import Starlette

from tracker.models import Category, Complaint, Issue, Status, Update
from tracker.settings import Settings

HOSTILE_TITLE = "Phone ]]> <script>alert(1)</script> \x0b\x1b телефон 电话 هاتف " + "long " * 28
HOSTILE_BODY = (
    "We looked. ]]> <script>alert('x')</script> <img src=x onerror=alert(1)> \x00\x08 **done**"
)


@pytest.fixture
async def issue(app: Starlette, settings: Settings) -> Issue:
    stores = await Category.create(slug="stores", name="Stores")
    issue = await Issue.create(slug="phone", title=HOSTILE_TITLE, category=stores)
    await Complaint.create(
        tracking_token="t" * 32,
        title="private title",
        body="private body",
        email="pat@example.com",
        issue=issue,
    )
    # PostgreSQL cannot store NUL at all, SQLite can: test what each database can hold.
    body = HOSTILE_BODY if settings.is_sqlite else HOSTILE_BODY.replace("\x00", "")
    await Update.create(
        issue=issue, body=body, status_from=Status.NEW, status_to=Status.INVESTIGATING
    )
    await Update.create(issue=issue, body="staff only: pat@example.com called", internal=True)
    await Update.create(
        issue=issue, root_cause="Silenced handset.", status_to=Status.ROOT_CAUSE_FOUND
    )
    await Update.create(issue=issue, fix="Three handsets.", status_to=Status.FIXED)
    return issue


@pytest.mark.parametrize(("suffix", "version"), [("atom", "atom10"), ("rss", "rss20")])
@pytest.mark.parametrize("path", ["/issues/1-phone/feed", "/categories/stores/feed", "/feed"])
async def test_feeds_are_valid_on_hostile_content(
    issue: Issue, client: httpx.AsyncClient, path: str, suffix: str, version: str
) -> None:
    response = await client.get(f"{path}.{suffix}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(f"application/{suffix}+xml")
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == version
    assert len(parsed.entries) == 3  # public updates only
    for private in ("pat@example.com", "private title", "private body", "staff only"):
        assert private not in response.text
    assert "<script" not in response.text  # only ever escaped
    assert "телефон 电话 هاتف" in parsed.entries[0].title
    links = [link.href for link in parsed.feed.links]
    assert f"http://127.0.0.1:8000{path}.{suffix}" in links  # rel=self, absolute
    newest = parsed.entries[0]
    assert newest.link.startswith("http://127.0.0.1:8000/issues/1-phone#update-")
    assert "Three handsets." in (newest.get("content") or [newest])[0].get(
        "value", newest.get("summary")
    )


async def test_entry_ids_never_change(issue: Issue, client: httpx.AsyncClient) -> None:
    before = feedparser.parse((await client.get("/feed.atom")).content)
    await Issue.filter(id=issue.id).update(title="Renamed", slug="renamed")
    await Update.create(issue=issue, body="One more.")
    after = feedparser.parse((await client.get("/feed.atom")).content)
    assert [e.id for e in after.entries[1:]] == [e.id for e in before.entries]
    rss_before = {e.id for e in feedparser.parse((await client.get("/feed.rss")).content).entries}
    assert all(i.startswith("http://127.0.0.1:8000/issues/1#update-") for i in rss_before)


async def test_conditional_get(issue: Issue, client: httpx.AsyncClient) -> None:
    first = await client.get("/issues/1-phone/feed.atom")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    for headers in (
        {"If-None-Match": etag},
        {"If-None-Match": f'W/{etag}, "other"'},
        {"If-Modified-Since": modified},
    ):
        again = await client.get("/issues/1-phone/feed.atom", headers=headers)
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
    assert (
        await client.get("/issues/1-phone/feed.atom", headers={"If-None-Match": '"stale"'})
    ).status_code == 200
    await Update.create(issue=issue, body="News.")
    changed = await client.get("/issues/1-phone/feed.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_feed_addresses(issue: Issue, client: httpx.AsyncClient) -> None:
    moved = await client.get("/issues/1-old/feed.rss")
    assert moved.status_code == 301 and moved.headers["location"] == "/issues/1-phone/feed.rss"
    for path in (
        "/issues/99/feed.atom",
        "/categories/nope/feed.atom",
        "/feed.json",
        "/issues/1-phone/feed.exe",
    ):
        assert (await client.get(path)).status_code == 404, path
    page = await client.get("/issues/1-phone")
    assert 'rel="alternate" type="application/atom+xml"' in page.text
    assert 'href="/issues/1-phone/feed.rss"' in page.text
    assert 'href="/feed.atom"' in (await client.get("/")).text
