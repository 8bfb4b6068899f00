"""Signed webhooks: issue created, updated and closed, POSTed to outside systems with retries."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from tracker.errors import InvalidInput
from tracker.models import DeliveryState, Issue, Notification, Update, Webhook, WebhookCall
from tracker.outbox import MAX_ATTEMPTS, backoff, claim
from tracker.settings import Settings
from tracker.validate import Form

log = logging.getLogger(__name__)
EVENTS = {
    "issue_published": "issue.created",
    "issue_updated": "issue.updated",
    "issue_closed": "issue.closed",
}
TIMEOUT = 10.0


async def add(data: Mapping[str, Any]) -> Webhook:
    """Register an address; its signing secret is generated here and shown once."""
    form = Form(data)
    url = form.text("url", label="Webhook address", max_length=2000)
    parts = urlsplit(url)
    if url and (parts.scheme not in ("http", "https") or not parts.hostname):
        form.errors["url"] = "The webhook address must be an http:// or https:// URL."
    form.check()
    if await Webhook.filter(url=url).exists():
        raise InvalidInput(f"{url} is already a webhook.", {"url": "Already added."})
    return await Webhook.create(url=url, secret="whsec_" + secrets.token_urlsafe(24))


async def enqueue(notification: Notification) -> None:
    """Queue one call per active webhook; call inside the change's transaction."""
    event = EVENTS.get(notification.kind)
    if event is None:
        return
    now = datetime.now(UTC)
    await WebhookCall.bulk_create(
        [
            WebhookCall(notification=notification, webhook=hook, event=event, next_attempt_at=now)
            for hook in await Webhook.filter(active=True)
        ]
    )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "timestamp.body", so a captured call cannot be replayed later as new."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _payload(call: WebhookCall, issue: Issue, update: Update | None, settings: Settings) -> bytes:
    body: dict[str, Any] = {
        "id": f"call-{call.id}",
        "event": call.event,
        "issue": {
            "number": issue.id,
            "title": issue.title,
            "status": issue.status.value,
            "closed": issue.closed,
            "reporters": issue.reporters,
            "root_cause": issue.root_cause,
            "fix": issue.fix,
            "url": f"{settings.base_url}/issues/{issue.id}-{issue.slug}",
        },
        "update": (
            {
                "id": update.id,
                "body": update.body,
                "status_to": update.status_to.value if update.status_to else None,
                "created_at": update.created_at.isoformat(),
            }
            if update
            else None
        ),
    }
    return json.dumps(body, separators=(",", ":")).encode()


async def deliver_due(settings: Settings, batch: int = 100) -> int:
    """POST due calls once each; retry 5xx, 429 and timeouts with backoff, drop other 4xx."""
    ids = await claim(
        WebhookCall,
        batch,
        timedelta(seconds=settings.delivery_lease_seconds),
        skip_locked=not settings.is_sqlite,
    )
    calls = (
        await WebhookCall.filter(id__in=ids)
        .order_by("id")
        .select_related("webhook", "notification__issue", "notification__update")
    )
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        for call in calls:
            await _call(client, call, settings)
    return len(calls)


async def _call(client: httpx.AsyncClient, call: WebhookCall, settings: Settings) -> None:
    issue = call.notification.issue
    if issue is None or not call.webhook.active:
        call.state, call.last_error = DeliveryState.CANCELLED, "webhook removed or paused"
        await call.save(update_fields=["state", "last_error"])
        return
    body = _payload(call, issue, call.notification.update, settings)
    timestamp = str(int(datetime.now(UTC).timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"Catalyst/0.1 (+{settings.base_url})",
        "X-Catalyst-Event": call.event,
        "X-Catalyst-Delivery": f"call-{call.id}",
        "X-Catalyst-Timestamp": timestamp,
        "X-Catalyst-Signature": sign(call.webhook.secret, timestamp, body),
    }
    call.attempts += 1
    retry = False
    try:
        response = await client.post(call.webhook.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        call.last_error, retry = f"{type(exc).__name__}: {exc}"[:2000], True
    else:
        if response.is_success:
            call.state, call.sent_at, call.last_error = DeliveryState.SENT, datetime.now(UTC), ""
        else:
            call.last_error = f"HTTP {response.status_code}"
            retry = response.status_code >= 500 or response.status_code in (408, 429)
            if not retry:
                call.state = DeliveryState.FAILED
    if retry:
        if call.attempts >= MAX_ATTEMPTS:
            call.state = DeliveryState.FAILED
        else:
            call.next_attempt_at = datetime.now(UTC) + backoff(call.attempts)
    await call.save(update_fields=["attempts", "state", "last_error", "sent_at", "next_attempt_at"])


async def run(settings: Settings, stop: asyncio.Event, every: float = 2.0) -> None:
    """Deliver webhook calls until told to stop; runs beside the mail worker."""
    while not stop.is_set():
        try:
            while await deliver_due(settings):
                pass
        except Exception:
            log.exception("webhook batch failed, will retry")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
