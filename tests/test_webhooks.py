"""Outgoing webhooks: signed, one call per event, retried on 5xx, dropped on other 4xx."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
from starlette.applications import Starlette

from tests.conftest import COMPLAINT_JSON, submit
from tests.feed_server import serving
from tracker import auth, webhooks
from tracker.models import DeliveryState, WebhookCall


class Receiver(BaseHTTPRequestHandler):
    calls: list[tuple[dict[str, str], bytes]] = []
    status = 200

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.calls.append((dict(self.headers), body))
        self.send_response(Receiver.status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.calls, Receiver.status = [], 200
    with serving(Receiver) as base:
        yield f"{base}/hook"


async def setup(client: httpx.AsyncClient, url: str) -> str:
    await auth.add_staff("boss@example.com", "a long enough password", "admin")
    await submit(
        client,
        "/staff/login",
        "/staff/login",
        {"email": "boss@example.com", "password": "a long enough password"},
    )
    page = await submit(client, "/staff/webhooks", "/staff/webhooks", {"url": url})
    match = re.search(r"<code>(whsec_[^<]+)</code>", page.text)
    assert page.status_code == 200 and match, page.text[:500]
    await client.post("/api/v1/complaints", json=COMPLAINT_JSON)
    await submit(
        client,
        "/staff/complaints/1",
        "/staff/complaints/1/publish",
        {"title": "Phone", "summary": "Rings."},
    )
    return match.group(1)


async def test_events_are_signed_and_carry_no_private_data(
    app: Starlette, client: httpx.AsyncClient, receiver: str
) -> None:
    secret = await setup(client, receiver)
    await submit(
        client,
        "/staff/issues/1",
        "/staff/issues/1/updates",
        {"status": "investigating", "body": "On it."},
    )
    await submit(
        client,
        "/staff/issues/1",
        "/staff/issues/1/updates",
        {"body": "staff only", "internal": "1"},
    )
    await submit(
        client, "/staff/issues/1", "/staff/issues/1/updates", {"status": "fixed", "fix": "Done."}
    )
    assert await webhooks.deliver_due(app.state.settings) == 3
    events = [h["X-Catalyst-Event"] for h, _ in Receiver.calls]
    assert events == ["issue.created", "issue.updated", "issue.closed"]
    for headers, body in Receiver.calls:
        expected = webhooks.sign(secret, headers["X-Catalyst-Timestamp"], body)
        assert headers["X-Catalyst-Signature"] == expected
        assert b"pat@example.com" not in body and b"staff only" not in body
    closed = json.loads(Receiver.calls[-1][1])
    assert closed["issue"]["status"] == "fixed" and closed["issue"]["fix"] == "Done."
    assert webhooks.sign("wrong", "1", b"{}") != webhooks.sign(secret, "1", b"{}")


async def test_server_errors_are_retried_and_gone_is_final(
    app: Starlette, client: httpx.AsyncClient, receiver: str
) -> None:
    Receiver.status = 503
    await setup(client, receiver)
    await webhooks.deliver_due(app.state.settings)
    call = await WebhookCall.get()
    assert (
        call.state == DeliveryState.PENDING and call.attempts == 1 and call.last_error == "HTTP 503"
    )
    Receiver.status = 200
    await WebhookCall.all().update(next_attempt_at=datetime.now(UTC))
    await webhooks.deliver_due(app.state.settings)
    assert (await WebhookCall.get()).state == DeliveryState.SENT

    Receiver.status = 410
    await submit(client, "/staff/issues/1", "/staff/issues/1/updates", {"status": "fixing"})
    await webhooks.deliver_due(app.state.settings)
    last = await WebhookCall.all().order_by("-id").first()
    assert last is not None and last.state == DeliveryState.FAILED and last.attempts == 1


async def test_only_http_addresses(
    app: Starlette, client: httpx.AsyncClient, receiver: str
) -> None:
    await setup(client, receiver)
    bad = await submit(client, "/staff/webhooks", "/staff/webhooks", {"url": "file:///etc/passwd"})
    assert bad.status_code == 422 and "http:// or https://" in bad.text
