"""Filing complaints through the web form and the API, and what bad input gets back."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from tests.conftest import COMPLAINT, COMPLAINT_JSON, Mailbox, deliver, submit, text_of
from tracker.models import Category, Channel, Complaint, Delivery


async def test_form_complaint_is_stored_acknowledged_and_tracked(
    app: Starlette, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    response = await submit(client, "/complain", "/complain", COMPLAINT)
    assert response.status_code == 303
    complaint = await Complaint.get(email="pat@example.com")
    assert response.headers["location"] == f"/track/{complaint.tracking_token}"
    assert complaint.channel == Channel.WEB and complaint.credit_consent
    assert len(complaint.tracking_token) >= 22  # at least 128 bits of base64

    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    assert "I called the Springfield store" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"

    assert await deliver(app) == 1
    [mail] = mailbox.to("pat@example.com")
    assert "We received your report" in mail["Subject"]
    text = text_of(mail)
    assert f"http://127.0.0.1:8000/track/{complaint.tracking_token}" in text
    assert complaint.tracking_token in text_of(mail, "html")


async def test_api_complaint_returns_tracking_link(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    await Category.create(slug="stores", name="Stores")
    response = await client.post(
        "/api/v1/complaints", json={**COMPLAINT_JSON, "credit_consent": True, "category": "stores"}
    )
    assert response.status_code == 201
    body = response.json()
    complaint = await Complaint.get(id=body["id"]).select_related("category")
    assert body["tracking_url"].endswith(complaint.tracking_token)
    assert complaint.channel == Channel.API and complaint.category.slug == "stores"


@pytest.mark.parametrize(
    ("change", "field", "phrase"),
    [
        ({"title": ""}, "title", "Title is required"),
        ({"body": "   "}, "body", "What happened is required"),
        ({"email": "not-an-address"}, "email", "not a valid address"),
        ({"email": None}, "email", "Email is required"),
        ({"title": "x" * 201}, "title", "at most 200 characters"),
        ({"category": "nope"}, "category", "does not exist"),
        ({"public_name": "", "credit_consent": True}, "public_name", "name to credit"),
        ({"title": 42}, "title", "must be text"),
        ({"credit_consent": "yes"}, "credit_consent", "must be true or false"),
    ],
)
async def test_api_rejects_bad_complaints_and_stores_nothing(
    app: Starlette, client: httpx.AsyncClient, change: dict[str, object], field: str, phrase: str
) -> None:
    payload = {k: v for k, v in {**COMPLAINT_JSON, **change}.items() if v is not None}
    response = await client.post("/api/v1/complaints", json=payload)
    assert response.status_code == 422
    assert phrase in response.json()["fields"][field]
    assert phrase in response.json()["error"]
    assert await Complaint.all().count() == 0
    assert await Delivery.all().count() == 0


@pytest.mark.parametrize(
    ("content", "headers", "status", "phrase"),
    [
        (b"{not json", {"content-type": "application/json"}, 422, "not valid JSON"),
        (b"[1, 2]", {"content-type": "application/json"}, 422, "must be a JSON object"),
        (
            b"title=x",
            {"content-type": "application/x-www-form-urlencoded"},
            422,
            "Content-Type: application/json",
        ),
        (b"\xff\xfe", {"content-type": "application/json"}, 422, "not valid JSON"),
        (b"{" + b" " * 1_100_000 + b"}", {"content-type": "application/json"}, 413, "too large"),
    ],
)
async def test_api_rejects_malformed_bodies(
    app: Starlette,
    client: httpx.AsyncClient,
    content: bytes,
    headers: dict[str, str],
    status: int,
    phrase: str,
) -> None:
    response = await client.post("/api/v1/complaints", content=content, headers=headers)
    assert response.status_code == status
    assert phrase in response.json()["error"]
    assert await Complaint.all().count() == 0


async def test_form_errors_rerender_with_values_kept(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    response = await submit(client, "/complain", "/complain", {**COMPLAINT, "email": "nope"})
    assert response.status_code == 422
    assert "not a valid address" in response.text
    assert "I called the Springfield store" in response.text  # nothing typed is lost
    assert await Complaint.all().count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver"},
    ],
)
async def test_form_sent_from_another_site_is_refused(
    app: Starlette, client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.post("/complain", data=COMPLAINT, headers=headers)
    assert response.status_code == 403
    assert "reload the page" in response.text
    assert await Complaint.all().count() == 0


async def test_form_from_our_own_page_is_accepted(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    own = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    response = await client.post("/complain", data=COMPLAINT, headers=own)
    assert response.status_code == 303 and await Complaint.all().count() == 1


async def test_huge_form_post_is_refused(app: Starlette, client: httpx.AsyncClient) -> None:
    response = await client.post("/complain", data={**COMPLAINT, "body": "x" * 1_200_000})
    assert response.status_code == 413
    assert await Complaint.all().count() == 0


async def test_unknown_tracking_link_is_404(app: Starlette, client: httpx.AsyncClient) -> None:
    response = await client.get("/track/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert response.status_code == 404
    assert "No complaint has this tracking link" in response.text
