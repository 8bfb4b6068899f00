"""XSS and SQL-injection corpora through every way in, checked on pages, feeds and emails."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from tests.conftest import Mailbox, deliver, submit
from tracker import privacy, search
from tracker.feeds import xml_safe
from tracker.models import Complaint, Issue
from tracker.text import plain_excerpt, render_markdown
from tracker.validate import Form

XSS = [
    "<script>alert('xss-1')</script>",
    '"><img src=x onerror=alert(2)>',
    "<svg/onload=alert(3)>",
    "[click](javascript:alert(4))",
    '<a href="javascript:alert(5)">x</a>',
    "</textarea><script>alert(6)</script>",
    "<iframe src=//evil.example></iframe>",
    '<div style="background:url(javascript:alert(7))">x</div>',
    "{{ 7*7 }} {% raw %}{% endraw %} ${7*7}",
    "]]><script>alert(8)</script><![CDATA[",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(9)>",
    "&lt;script&gt;alert(10)&lt;/script&gt;",
    "<body onload=alert(11)>",
    "<base href=//evil.example/>",
]
SQLI = [
    "' OR '1'='1",
    "'; DROP TABLE issue; --",
    '" OR 1=1 --',
    "1; DELETE FROM complaint WHERE 1=1",
    "%' UNION SELECT email, tracking_token FROM complaint --",
    "\\'; SELECT pg_sleep(5); --",
    "title MATCH '*' OR NEAR(a b)",
]


class Inspector(HTMLParser):
    """Collect whatever in a document could run script: script tags, on* handlers, js: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.dangers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.dangers.append(f"<{tag} {name}>")
            if value and value.strip().lower().startswith(("javascript:", "data:text/html")):
                self.dangers.append(f"<{tag} {name}={value}>")
        if tag == "script" and not dict(attrs).get("src", "").startswith("/static/"):
            self.dangers.append("<script> without our own src")
        if tag in ("iframe", "object", "embed", "base", "svg", "math"):
            self.dangers.append(f"<{tag}>")


def dangers(document: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(document)
    return inspector.dangers


@pytest.mark.parametrize("payload", XSS + SQLI)
async def test_hostile_text_is_inert_on_pages_feeds_and_mail(
    app: Starlette, staff_client: httpx.AsyncClient, mailbox: Mailbox, payload: str
) -> None:
    client = staff_client
    title = f"Till broken {payload}"[:200]
    body = f"It broke. {payload}"
    filed = await submit(
        client,
        "/complain",
        "/complain",
        {"title": title, "body": body, "email": "pat@example.com", "public_name": payload[:80]},
    )
    assert filed.status_code == 303
    complaint = await Complaint.get(email="pat@example.com")
    assert complaint.title == " ".join(title.split()) and complaint.body == body  # stored verbatim

    page = f"/staff/complaints/{complaint.id}"
    published = await submit(client, page, f"{page}/publish", {"title": title, "summary": body})
    assert published.status_code == 303, published.text
    issue = await Issue.get(id=int(published.headers["location"].rsplit("/", 1)[1]))
    manage = f"/staff/issues/{issue.id}"
    for data in (
        {"status": "investigating", "body": body},
        {"status": "fixed", "fix": payload, "root_cause": payload},
    ):
        assert (await submit(client, manage, f"{manage}/updates", data)).status_code == 303
    assert await Issue.all().count() == 1 and await Complaint.all().count() == 1  # tables intact

    public = f"/issues/{issue.id}-{issue.slug}"
    for path in (public, "/", "/changelog", manage, page, "/staff"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert dangers(response.text) == [], path
    searched = await client.get("/", params={"q": payload})
    assert searched.status_code == 200 and dangers(searched.text) == []
    found = await client.get("/api/v1/issues/similar", params={"q": payload})
    assert found.status_code in (200, 422)
    detail = (await client.get(f"/api/v1/issues/{issue.id}")).json()
    assert detail["title"] == " ".join(title.split())  # JSON carries the text, escaped by JSON

    for feed in (f"{public}/feed.atom", f"{public}/feed.rss", "/feed.atom", "/changelog/feed.rss"):
        root = ET.fromstring((await client.get(feed)).text)  # noqa: S314 - our own output
        # Entry bodies are HTML, escaped into the XML: what a reader renders must be inert.
        # Titles are plain text (Atom type="text", RSS by convention) and shown as such.
        bodies = [
            e.text or "" for e in root.iter() if e.tag.split("}")[-1] in ("content", "description")
        ]
        assert any(
            payload_word in b for b in bodies for payload_word in ("broke", "fixed", "Fixed")
        )
        for text in bodies:
            assert dangers(text) == [], feed

    await deliver(app)
    assert mailbox.messages
    for message in mailbox.messages:
        part = message.get_body(("html",))
        if part is not None:
            assert dangers(str(part.get_content())) == [], message["Subject"]
        assert "\n" not in str(message["Subject"]).strip()  # no header injection via the title


@given(st.text(max_size=400))
@settings(max_examples=300, deadline=None)
def test_markdown_never_yields_script(source: str) -> None:
    assert dangers(str(render_markdown(source))) == []
    assert dangers(html.escape(plain_excerpt(source))) == []


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_form_text_is_clean_and_bounded(raw: str) -> None:
    form = Form({"title": raw})
    value = form.text("title", label="Title", max_length=200)
    assert len(value) <= 200 or "title" in form.errors
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value)
    assert value == value.strip()


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_redaction_leaves_nothing_to_find(text: str) -> None:
    redacted = privacy.redact(text)
    assert privacy.find(redacted) == []
    assert privacy.redact(redacted) == redacted


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_xml_safe_text_always_parses(text: str) -> None:
    ET.fromstring(f"<t>{html.escape(xml_safe(text))}</t>")  # noqa: S314 - raises if malformed


@given(st.text(max_size=200))
@settings(max_examples=150, deadline=None)
def test_search_words_never_carry_query_syntax(text: str) -> None:
    for word in search._words(text):
        assert not set(word) & set("\"*():^-+{}[]'; "), word
