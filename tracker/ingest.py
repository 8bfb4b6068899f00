"""Feeds in: poll outside feeds politely and file each new entry as a complaint for triage."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx
import nh3
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from tracker.errors import Conflict, NotFound
from tracker.intake import MAX_BODY, MAX_TITLE, new_tracking_token
from tracker.models import Category, Channel, Complaint, FeedEntry, FeedSource
from tracker.settings import Settings
from tracker.validate import Form, strip_controls

log = logging.getLogger(__name__)

MAX_BYTES = 5_000_000
MAX_ENTRIES = 200  # per poll: a feed that suddenly lists thousands cannot flood the inbox
DEADLINE_SECONDS = 30.0


class FeedError(Exception):
    """The feed could not be fetched or read; recorded on its source."""


@dataclass(frozen=True)
class PollResult:
    source: FeedSource
    new: int
    error: str = ""
    not_modified: bool = False


def user_agent(settings: Settings) -> str:
    return f"Catalyst/0.1 (+{settings.base_url})"


async def add_source(data: Mapping[str, Any]) -> FeedSource:
    """Register a feed to poll."""
    form = Form(data)
    name = form.text("name", label="Name", max_length=100)
    url = form.text("url", label="Feed address", max_length=2000)
    slug = form.text("category", label="Category", max_length=60, required=False)
    minutes = form.integer("poll_minutes", label="Minutes between polls", required=False)
    parts = urlsplit(url)
    if url and (parts.scheme not in ("http", "https") or not parts.hostname):
        form.errors["url"] = "The feed address must be an http:// or https:// URL."
    if minutes is not None and not 5 <= minutes <= 1440:
        form.errors["poll_minutes"] = "Poll between every 5 minutes and once a day (1440)."
    category = await Category.filter(slug=slug).first() if slug else None
    if slug and category is None:
        form.errors["category"] = f"Category '{slug}' does not exist."
    form.check()
    if await FeedSource.filter(url=url).exists():
        raise Conflict(f"The feed {url} is already a source.")
    return await FeedSource.create(
        name=name, url=url, category=category, poll_minutes=minutes or 15
    )


async def sources() -> list[FeedSource]:
    return list(await FeedSource.all().order_by("name").select_related("category"))


async def get_source(source_id: int) -> FeedSource:
    source = await FeedSource.filter(id=source_id).first() if 0 < source_id < 2**31 else None
    if source is None:
        raise NotFound(f"There is no feed source {source_id}.")
    return source


async def fetch(source: FeedSource, client: httpx.AsyncClient) -> bytes | None:
    """Download the feed, at most MAX_BYTES; None when it has not changed since last time."""
    headers = {}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    async with client.stream("GET", source.url, headers=headers) as response:
        if response.status_code == 304:
            return None
        if response.status_code >= 400:
            raise FeedError(f"the server answered HTTP {response.status_code}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BYTES:
            raise FeedError(f"the feed is {int(declared):,} bytes, over the {MAX_BYTES:,} limit")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > MAX_BYTES:
                raise FeedError(f"the feed is over the {MAX_BYTES:,} byte limit")
        source.etag = response.headers.get("etag", "")[:500]
        source.last_modified = response.headers.get("last-modified", "")[:100]
        return bytes(body)


def parse(body: bytes) -> list[Any]:
    """Return a feed's entries, refusing documents that declare XML entities."""
    # Entity declarations are how billion-laughs and external-entity attacks start; feeds
    # never need them.
    if b"<!ENTITY" in body or b"<!entity" in body:
        raise FeedError("the feed declares XML entities, which are refused")
    parsed = feedparser.parse(body, resolve_relative_uris=False, sanitize_html=True)
    if not parsed.version and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom found"
        raise FeedError(f"not a feed: {reason}")
    return list(parsed.entries)


def _text(value: str, limit: int, multiline: bool = False) -> str:
    text = strip_controls(html.unescape(nh3.clean(value or "", tags=set())))
    text = (
        "\n".join(" ".join(line.split()) for line in text.splitlines())
        if multiline
        else " ".join(text.split())
    )
    return text.strip()[:limit]


