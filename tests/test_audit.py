"""The audit log records every staff action, and only admins read it."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from tests.conftest import COMPLAINT_JSON, submit
from tracker import auth
from tracker.models import AuditEntry


async def login(client: httpx.AsyncClient, email: str) -> None:
    response = await submit(
        client,
        "/staff/login",
        "/staff/login",
        {"email": email, "password": "a long enough password"},
    )
    assert response.status_code == 303


async def test_actions_are_logged_with_who_what_and_when(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    await auth.add_staff("boss@example.com", "a long enough password", "admin")
    await login(client, "boss@example.com")
    await client.post("/api/v1/complaints", json=COMPLAINT_JSON)
    await client.post("/api/v1/complaints", json={**COMPLAINT_JSON, "email": "sam@example.com"})
    await submit(
        client,
        "/staff/complaints/1",
        "/staff/complaints/1/publish",
        {"title": "Phone", "summary": "Rings."},
    )
    await submit(client, "/staff/complaints/2", "/staff/complaints/2/dismiss", {})
    await submit(
        client,
        "/staff/issues/1",
        "/staff/issues/1/updates",
        {"status": "investigating", "body": "On it."},
    )
    await submit(
        client, "/staff/issues/1", "/staff/issues/1/updates", {"body": "Psst.", "internal": "1"}
    )
    await submit(client, "/staff/categories", "/staff/categories", {"name": "Stores"})

    logged = [
        (e.actor, e.action, e.target, e.detail) for e in await AuditEntry.all().order_by("id")
    ]
    assert logged == [
        ("system", "added staff", "boss@example.com", "role admin"),
        ("boss@example.com", "logged in", "", ""),
        ("boss@example.com", "published issue", "issue #1", "from complaint 1"),
        ("boss@example.com", "dismissed complaint", "complaint 2", ""),
        ("boss@example.com", "posted update", "issue #1", "status new -> investigating"),
        ("boss@example.com", "wrote internal note", "issue #1", ""),
        ("boss@example.com", "added category", "Stores", ""),
    ]
    page = await client.get("/staff/audit")
    assert page.status_code == 200 and "7 staff actions" in page.text
    assert page.text.index("added category") < page.text.index("published issue")  # newest first
    mine = await client.get("/staff/audit", params={"actor": "system"})
    assert "1 staff action by system" in mine.text


async def test_only_admins_read_the_log(app: Starlette, staff_client: httpx.AsyncClient) -> None:
    assert (await staff_client.get("/staff/audit")).status_code == 403
