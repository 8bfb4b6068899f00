"""Turn staff-written markdown into HTML that is safe on any page, feed or email."""

from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from slugify import slugify

_md = MarkdownIt("js-default")


def render_markdown(source: str) -> Markup:
    """Render markdown, then sanitise so no script or event handler survives."""
    html = _md.render(source or "")
    return Markup(nh3.clean(html, link_rel="nofollow noopener noreferrer"))  # noqa: S704


def plain_excerpt(source: str, length: int = 200) -> str:
    """Return the first characters of markdown as plain text, for lists and mail subjects."""
    text = html.unescape(nh3.clean(_md.render(source or ""), tags=set()))
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def make_slug(title: str) -> str:
    """Return a URL slug for a title, never empty."""
    return slugify(title, max_length=60, word_boundary=True) or "issue"
