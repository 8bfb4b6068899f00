"""Upgrading a database that already holds data, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from tortoise import connections

from tests import postgres
from tracker import db, search
from tracker.app import create_app
from tracker.models import Complaint, Issue, Severity
from tracker.settings import Settings

NOW = "'2026-01-02 03:04:05+00:00'"
# Rows written as the first schema had them: every later migration must cope with them.
FIRST_SCHEMA_ROWS = [
    "INSERT INTO category (id, slug, name, description) VALUES (1, 'stores', 'Stores', '')",
    "INSERT INTO issue (id, slug, title, summary, status, root_cause, fix, wont_fix_reason,"
    " closed, reporters, created_at, updated_at, category_id) VALUES (1, 'phone',"
    " 'Springfield phone never answered', 'Rings out.', 'investigating', '', '', '', false, 1,"
    f" {NOW}, {NOW}, 1)",
    "INSERT INTO complaint (id, tracking_token, title, body, email, public_name, credit_consent,"
    " channel, source_url, state, created_at, issue_id) VALUES (1, 'tttttttttttttttttttttttttttttttt',"
    f" 'Phone', 'Called four times.', 'pat@example.com', 'Pat', true, 'web', '', 'linked', {NOW}, 1)",
    f"INSERT INTO notification (id, kind, created_at, issue_id) VALUES (1, 'issue_updated', {NOW}, 1)",
    "INSERT INTO delivery (id, notification_id, recipient, complaint_id, state, attempts,"
    f" next_attempt_at, last_error, message_id, created_at) VALUES (1, 1, 'pat@example.com', 1,"
    f" 'sent', 1, {NOW}, '', '<m@x>', {NOW})",
]


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_server: str) -> str:
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/old.sqlite3"
    return await postgres.fresh_database(postgres_server)


async def test_upgrade_keeps_data_and_works(database_url: str, settings: Settings) -> None:
    await db.migrate(database_url, target="models.0001_initial")
    async with db.connect(database_url):
        for statement in FIRST_SCHEMA_ROWS:
            await connections.get("default").execute_script(statement)
    await db.migrate(database_url)

    async with db.connect(database_url):
        complaint = await Complaint.get(id=1)
        assert complaint.severity == Severity.MINOR and complaint.email == "pat@example.com"
        issue = await Issue.get(id=1)
        assert issue.merged_into_id is None  # type: ignore[attr-defined]
        assert [i.id for i in await search.similar("phone never answered")] == [1]

    if database_url.startswith("postgres"):
        # Sequences must continue past rows inserted with explicit ids.
        async with db.connect(database_url):
            for table in ("category", "issue", "complaint", "notification", "delivery"):
                await connections.get("default").execute_script(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)"
                )
    app = create_app(replace(settings, database_url=database_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            page = await client.get("/issues/1-phone")
            assert page.status_code == 200 and "first reported by <strong>Pat</strong>" in page.text
            filed = await client.post(
                "/api/v1/complaints",
                json={"title": "New one", "body": "After the upgrade.", "email": "new@example.com"},
            )
            assert filed.status_code == 201
