"""The notification outbox: rows written with the change they announce, sent by a worker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import jinja2

from tracker.mail import Letter, PermanentFailure, Sender, TemporaryFailure, compose
from tracker.models import Complaint, Delivery, DeliveryState, Issue, Notification, Update
from tracker.settings import Settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_SECONDS = 30
MAX_BACKOFF = timedelta(hours=6)
# A claimed delivery is not retried by anyone else until its lease runs out.
LEASE = timedelta(minutes=5)

_listeners: set[asyncio.Event] = set()


class Recipient(NamedTuple):
    address: str
    complaint_id: int | None = None
    subscription_id: int | None = None


def wake() -> None:
    """Tell in-process workers there is fresh mail, so they need not wait for their next poll."""
    for event in _listeners:
        event.set()


async def enqueue(
    kind: str,
    recipients: Iterable[Recipient],
    *,
    issue: Issue | None = None,
    update: Update | None = None,
    complaint: Complaint | None = None,
) -> Notification:
    """Record a notification and one delivery per address, inside the caller's transaction."""
    notification = await Notification.create(
        kind=kind, issue=issue, update=update, complaint=complaint
    )
    now = datetime.now(UTC)
    # One mail per address however many ways it follows the issue, the first way winning.
    seen: dict[str, Recipient] = {}
    for recipient in recipients:
        seen.setdefault(recipient.address.lower(), recipient)
    await Delivery.bulk_create(
        [
            Delivery(
                notification=notification,
                recipient=r.address,
                complaint_id=r.complaint_id,
                subscription_id=r.subscription_id,
                next_attempt_at=now,
            )
            for r in seen.values()
        ]
    )
    return notification


def backoff(attempts: int) -> timedelta:
    """Wait longer after each failed try: 30 s, 1 min, 2 min … capped at six hours."""
    return min(timedelta(seconds=BACKOFF_SECONDS * 2 ** max(0, attempts - 1)), MAX_BACKOFF)


def _letter(delivery: Delivery, notification: Notification, settings: Settings) -> Letter:
    issue = notification.issue
    complaint = delivery.complaint or notification.complaint
    subscription = delivery.subscription
    confirming = notification.kind == "subscription_confirm"
    context: dict[str, Any] = {
        "issue": issue,
        "update": notification.update,
        "complaint": complaint,
        "issue_url": f"{settings.base_url}/issues/{issue.id}-{issue.slug}" if issue else "",
        "tracking_url": (
            f"{settings.base_url}/track/{complaint.tracking_token}" if complaint else ""
        ),
        "subscription": subscription,
        "confirm_url": (
            f"{settings.base_url}/subscriptions/confirm/{subscription.confirm_token}"
            if confirming and subscription
            else ""
        ),
    }
    thread = f"issue-{issue.id}" if issue else f"complaint-{complaint.id if complaint else 0}"
    unsubscribe = (
        f"{settings.base_url}/unsubscribe/{subscription.token}"
        if subscription and not confirming
        else ""
    )
    return Letter(
        to=delivery.recipient,
        template=notification.kind,
        context=context,
        thread_key=thread,
        unsubscribe_url=unsubscribe,
    )


class Worker:
    """Send due deliveries, retrying temporary failures with backoff."""

    def __init__(self, settings: Settings, env: jinja2.Environment, batch: int = 200) -> None:
        self.settings = settings
        self.env = env
        self.batch = batch

    async def _claim(self) -> list[int]:
        now = datetime.now(UTC)
        ids = await (
            Delivery.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
            .order_by("id")
            .limit(self.batch)
            .values_list("id", flat=True)
        )
        if ids:
            await Delivery.filter(id__in=ids).update(next_attempt_at=now + LEASE)
        return list(ids)  # type: ignore[arg-type]

    async def deliver_due(self, sender: Sender) -> int:
        """Send one batch of due deliveries and return how many were tried."""
        ids = await self._claim()
        if not ids:
            return 0
        deliveries = (
            await Delivery.filter(id__in=ids)
            .order_by("id")
            .select_related("complaint", "subscription__category")
        )
        notification_ids = {d.notification_id for d in deliveries}  # type: ignore[attr-defined]
        notifications = {
            n.id: n
            for n in await Notification.filter(id__in=notification_ids).select_related(
                "issue", "update", "complaint"
            )
        }
        for delivery in deliveries:
            notification = notifications[delivery.notification_id]  # type: ignore[attr-defined]
            await self._send_one(sender, delivery, notification)
        return len(deliveries)

    async def _send_one(
        self, sender: Sender, delivery: Delivery, notification: Notification
    ) -> None:
        subscription = delivery.subscription
        if (
            subscription is not None
            and notification.kind != "subscription_confirm"
            and not subscription.active
        ):
            # Checked at send time too: an unsubscribe after enqueueing must still stop the mail.
            delivery.state, delivery.last_error = DeliveryState.CANCELLED, "unsubscribed"
            await delivery.save(update_fields=["state", "last_error"])
            return
        message = compose(_letter(delivery, notification, self.settings), self.env, self.settings)
        delivery.attempts += 1
        try:
            await sender.send(message)
        except PermanentFailure as exc:
            delivery.state = DeliveryState.FAILED
            delivery.last_error = str(exc)[:2000]
        except TemporaryFailure as exc:
            delivery.last_error = str(exc)[:2000]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.state = DeliveryState.FAILED
            else:
                delivery.next_attempt_at = datetime.now(UTC) + backoff(delivery.attempts)
            log.warning("delivery %s to try again: %s", delivery.id, exc)
        else:
            delivery.state = DeliveryState.SENT
            delivery.sent_at = datetime.now(UTC)
            delivery.message_id = str(message["Message-ID"])
            delivery.last_error = ""
        await delivery.save(
            update_fields=[
                "attempts",
                "state",
                "last_error",
                "next_attempt_at",
                "sent_at",
                "message_id",
            ]
        )

    async def drain(self) -> int:
        """Send everything that is due now; used by tests and one-shot runs."""
        total = 0
        async with Sender(self.settings) as sender:
            while sent := await self.deliver_due(sender):
                total += sent
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until told to stop, waking on new mail or every poll interval."""
        event = asyncio.Event()
        _listeners.add(event)
        try:
            async with Sender(self.settings) as sender:
                while not stop.is_set():
                    # Cleared before looking, so a wake() during the batch is not lost.
                    event.clear()
                    try:
                        sent = await self.deliver_due(sender)
                    except Exception:
                        log.exception("delivery batch failed, will retry")
                        sent = 0
                    if sent:
                        continue
                    waiters = [
                        asyncio.ensure_future(event.wait()),
                        asyncio.ensure_future(stop.wait()),
                    ]
                    await asyncio.wait(
                        waiters,
                        timeout=self.settings.worker_poll_seconds,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    for waiter in waiters:
                        waiter.cancel()
        finally:
            _listeners.discard(event)
