"""What goes into the public feeds: every public update, newest first, for one scope."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from tracker.errors import NotFound
from tracker.lineage import family
from tracker.models import Category, Issue, Status, Update

MAX_ENTRIES = 50
# Characters XML 1.0 forbids; feed readers reject the whole feed for one of them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Feed:
    """One feed's metadata and entries, before it is written as Atom or RSS."""

    title: str
    path: str  # the HTML page this feed follows, e.g. /issues/3-phone
    feed_path: str  # without the .atom / .rss suffix
    entries: list[Update]

    @property
    def updated(self) -> datetime:
        return self.entries[0].created_at if self.entries else EPOCH


def xml_safe(text: str) -> str:
    """Drop characters that are not allowed anywhere in an XML document."""
    return _NOT_XML.sub("", text)


async def _entries(**filters: object) -> list[Update]:
    return list(
        await Update.filter(internal=False, **filters)
        .order_by("-created_at", "-id")
        .limit(MAX_ENTRIES)
        .select_related("issue")
    )


async def site_feed(site_name: str) -> Feed:
    # Merged issues' entries stay: their ids were published and must not vanish.
    return Feed(f"{site_name}: all issues", "/", "/feed", await _entries())


async def category_feed(site_name: str, slug: str) -> Feed:
    category = await Category.filter(slug=slug).first()
    if category is None:
        raise NotFound(f"There is no category '{slug}'.")
    entries = await _entries(issue__category_id=category.id)
    return Feed(
        f"{site_name}: {category.name}", f"/?category={slug}", f"/categories/{slug}/feed", entries
    )


async def changelog_feed(site_name: str) -> Feed:
    entries = await _entries(status_to=Status.FIXED)
    return Feed(f"{site_name}: fixed recently", "/changelog", "/changelog/feed", entries)


async def issue_feed(site_name: str, issue: Issue) -> Feed:
    path = f"/issues/{issue.id}-{issue.slug}"
    entries = await _entries(issue_id__in=await family(issue.id))
    return Feed(f"{site_name}: #{issue.id} {issue.title}", path, f"{path}/feed", entries)
