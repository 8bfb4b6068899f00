"""The one Jinja environment behind pages, feeds and emails."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import jinja2

from tracker.models import STATUS_LABELS, Status
from tracker.text import plain_excerpt, render_markdown

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC") if value else ""


def _ago(value: datetime | None) -> str:
    """Say how long ago a moment was, the way people say it."""
    if value is None:
        return ""
    seconds = max(0, int((datetime.now(UTC) - value).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def _rfc822(value: datetime) -> str:
    return format_datetime(value.astimezone(UTC), usegmt=True)


def _duration(hours: float | None) -> str:
    """Say a duration the way a customer reads it: minutes, hours or days."""
    if hours is None:
        return "—"
    if hours < 1:
        return f"{max(1, round(hours * 60))} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.1f} days"


def _status_label(value: str | Status | None) -> str:
    return STATUS_LABELS.get(Status(value), str(value)) if value else ""


def make_environment() -> jinja2.Environment:
    """Build the environment: HTML and XML escaped, plain-text mail left as written."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(["html", "xml", "atom", "rss"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        markdown=render_markdown,
        excerpt=plain_excerpt,
        when=_when,
        ago=_ago,
        status=_status_label,
        rfc822=_rfc822,
        duration=_duration,
    )
    env.globals["Status"] = Status
    return env
