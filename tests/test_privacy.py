"""Private data in text staff are about to publish: a corpus of what must and must not be caught."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from tests.conftest import COMPLAINT, COMPLAINT_JSON, Mailbox, deliver, submit
from tracker.models import Complaint, Issue, Subscription
from tracker.privacy import find, redact

CAUGHT = [
    ("Call me on +44 20 7946 0958 after six", "phone"),
    ("my number is (555) 123-4567", "phone"),
    ("mobile 07911 123456", "phone"),
    ("ring 555.123.4567 please", "phone"),
    ("+1-202-555-0173", "phone"),
    ("email jo.reporter+shop@example.co.uk now", "email"),
    ("card 4111 1111 1111 1111 was charged twice", "card"),
    ("card 5500-0000-0000-0004", "card"),
    ("Amex 378282246310005", "card"),
    ("IBAN GB82 WEST 1234 5698 7654 32", "iban"),
    ("paid from DE89370400440532013000", "iban"),
    ("account number 12345678", "account"),
    ("Acct #: 0045-778812", "account"),
    ("customer no. 99887766", "account"),
]

SAFE = [
    "I called the store 4 times on 2026-11-20 at 14:30.",
    "Refunds take over 30 days; 37 people reported this.",
    "Version 5.2.1 logs you out. Error code 0x80070005.",
    "Order placed 20/11/2026, delivery slot 18:00-20:00.",
    "The card 4111 1111 1111 1112 fails Luhn, so it is just a number.",
    "Price was 1,299.99 and then 1 299 for the bundle.",
    "Store #4521 on Main Street, till 4.",
    "We fixed it in release 2026.11 for all 48 stores.",
    "Call our public hotline, it is on the website.",
]


@pytest.mark.parametrize(("text", "kind"), CAUGHT)
def test_private_data_is_found(text: str, kind: str) -> None:
    kinds = [f.kind for f in find(text)]
    assert kinds == [kind], kinds


@pytest.mark.parametrize("text", SAFE)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert find(text) == []


def test_redaction_says_what_was_removed() -> None:
    text = "Jo (jo@example.com, +44 20 7946 0958) paid with 4111 1111 1111 1111."
    assert redact(text) == (
        "Jo ([email address removed], [phone number removed]) paid with [card number removed]."
    )
    assert find(redact(text)) == []


# Publishing: staff cannot put private data on a public page by accident.


async def test_publishing_private_data_is_stopped_with_a_redacted_suggestion(
    app: Starlette, staff_client: httpx.AsyncClient
) -> None:
    await staff_client.post("/api/v1/complaints", json=COMPLAINT_JSON)
    page = "/staff/complaints/1"
    summary = "Pat (pat@example.com, 07911 123456) could not get through."
    refused = await submit(
        staff_client, page, f"{page}/publish", {"title": "Phone", "summary": summary}
    )
    assert refused.status_code == 422
    assert "This looks private: email address &#39;pat@example.com&#39;" in refused.text
    assert (
        "Pat ([email address removed], [phone number removed]) could not get through."
        in refused.text
    )
    assert await Issue.all().count() == 0

    hotline = {"title": "Phone", "summary": "Call our hotline 0800 123 4567.", "allow_private": "1"}
    assert (await submit(staff_client, page, f"{page}/publish", hotline)).status_code == 303


async def test_api_updates_are_checked_but_internal_notes_are_not(
    app: Starlette, client: httpx.AsyncClient, token: str
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    cid = (await client.post("/api/v1/complaints", json=COMPLAINT_JSON)).json()["id"]
    await client.post(
        "/api/v1/issues",
        headers=auth,
        json={"complaint_id": cid, "title": "Phone", "summary": "Rings."},
    )
    refused = await client.post(
        "/api/v1/issues/1/updates",
        headers=auth,
        json={"body": "Refunded card 4111 1111 1111 1111."},
    )
    assert refused.status_code == 422
    assert refused.json()["suggested"] == {"body": "Refunded card [card number removed]."}
    note = await client.post(
        "/api/v1/issues/1/updates",
        headers=auth,
        json={"body": "Card 4111 1111 1111 1111", "internal": True},
    )
    assert note.status_code == 201


# A person's own data, through their private tracking link.


async def test_export_holds_this_report_only(
    app: Starlette, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await client.post(
        "/api/v1/complaints",
        json={**COMPLAINT_JSON, "email": "other@example.com", "body": "someone else"},
    )
    await client.post("/api/v1/complaints", json=COMPLAINT_JSON)
    await deliver(app)
    mine = await Complaint.get(email="pat@example.com")
    response = await client.get(f"/track/{mine.tracking_token}/export")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert (
        data["complaint"]["email"] == "pat@example.com"
        and "Springfield" in data["complaint"]["what_happened"]
    )
    assert [m["about"] for m in data["emails"]] == ["complaint_received"]
    assert "other@example.com" not in response.text and "someone else" not in response.text


async def test_delete_drops_the_person_and_keeps_the_issue(
    app: Starlette, staff_client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    client = staff_client
    await client.post("/api/v1/complaints", json={**COMPLAINT_JSON, "credit_consent": True})
    await client.post(
        "/api/v1/complaints",
        json={
            **COMPLAINT,
            "email": "sam@example.com",
            "public_name": "Sam",
            "credit_consent": True,
        },
    )
    await submit(
        client,
        "/staff/complaints/1",
        "/staff/complaints/1/publish",
        {"title": "Phone", "summary": "Rings."},
    )
    await submit(client, "/staff/complaints/2", "/staff/complaints/2/link", {"issue": "1"})
    pat = await Complaint.get(email="pat@example.com")
    track = f"/track/{pat.tracking_token}"
    unconfirmed = await submit(client, track, f"{track}/delete", {})
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    assert unconfirmed.headers["cache-control"] == "no-store"  # still the private page
    assert unconfirmed.headers["referrer-policy"] == "no-referrer"
    deleted = await submit(client, track, f"{track}/delete", {"confirm": "1"})
    assert deleted.status_code == 200 and "Your report is deleted" in deleted.text

    assert not await Complaint.filter(email="pat@example.com").exists()
    assert not await Subscription.filter(email="pat@example.com").exists()
    assert (await client.get(track)).status_code == 404
    page = await client.get("/issues/1-phone")
    assert "1 person reported this" in page.text
    assert (
        "first reported by <strong>Sam</strong>" in page.text
    )  # credit passes to the next reporter
    await deliver(app)
    before = len(mailbox.to("pat@example.com"))
    await submit(
        client, "/staff/issues/1", "/staff/issues/1/updates", {"status": "fixed", "fix": "Done."}
    )
    await deliver(app)
    assert len(mailbox.to("pat@example.com")) == before  # nothing more to them
