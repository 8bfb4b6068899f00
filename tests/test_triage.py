"""Triage order is people affected times severity, never fame; waiting time is held to published targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from starlette.applications import Starlette

from tests.conftest import COMPLAINT, COMPLAINT_JSON, submit
from tracker import auth, triage
from tracker.models import Complaint, Issue, Severity, Stage


async def test_queue_order(app: Starlette, client: httpx.AsyncClient) -> None:
    await Issue.create(
        slug="phone", title="Store phone never answered", summary="Rings out.", reporters=5
    )
    cases = [
        (
            "Famous person is annoyed",
            "My 2 million followers will hear about this parking fee.",
            "rant",
        ),
        ("Parking fee too high", "The parking fee went up again.", "minor"),
        (
            "Store phone not answered",
            "Nobody answered the phone, I drove there for nothing.",
            "major",
        ),
        ("Phone never answered", "Rang the store phone five times.", "minor"),
    ]
    for title, body, severity in cases:
        response = await client.post(
            "/api/v1/complaints",
            json={**COMPLAINT_JSON, "title": title, "body": body, "severity": severity},
        )
        assert response.status_code == 201
    order = [(w.complaint.title, w.affected, w.priority) for w in await triage.queue()]
    assert order == [
        ("Store phone not answered", 6, 54),  # major, and 5 people already on the open issue
        ("Phone never answered", 6, 18),
        ("Parking fee too high", 1, 3),
        ("Famous person is annoyed", 1, 1),  # followers count for nothing
    ]


async def test_targets_flag_complaints_waiting_too_long(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    await auth.add_staff("boss@example.com", "a long enough password", "admin")
    await submit(
        client,
        "/staff/login",
        "/staff/login",
        {"email": "boss@example.com", "password": "a long enough password"},
    )
    bad = await submit(client, "/staff/targets", "/staff/targets", {"acknowledge": "0"})
    assert bad.status_code == 422 and "between 1 and 8760 hours" in bad.text
    ok = await submit(
        client, "/staff/targets", "/staff/targets", {"acknowledge": "24", "fix": "720"}
    )
    assert ok.status_code == 303
    assert await triage.targets() == {Stage.ACKNOWLEDGE: 24, Stage.FIX: 720}

    await client.post("/api/v1/complaints", json=COMPLAINT_JSON)
    await client.post("/api/v1/complaints", json={**COMPLAINT_JSON, "title": "Old one"})
    await Complaint.filter(title="Old one").update(created_at=datetime.now(UTC) - timedelta(days=2))
    inbox = await client.get("/staff")
    assert "acknowledge within 24 hours" in inbox.text
    assert inbox.text.count("over target") == 1
    # Same priority, so whoever has waited longest comes first.
    assert inbox.text.index("Old one") < inbox.text.index(COMPLAINT["title"])


async def test_severity_is_checked_and_staff_can_correct_it(
    app: Starlette, staff_client: httpx.AsyncClient
) -> None:
    bad = await staff_client.post(
        "/api/v1/complaints", json={**COMPLAINT_JSON, "severity": "apocalyptic"}
    )
    assert bad.status_code == 422 and "How bad it is must be one of" in bad.json()["error"]
    await staff_client.post("/api/v1/complaints", json=COMPLAINT_JSON)
    assert (await Complaint.get()).severity == Severity.MINOR
    changed = await submit(
        staff_client, "/staff/complaints/1", "/staff/complaints/1/severity", {"severity": "major"}
    )
    assert changed.status_code == 303 and (await Complaint.get()).severity == Severity.MAJOR


async def test_only_admins_publish_targets(app: Starlette, staff_client: httpx.AsyncClient) -> None:
    response = await submit(staff_client, "/staff/targets", "/staff/targets", {"acknowledge": "24"})
    assert response.status_code == 403 and await triage.targets() == {}
