"""Public pages: the issue list with search and pages, issue addresses and redirects."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from tracker.models import Category, Issue, Status


async def make_issues(count: int) -> list[Issue]:
    stores = await Category.create(slug="stores", name="Stores")
    return [
        await Issue.create(
            slug=f"issue-{n}",
            title=f"Problem number {n}",
            summary="Something broke.",
            status=Status.FIXED if n % 3 == 0 else Status.INVESTIGATING,
            closed=n % 3 == 0,
            category=stores if n % 2 else None,
        )
        for n in range(1, count + 1)
    ]


async def test_home_lists_open_issues_first_and_pages(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    await make_issues(45)
    first = await client.get("/")
    assert first.status_code == 200
    assert "45 issues" in first.text and "Page 1 of 3" in first.text
    assert first.text.count('class="issue-row"') == 20  # open issues fill the first page
    last = await client.get("/?page=3")
    assert last.text.count('class="issue-row closed"') == 5
    assert (await client.get("/?page=999")).status_code == 200
    assert (await client.get("/?page=-1")).status_code == 200


async def test_home_search_and_filters(app: Starlette, client: httpx.AsyncClient) -> None:
    await make_issues(12)
    found = await client.get("/", params={"q": "number 11"})
    assert "1 issue matching" in found.text and "Problem number 11" in found.text
    none = await client.get("/", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in none.text and "No issue matches" in none.text
    stores = await client.get("/", params={"category": "stores", "state": "closed"})
    assert "2 issues" in stores.text  # 3 and 9


async def test_issue_addresses_redirect_to_the_current_slug(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    [issue] = await make_issues(1)
    for path in (f"/issues/{issue.id}", f"/issues/{issue.id}-old-title"):
        response = await client.get(path)
        assert response.status_code == 301
        assert response.headers["location"] == f"/issues/{issue.id}-issue-1"
    for path in (
        "/issues/abc",
        "/issues/0",
        "/issues/99",
        "/issues/%C2%B2",
        "/issues/1" + "0" * 30,
    ):
        assert (await client.get(path)).status_code == 404, path


async def test_pages_carry_security_headers(app: Starlette, client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "catalyst_session" not in response.headers.get("set-cookie", "")
    assert "set-cookie" not in (await client.get("/complain")).headers  # anonymous: no session
    form = await client.get("/staff/login")
    cookie = form.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
