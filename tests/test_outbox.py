"""Delivery: SMTP replies decide retry or give up, Maildir without SMTP, wake-ups."""

from __future__ import annotations

import asyncio
import mailbox as maildir
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
from starlette.applications import Starlette

from tests.conftest import COMPLAINT, COMPLAINT_JSON, Mailbox, deliver, submit
from tracker import outbox
from tracker.models import Delivery, DeliveryState
from tracker.outbox import Worker


async def test_permanent_refusal_is_not_retried(
    app: Starlette, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    mailbox.refuse["pat@example.com"] = "550 5.1.1 No such user"
    await client.post("/api/v1/complaints", json=COMPLAINT_JSON)
    await client.post("/api/v1/complaints", json={**COMPLAINT_JSON, "email": "sam@example.com"})
    assert await deliver(app) == 2
    refused = await Delivery.get(recipient="pat@example.com")
    assert (
        refused.state == DeliveryState.FAILED
        and "550" in refused.last_error
        and refused.attempts == 1
    )
    assert (await Delivery.get(recipient="sam@example.com")).state == DeliveryState.SENT
    assert len(mailbox.to("sam@example.com")) == 1  # the refusal did not break the connection


async def test_temporary_failure_backs_off_then_succeeds(
    app: Starlette, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    mailbox.refuse["pat@example.com"] = "451 4.3.0 Try again later"
    await client.post("/api/v1/complaints", json=COMPLAINT_JSON)
    before = datetime.now(UTC)
    await deliver(app)
    waiting = await Delivery.get(recipient="pat@example.com")
    assert waiting.state == DeliveryState.PENDING and waiting.attempts == 1
    assert waiting.next_attempt_at >= before + timedelta(seconds=29)
    assert await deliver(app) == 0  # not due yet

    del mailbox.refuse["pat@example.com"]
    await Delivery.filter(id=waiting.id).update(next_attempt_at=before)
    assert await deliver(app) == 1
    assert (await Delivery.get(id=waiting.id)).state == DeliveryState.SENT
    assert len(mailbox.to("pat@example.com")) == 1


async def test_unreachable_server_gives_up_after_max_attempts(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    await client.post("/api/v1/complaints", json=COMPLAINT_JSON)
    dead = replace(app.state.settings, smtp_url="smtp://127.0.0.1:9")  # nothing listens on port 9
    worker = Worker(dead, app.state.env)
    for _ in range(outbox.MAX_ATTEMPTS):
        await Delivery.all().update(next_attempt_at=datetime.now(UTC))
        await worker.drain()
    delivery = await Delivery.get()
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == outbox.MAX_ATTEMPTS
    assert "Connect" in delivery.last_error or "connect" in delivery.last_error


def test_backoff_doubles_and_is_capped() -> None:
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert outbox.backoff(40) == outbox.MAX_BACKOFF


async def test_without_smtp_mail_lands_in_maildir(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    settings = replace(
        app.state.settings, smtp_url=None, mail_dir=app.state.settings.var_dir / "mail"
    )
    await client.post("/api/v1/complaints", json=COMPLAINT_JSON)
    assert await Worker(settings, app.state.env).drain() == 1
    [message] = list(maildir.Maildir(settings.mail_dir, create=False))
    assert message["To"] == "pat@example.com" and "We received your report" in message["Subject"]


async def test_in_process_worker_sends_without_being_asked(
    app: Starlette, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    stop = asyncio.Event()
    settings = replace(
        app.state.settings, worker_poll_seconds=30
    )  # only a wake-up can make it quick
    task = asyncio.create_task(Worker(settings, app.state.env).run(stop))
    try:
        await asyncio.sleep(0.1)
        response = await submit(client, "/complain", "/complain", COMPLAINT)
        assert response.status_code == 303
        for _ in range(100):
            if mailbox.to("pat@example.com"):
                break
            await asyncio.sleep(0.05)
        assert len(mailbox.to("pat@example.com")) == 1
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)
