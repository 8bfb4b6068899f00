"""The notification outbox: rows written with the change they announce, sent by a worker."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, NamedTuple

import jinja2
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from tracker.mail import (
    SLOT_TO,
    SLOT_TRACKING,
    SLOT_UNSUBSCRIBE,
    Letter,
    PermanentFailure,
    Prototype,
    Sender,
    TemporaryFailure,
    compose,
    prototype_for,
)
from tracker.models import (
    Complaint,
    Delivery,
    DeliveryState,
    Issue,
    Notification,
    Subscription,
    Update,
    WebhookCall,
)
from tracker.settings import Settings

log = logging.getLogger(__name__)

# Mail that goes to many people at once, rendered once per notification and batch.
FANOUT_KINDS = frozenset({"issue_updated", "issue_closed"})
MAX_ATTEMPTS = 8
BACKOFF_SECONDS = 30
MAX_BACKOFF = timedelta(hours=6)

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


async def _ids(query: QuerySet[Any]) -> list[int]:
    rows: list[Any] = await query.values_list("id", flat=True)
    return [int(row) for row in rows]


async def claim(
    model: type[Delivery] | type[WebhookCall], batch: int, lease: timedelta, *, skip_locked: bool
) -> list[int]:
    """Lease up to `batch` due pending rows to the caller alone and return their ids."""
    now = datetime.now(UTC)
    token = secrets.token_hex(16)
    due = model.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now).order_by("id")
    async with in_transaction():
        if skip_locked:
            # Concurrent workers skip each other's rows instead of queueing behind them.
            rows = await due.limit(batch).select_for_update(skip_locked=True).only("id")
            ids = [row.id for row in rows]
        else:
            ids = await _ids(due.limit(batch))
        if not ids:
            return []
        # Re-checking state and due time keeps the claim exclusive where rows are not locked.
        await model.filter(
            id__in=ids, state=DeliveryState.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=now + lease, lease_token=token)
    return await _ids(model.filter(lease_token=token).order_by("id"))


class Worker:
    """Send due deliveries over several SMTP connections, retrying temporary failures."""

    def __init__(self, settings: Settings, env: jinja2.Environment) -> None:
        self.settings = settings
        self.env = env
        self.batch = settings.delivery_batch
        self.lease = timedelta(seconds=settings.delivery_lease_seconds)
        self._prototypes: dict[tuple[int, bool, bool], Prototype | None] = {}

    def _outgoing(
        self, delivery: Delivery, notification: Notification
    ) -> tuple[str, EmailMessage | tuple[str, str, bytes]]:
        """Return the Message-ID and what to send, from a shared prototype where possible."""
        letter = _letter(delivery, notification, self.settings)
        tracking_url = str(letter.context["tracking_url"])
        if notification.kind in FANOUT_KINDS and delivery.recipient.isascii():
            key = (notification.id, bool(tracking_url), bool(letter.unsubscribe_url))
            if key not in self._prototypes:
                slotted = replace(
                    letter,
                    to=SLOT_TO,
                    unsubscribe_url=SLOT_UNSUBSCRIBE if letter.unsubscribe_url else "",
                    context={
                        **letter.context,
                        "tracking_url": SLOT_TRACKING if tracking_url else "",
                    },
                )
                self._prototypes[key] = prototype_for(slotted, self.env, self.settings)
            prototype = self._prototypes[key]
            if prototype is not None:
                message_id, data = prototype.fill(
                    delivery.recipient, letter.unsubscribe_url, tracking_url, f"d{delivery.id}"
                )
                return message_id, (prototype.sender, delivery.recipient, data)
        message = compose(letter, self.env, self.settings)
        return str(message["Message-ID"]), message

    async def _claim(self) -> list[int]:
        """Take a batch of due deliveries for this worker alone until the lease runs out."""
        return await claim(
            Delivery, self.batch, self.lease, skip_locked=not self.settings.is_sqlite
        )

    async def deliver_due(self, senders: list[Sender]) -> int:
        """Send one batch of due deliveries and return how many were tried."""
        ids = await self._claim()
        self._prototypes.clear()
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
                "issue__merged_into", "update", "complaint"
            )
        }
        queue: asyncio.Queue[Delivery] = asyncio.Queue()
        for delivery in deliveries:
            queue.put_nowait(delivery)

        async def drain_with(sender: Sender) -> None:
            while not queue.empty():
                delivery = queue.get_nowait()
                notification = notifications[delivery.notification_id]  # type: ignore[attr-defined]
                await self._send_one(sender, delivery, notification)

        await asyncio.gather(*(drain_with(sender) for sender in senders))
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
        message_id, message = self._outgoing(delivery, notification)
        delivery.attempts += 1
        try:
            await sender.send(message)
        except PermanentFailure as exc:
            delivery.state = DeliveryState.FAILED
            delivery.last_error = str(exc)[:2000]
            if exc.bad_address:
                # Stop following for an address that does not exist, so it is not mailed again.
                await Subscription.filter(
                    email=delivery.recipient, unsubscribed_at__isnull=True
                ).update(unsubscribed_at=datetime.now(UTC))
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
            delivery.message_id = message_id
            delivery.last_error = ""
        # Recorded right after the server's answer: a crash can repeat only this one message.
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

    def _senders(self) -> list[Sender]:
        # A Maildir has no round trips to overlap, so one writer is enough there.
        count = self.settings.delivery_connections if self.settings.smtp_url else 1
        return [Sender(self.settings) for _ in range(count)]

    async def drain(self) -> int:
        """Send everything that is due now; used by tests and one-shot runs."""
        total = 0
        senders = self._senders()
        try:
            while sent := await self.deliver_due(senders):
                total += sent
        finally:
            for sender in senders:
                await sender.close()
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until told to stop, waking on new mail or every poll interval."""
        event = asyncio.Event()
        _listeners.add(event)
        senders = self._senders()
        try:
            while not stop.is_set():
                # Cleared before looking, so a wake() during the batch is not lost.
                event.clear()
                try:
                    sent = await self.deliver_due(senders)
                except Exception:
                    log.exception("delivery batch failed, will retry")
                    sent = 0
                if sent:
                    continue
                waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())]
                await asyncio.wait(
                    waiters,
                    timeout=self.settings.worker_poll_seconds,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                for waiter in waiters:
                    waiter.cancel()
        finally:
            _listeners.discard(event)
            for sender in senders:
                await sender.close()