def entry_key(entry: Mapping[str, Any]) -> str:
    """Identify an entry by its id, else its link, else a hash of what it says."""
    for field in ("id", "link"):
        value = str(entry.get(field) or "").strip()
        if value:
            return value[:300]
    digest = hashlib.sha256(f"{entry.get('title', '')}\n{entry.get('summary', '')}".encode())
    return "sha256:" + digest.hexdigest()


def _complaint_fields(entry: Mapping[str, Any]) -> dict[str, Any]:
    content = entry.get("content") or []
    raw_body = (content[0].get("value") if content else "") or entry.get("summary", "")
    link = str(entry.get("link") or "")
    return {
        "title": _text(entry.get("title", ""), MAX_TITLE) or "Untitled feed entry",
        "body": _text(raw_body, MAX_BODY, multiline=True) or "(no text)",
        "source_url": link[:2000] if urlsplit(link).scheme in ("http", "https") else "",
    }


async def _file(source: FeedSource, entry: Mapping[str, Any]) -> bool:
    """File one entry as a complaint unless it was seen before; True when it was new."""
    key = entry_key(entry)
    if await FeedEntry.filter(source=source, key=key).exists():
        return False
    try:
        async with in_transaction():
            # No contact details: people in outside feeds never gave us an address or consent.
            complaint = await Complaint.create(
                tracking_token=new_tracking_token(),
                email="",
                channel=Channel.FEED,
                category_id=source.category_id,  # type: ignore[attr-defined]
                **_complaint_fields(entry),
            )
            await FeedEntry.create(source=source, key=key, complaint=complaint)
    except IntegrityError:
        return False  # another poller filed it first
    return True


async def poll(
    source: FeedSource, client: httpx.AsyncClient, deadline: float = DEADLINE_SECONDS
) -> PollResult:
    """Fetch, parse and file one source; every failure is recorded on it, never raised."""
    now = datetime.now(UTC)
    source.last_polled_at = now
    try:
        async with asyncio.timeout(deadline):
            body = await fetch(source, client)
        if body is None:
            source.last_ok_at, source.last_error = now, ""
            await source.save()
            return PollResult(source, 0, not_modified=True)
        # Parsing a large feed is CPU work: keep it off the event loop that sends mail.
        entries = await asyncio.to_thread(parse, body)
        new = 0
        for entry in entries[:MAX_ENTRIES]:
            new += await _file(source, entry)
    except TimeoutError:
        error = f"no complete answer within {deadline:g} seconds"
    except (FeedError, httpx.HTTPError) as exc:
        error = str(exc) or type(exc).__name__
    else:
        source.last_ok_at, source.last_error = now, ""
        source.entries_seen += new
        await source.save()
        return PollResult(source, new)
    source.last_error = error[:2000]
    await source.save(update_fields=["last_polled_at", "last_error"])
    log.warning("feed %s (%s): %s", source.id, source.url, error)
    return PollResult(source, 0, error=error)


def client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        headers={
            "User-Agent": user_agent(settings),
            "Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5",
        },
        timeout=httpx.Timeout(10.0),
        follow_redirects=True,
        max_redirects=5,
    )


async def poll_all(
    settings: Settings, *, only_due: bool, progress: Callable[[PollResult], None] = lambda r: None
) -> list[PollResult]:
    """Poll every active source (or only those whose interval has passed), one at a time."""
    now = datetime.now(UTC)
    due = [
        s
        for s in await FeedSource.filter(active=True).order_by("id")
        if not only_due
        or s.last_polled_at is None
        or now - s.last_polled_at >= timedelta(minutes=s.poll_minutes)
    ]
    results = []
    async with client(settings) as http:
        for source in due:
            results.append(await poll(source, http))
            progress(results[-1])
    return results


async def run(settings: Settings, stop: asyncio.Event, every: float = 60.0) -> None:
    """Poll due sources until told to stop; runs beside the delivery worker."""
    while not stop.is_set():
        try:
            await poll_all(settings, only_due=True)
        except Exception:
            log.exception("feed polling failed, will retry")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
