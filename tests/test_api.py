"""The JSON API: public reads, staff writes behind a bearer token, errors as JSON."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from tests.conftest import COMPLAINT_JSON
from tracker.models import Complaint, Issue, Update


async def filed(client: httpx.AsyncClient, **change: object) -> int:
    response = await client.post("/api/v1/complaints", json={**COMPLAINT_JSON, **change})
    assert response.status_code == 201
    return int(response.json()["id"])


async def test_staff_flow_over_the_api(
    app: Starlette, client: httpx.AsyncClient, token: str
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    first = await filed(client)
    second = await filed(client, email="sam@example.com")

    inbox = await client.get("/api/v1/complaints", headers=auth)
    assert [c["id"] for c in inbox.json()["items"]] == [first, second]
    assert inbox.json()["items"][0]["email"] == "pat@example.com"

    created = await client.post(
        "/api/v1/issues",
        headers=auth,
        json={"complaint_id": first, "title": "Phone never answered", "summary": "Rings out."},
    )
    assert created.status_code == 201
    number = created.json()["number"]
    assert created.json()["url"] == f"http://127.0.0.1:8000/issues/{number}-phone-never-answered"

    linked = await client.post(
        f"/api/v1/complaints/{second}/link", headers=auth, json={"issue": number}
    )
    assert linked.status_code == 200 and linked.json()["reporters"] == 2
    unlinked = await client.post(f"/api/v1/complaints/{second}/unlink", headers=auth)
    assert unlinked.status_code == 200 and unlinked.json()["state"] == "new"
    assert unlinked.json()["issue"] is None
    relinked = await client.post(
        f"/api/v1/complaints/{second}/link", headers=auth, json={"issue": number}
    )
    assert relinked.json()["reporters"] == 2

    posted = await client.post(
        f"/api/v1/issues/{number}/updates",
        headers=auth,
        json={"status": "fixed", "fix": "New phone routing."},
    )
    assert posted.status_code == 201 and posted.json()["status_to"] == "fixed"

    public = (await client.get(f"/api/v1/issues/{number}")).json()
    assert public["status"] == "fixed" and public["closed"] and public["catalyst"] == "Pat"
    assert [u["status_to"] for u in public["updates"]] == ["fixed"]
    assert "pat@example.com" not in str(public)

    listing = (await client.get("/api/v1/issues", params={"state": "closed"})).json()
    assert listing["total"] == 1 and listing["items"][0]["number"] == number


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/complaints", None),
        ("POST", "/api/v1/issues", {"complaint_id": 1, "title": "x", "summary": "y"}),
        ("POST", "/api/v1/complaints/1/link", {"issue": 1}),
        ("POST", "/api/v1/issues/1/updates", {"body": "x"}),
    ],
)
@pytest.mark.parametrize("header", [None, "Bearer", "Bearer ctk_wrong", "Basic abc"])
async def test_staff_endpoints_refuse_missing_or_wrong_tokens(
    app: Starlette,
    client: httpx.AsyncClient,
    method: str,
    path: str,
    body: object,
    header: str | None,
) -> None:
    headers = {"Authorization": header} if header else {}
    response = await client.request(method, path, json=body, headers=headers)
    assert response.status_code == 401
    assert "token" in response.json()["error"]
    assert await Issue.all().count() == 0 and await Update.all().count() == 0


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "phrase"),
    [
        ("GET", "/api/v1/issues/999", None, 404, "no issue #999"),
        ("GET", "/api/v1/issues/99999999999999", None, 404, "no issue"),
        ("POST", "/api/v1/issues/999/updates", {"body": "x"}, 404, "no issue #999"),
        ("POST", "/api/v1/complaints/999/link", {"issue": 1}, 404, "no complaint 999"),
        ("POST", "/api/v1/issues", {"title": "x", "summary": "y"}, 422, "complaint_id"),
        ("POST", "/api/v1/complaints/1/link", {"issue": "abc"}, 422, "whole number"),
        ("GET", "/api/v1/complaints?state=bogus", None, 422, "state must be one of"),
        ("DELETE", "/api/v1/issues", None, 405, "does not accept"),
        ("GET", "/api/v1/nothing", None, 404, "nothing at this address"),
    ],
)
async def test_bad_requests_get_json_errors(
    app: Starlette,
    client: httpx.AsyncClient,
    token: str,
    method: str,
    path: str,
    body: object,
    status: int,
    phrase: str,
) -> None:
    response = await client.request(
        method, path, json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == status
    assert phrase in response.json()["error"]


async def test_openapi_lists_the_contract_paths(app: Starlette, client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/v1/openapi.json")).json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/complaints",
        "/issues",
        "/issues/{number}",
        "/complaints/{id}/link",
        "/issues/{number}/updates",
    ):
        assert path in spec["paths"]


async def test_public_api_never_shows_contact_details(
    app: Starlette, client: httpx.AsyncClient, token: str
) -> None:
    cid = await filed(client, credit_consent=False)
    await client.post(
        "/api/v1/issues",
        headers={"Authorization": f"Bearer {token}"},
        json={"complaint_id": cid, "title": "Phone", "summary": "Rings."},
    )
    for path in ("/api/v1/issues", "/api/v1/issues/1"):
        text = (await client.get(path)).text
        assert "pat@example.com" not in text and "Springfield" not in text and '"Pat"' not in text
    assert (await Complaint.get(id=cid)).tracking_token not in text


async def test_addresses_with_two_methods_answer_head_and_list_both_in_allow(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    head = await client.head("/api/v1/issues")
    assert head.status_code == 200 and head.content == b""
    refused = await client.request("DELETE", "/api/v1/complaints")
    assert refused.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in refused.headers["allow"].split(",")}
