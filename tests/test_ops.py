"""Operability: the health check, Prometheus metrics and structured logs."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from tests.conftest import COMPLAINT_JSON, Mailbox, deliver
from tracker import logs
from tracker.app import create_app
from tracker.settings import Settings


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_healthz(app: Starlette, client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}


async def test_healthz_says_503_when_the_database_is_gone(settings: Settings) -> None:
    # No lifespan: this app never opened a database, as after losing it.
    app = create_app(replace(settings, database_url="sqlite:///nonexistent/dir/x.sqlite3"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "unreachable"


async def test_metrics_count_requests_outbox_and_failures(
    app: Starlette, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    mailbox.refuse["pat@example.com"] = "550 no such user"
    for _ in range(3):
        await client.get("/")
    await client.get("/issues/999999")
    await client.post("/api/v1/complaints", json=COMPLAINT_JSON)
    await client.post("/api/v1/complaints", json={**COMPLAINT_JSON, "email": "sam@example.com"})
    before = samples((await client.get("/metrics")).text)
    assert (
        before[
            (
                "catalyst_http_requests_total",
                (("method", "GET"), ("route", "public.home"), ("status", "200")),
            )
        ]
        == 3
    )
    assert (
        before[
            (
                "catalyst_http_requests_total",
                (("method", "GET"), ("route", "public.issue_page"), ("status", "404")),
            )
        ]
        == 1
    )
    assert before[("catalyst_outbox_due", ())] == 2
    assert before[("catalyst_mail_deliveries", (("state", "pending"),))] == 2

    await deliver(app)
    after = samples((await client.get("/metrics")).text)
    assert after[("catalyst_outbox_due", ())] == 0
    assert after[("catalyst_mail_deliveries", (("state", "failed"),))] == 1
    assert after[("catalyst_mail_deliveries", (("state", "sent"),))] == 1


async def test_metrics_can_require_a_token(settings: Settings, app: Starlette) -> None:
    guarded = create_app(replace(settings, metrics_token="s3cret"))
    transport = httpx.ASGITransport(app=guarded)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
        assert right.status_code == 200 and "catalyst_outbox_due" in right.text


@pytest.mark.parametrize("kind", ["json", "text"])
async def test_request_logs_are_structured_and_keep_secrets_out(
    kind: str,
    settings: Settings,
    app: Starlette,
    client: httpx.AsyncClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs.configure(replace(settings, log_format=kind))
    try:
        await client.get("/track/abcdefghijklmnopqrstuvwxyz123456")
        await client.get("/healthz")
    finally:
        logging.getLogger().handlers.clear()
    lines = [line for line in capsys.readouterr().err.splitlines() if "request" in line]
    assert len(lines) == 2
    assert "abcdefghijklmnop" not in "\n".join(lines)
    if kind == "json":
        first, second = (json.loads(line) for line in lines)
        assert first["path"] == "/track/<token>" and first["status"] == 404
        assert second["route"] == "ops.healthz" and second["status"] == 200 and second["ms"] >= 0
        assert second["level"] == "info" and second["logger"] == "tracker.access"
    else:
        assert "path=/track/<token>" in lines[0] and "status=404" in lines[0]
        assert "route=ops.healthz" in lines[1] and "status=200" in lines[1]
