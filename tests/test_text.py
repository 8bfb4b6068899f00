"""Markdown from staff renders, and nothing in it can run script."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tracker.text import make_slug, plain_excerpt, render_markdown


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="#" onclick="alert(1)">x</a>',
        "<iframe src=//evil></iframe>",
        "<svg><script>alert(1)</script></svg>",
    ],
)
def test_markdown_output_is_inert(source: str) -> None:
    found = Dangers()
    found.feed(render_markdown(source))
    assert found.items == []


class Dangers(HTMLParser):
    """Collect the tags and attributes a browser would run."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "svg", "style"):
            self.items.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.items.append(f"{tag}[{name}]")


def test_markdown_keeps_formatting_and_marks_links() -> None:
    html = render_markdown("**bold** and [a link](https://example.com)")
    assert "<strong>bold</strong>" in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_excerpt_is_plain_text() -> None:
    # Raw HTML is not markup in staff markdown, so it stays as the literal text typed.
    assert plain_excerpt("**Tom & Jerry** said <b>hi</b>") == "Tom & Jerry said <b>hi</b>"
    assert len(plain_excerpt("word " * 100, 50)) == 50


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Phone never answered!", "phone-never-answered"),
        ("???", "issue"),
        ("Café à Zürich", "cafe-a-zurich"),
    ],
)
def test_slugs(title: str, slug: str) -> None:
    assert make_slug(title) == slug
