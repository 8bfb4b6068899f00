"""Similar issues: ranked full-text search on SQLite and PostgreSQL, in the API, triage and intake."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from tests.conftest import COMPLAINT_JSON
from tracker import db, search
from tracker.models import Issue, Status

ISSUES = [
    ("Springfield store never answers its phone", "Calls ring out, nobody picks up.", Status.FIXED),
    ("Refunds for returned items take over 30 days", "Money back is slow.", Status.INVESTIGATING),
    ("App logs you out every time it is opened", "Password asked at every start.", Status.NEW),
    ("Old duplicate about the phone", "Merged away.", Status.MERGED),
]


async def seed() -> None:
    for n, (title, summary, status) in enumerate(ISSUES):
        await Issue.create(slug=f"i{n}", title=title, summary=summary, status=status)


@pytest.mark.parametrize(
    ("text", "best"),
    [
        ("nobody answered when I phoned the store", "Springfield store never answers its phone"),
        ("still waiting for my REFUND", "Refunds for returned items take over 30 days"),
        ("logged out of the app again", "App logs you out every time it is opened"),
    ],
)
async def test_best_match_first_with_stemming(app: Starlette, text: str, best: str) -> None:
    await seed()
    found = await search.similar(text)
    assert found[0].title == best
    assert all(issue.status != Status.MERGED for issue in found)


@pytest.mark.parametrize(
    "text", ['"', "NEAR(a b)", "a* OR -b", "'; DROP TABLE issue; --", "***", "x", "é ü 电话"]
)
async def test_query_syntax_from_visitors_is_inert(app: Starlette, text: str) -> None:
    await seed()
    await search.similar(text)  # no error, whatever it matches
    assert await Issue.all().count() == 4


async def test_edits_are_searchable_at_once(app: Starlette) -> None:
    await seed()
    issue = await Issue.get(slug="i2")
    issue.title = "Checkout crashes when paying by voucher"
    await issue.save()
    assert [i.id for i in await search.similar("voucher checkout")] == [issue.id]
    assert issue.id not in [i.id for i in await search.similar("logs opened")]  # old title gone


async def test_postgres_ranks_the_same(postgres_url: str) -> None:
    await db.migrate(postgres_url)
    async with db.connect(postgres_url):
        await seed()
        found = await search.similar("nobody answered when I phoned the store")
        assert found[0].title == "Springfield store never answers its phone"
        assert all(issue.status != Status.MERGED for issue in found)
        for text in ('"', "a & b | !c", "'; DROP TABLE issue; --", ":*"):
            await search.similar(text)
        assert await Issue.all().count() == 4


async def test_similar_api(app: Starlette, client: httpx.AsyncClient) -> None:
    await seed()
    response = await client.get(
        "/api/v1/issues/similar", params={"q": "phone never answered", "limit": 2}
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) <= 2 and items[0]["title"] == "Springfield store never answers its phone"
    assert (await client.get("/api/v1/issues/similar")).status_code == 422
    assert (await client.get("/api/v1/issues/similar", params={"q": "x" * 2001})).status_code == 422


async def test_triage_shows_similar_issues(app: Starlette, staff_client: httpx.AsyncClient) -> None:
    await seed()
    await staff_client.post("/api/v1/complaints", json=COMPLAINT_JSON)
    inbox = await staff_client.get("/staff")
    assert "Looks like" in inbox.text and "Springfield store never answers its phone" in inbox.text
    complaint_page = await staff_client.get("/staff/complaints/1")
    assert complaint_page.text.index("Springfield store never answers") < complaint_page.text.index(
        "Publish as a new"
    )


async def test_complain_page_loads_suggestions_script(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    page = await client.get("/complain")
    assert (
        '<script src="/static/similar.js" defer></script>' in page.text
        and 'id="similar"' in page.text
    )
    assert (await client.get("/static/similar.js")).status_code == 200


async def test_stopwords_do_not_join_unrelated_issues(app: Starlette) -> None:
    await seed()
    found = await search.similar("Parking machine at the Eastfield store keeps my card")
    assert "App logs you out every time it is opened" not in [i.title for i in found]
    assert await search.similar("it is the one and only") == []
