"""Merging issues with one root cause: people, followers and timeline join; unmerge restores all."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from tests.conftest import COMPLAINT_JSON, Mailbox, deliver, submit
from tracker.models import Issue, Status


async def two_issues(client: httpx.AsyncClient) -> None:
    """#1 from pat (credited) with a follower, #2 from sam; staff_client is logged in."""
    await client.post("/api/v1/complaints", json=COMPLAINT_JSON)
    await client.post(
        "/api/v1/complaints",
        json={**COMPLAINT_JSON, "email": "sam@example.com", "public_name": "Sam"},
    )
    await submit(
        client,
        "/staff/complaints/1",
        "/staff/complaints/1/publish",
        {"title": "Phone rings out", "summary": "A."},
    )
    await submit(
        client,
        "/staff/complaints/2",
        "/staff/complaints/2/publish",
        {"title": "Nobody answers calls", "summary": "B."},
    )
    await submit(
        client,
        "/staff/issues/1",
        "/staff/issues/1/updates",
        {"status": "investigating", "body": "Looking at #1."},
    )


async def test_merge_then_unmerge(
    app: Starlette, staff_client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    client = staff_client
    await two_issues(client)
    await client.post("/api/v1/issues/1/subscriptions", json={"email": "fan@example.com"})
    await deliver(app)
    confirm = next(m for m in mailbox.to("fan@example.com")).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = confirm.split("http://127.0.0.1:8000")[1].split()[0]
    await submit(client, link, link, {})
    await deliver(app)
    before = {
        a: len(mailbox.to(a)) for a in ("pat@example.com", "fan@example.com", "sam@example.com")
    }

    merged = await submit(client, "/staff/issues/1", "/staff/issues/1/merge", {"into": "2"})
    assert merged.status_code == 303 and merged.headers["location"] == "/staff/issues/2"
    gone = await client.get("/issues/1-phone-rings-out")
    assert gone.status_code == 301 and gone.headers["location"] == "/issues/2-nobody-answers-calls"
    feed = await client.get("/issues/1-phone-rings-out/feed.atom")
    assert (
        feed.status_code == 301
        and feed.headers["location"] == "/issues/2-nobody-answers-calls/feed.atom"
    )
    page = (await client.get("/issues/2-nobody-answers-calls")).text
    assert "2 people reported this" in page
    assert "Looking at #1." in page and "(from #1)" in page  # the timeline came along
    assert "first reported by <strong>Pat</strong>" in page
    assert "Phone rings out" not in (await client.get("/")).text  # merged issues leave the list

    await deliver(app)
    after = {a: len(mailbox.to(a)) for a in before}
    assert after == {
        "pat@example.com": before["pat@example.com"] + 1,
        "fan@example.com": before["fan@example.com"] + 1,
        "sam@example.com": before["sam@example.com"],
    }  # only #1's people, once
    told = mailbox.to("fan@example.com")[-1]
    assert "was merged into it" in told.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "/issues/2-nobody-answers-calls" in told.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    await submit(
        client,
        "/staff/issues/2",
        "/staff/issues/2/updates",
        {"status": "fixing", "body": "Fixing both."},
    )
    await deliver(app)
    for address in before:
        assert "Fixing both." in mailbox.to(address)[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]

    split = await submit(client, "/staff/issues/1", "/staff/issues/1/unmerge", {})
    assert split.status_code == 303
    issue = await Issue.get(id=1)
    assert (
        issue.status == Status.INVESTIGATING and issue.merged_into_id is None and not issue.closed
    )  # type: ignore[attr-defined]
    assert (await client.get("/issues/1-phone-rings-out")).status_code == 200
    assert "1 person reported this" in (await client.get("/issues/2-nobody-answers-calls")).text
    count = len(mailbox.to("fan@example.com"))
    await submit(client, "/staff/issues/2", "/staff/issues/2/updates", {"body": "Only #2 now."})
    await deliver(app)
    assert len(mailbox.to("fan@example.com")) == count


@pytest.mark.parametrize(
    ("path", "body", "status", "phrase"),
    [
        ("/api/v1/issues/1/merge", {"into": 1}, 422, "cannot be merged into itself"),
        ("/api/v1/issues/1/merge", {"into": 99}, 422, "no issue #99"),
        ("/api/v1/issues/1/merge", {}, 422, "into"),
        ("/api/v1/issues/1/unmerge", {}, 409, "is not merged"),
    ],
)
async def test_merge_errors(
    app: Starlette,
    staff_client: httpx.AsyncClient,
    token: str,
    path: str,
    body: dict[str, int],
    status: int,
    phrase: str,
) -> None:
    await two_issues(staff_client)
    response = await staff_client.post(
        path, json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == status and phrase in response.json()["error"]


async def test_merged_issues_cannot_be_merged_or_used_again(
    app: Starlette, staff_client: httpx.AsyncClient, token: str
) -> None:
    await two_issues(staff_client)
    auth = {"Authorization": f"Bearer {token}"}
    ok = await staff_client.post("/api/v1/issues/1/merge", json={"into": 2}, headers=auth)
    assert ok.status_code == 200 and ok.json()["number"] == 2 and ok.json()["reporters"] == 2
    again = await staff_client.post("/api/v1/issues/1/merge", json={"into": 2}, headers=auth)
    assert again.status_code == 409
    into_merged = await staff_client.post("/api/v1/issues/2/merge", json={"into": 1}, headers=auth)
    assert into_merged.status_code == 409 and "itself merged" in into_merged.json()["error"]
    assert (await staff_client.get("/api/v1/issues/1")).json()["merged_into"] == 2
    update = await staff_client.post("/api/v1/issues/1/updates", json={"body": "x"}, headers=auth)
    assert update.status_code == 409
