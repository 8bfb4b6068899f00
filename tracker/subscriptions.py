"""Following issues by email without an account: double opt-in, me too, unsubscribe."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from tracker import outbox
from tracker.errors import InvalidInput, NotFound
from tracker.lineage import family, recount
from tracker.models import (
    Category,
    Channel,
    Complaint,
    ComplaintState,
    Delivery,
    DeliveryState,
    Issue,
    Mode,
    Scope,
    Subscription,
)
from tracker.validate import Form

CONFIRM_FOR = timedelta(hours=48)
# A second request within this time sends no second email, so a form cannot be used to flood.
RESEND_AFTER = timedelta(minutes=10)


def _key(email: str, scope: Scope, target: int | None) -> str:
    return f"{email.lower()}|{scope.value}|{target or ''}"


def _token() -> str:
    return secrets.token_urlsafe(24)


async def request(
    data: dict[str, object] | dict[str, str],
    *,
    issue: Issue | None = None,
    category: Category | None = None,
) -> Subscription:
    """Ask to follow something; only a confirmation email is sent until the link is used."""
    form = Form(data)
    email = form.email("email")
    mode = (
        form.choice("mode", label="How often", options=[m.value for m in Mode], required=False)
        or Mode.EVERY.value
    )
    affected = form.flag("affected")
    if affected and issue is None:
        form.errors["affected"] = "'Me too' only applies to one issue."
    form.check()
    scope = Scope.ISSUE if issue else Scope.CATEGORY if category else Scope.ALL
    target = issue.id if issue else category.id if category else None
    now = datetime.now(UTC)
    async with in_transaction():
        sub, _ = await Subscription.get_or_create(
            key=_key(email, scope, target),
            defaults={
                "email": email,
                "scope": scope,
                "issue": issue,
                "category": category,
                "token": _token(),
            },
        )
        sub.mode = Mode(mode)
        sub.affected = sub.affected or affected
        fields = ["mode", "affected"]
        recently = sub.confirm_sent_at is not None and now - sub.confirm_sent_at < RESEND_AFTER
        if not sub.active and not recently:
            sub.confirm_token, sub.confirm_sent_at = _token(), now
            fields += ["confirm_token", "confirm_sent_at"]
            await outbox.enqueue(
                "subscription_confirm",
                [outbox.Recipient(email, subscription_id=sub.id)],
                issue=issue,
            )
        await sub.save(update_fields=fields)
    outbox.wake()
    return sub


async def pending(token: str) -> Subscription:
    """Return the subscription a confirmation link is for."""
    sub = await Subscription.filter(confirm_token=token).select_related("issue", "category").first()
    if sub is None or sub.confirm_sent_at is None:
        raise NotFound("This confirmation link was already used or never existed.")
    if datetime.now(UTC) - sub.confirm_sent_at > CONFIRM_FOR:
        raise InvalidInput("This confirmation link has expired. Subscribe again for a new one.")
    return sub


async def confirm(token: str) -> Subscription:
    """Activate a subscription once; a 'me too' also counts the person as affected."""
    sub = await pending(token)
    async with in_transaction():
        sub.confirmed_at, sub.unsubscribed_at, sub.confirm_token = datetime.now(UTC), None, None
        await sub.save(update_fields=["confirmed_at", "unsubscribed_at", "confirm_token"])
        issue = sub.issue
        if sub.affected and issue is not None:
            already = await Complaint.filter(issue=issue, email=sub.email).exists()
            if not already:
                await Complaint.create(
                    tracking_token=_token(),
                    title=issue.title,
                    body="Me too.",
                    email=sub.email,
                    channel=Channel.WEB,
                    state=ComplaintState.LINKED,
                    issue=issue,
                    linked_at=datetime.now(UTC),
                )
                await recount(issue)
    return sub


async def by_token(token: str) -> Subscription:
    sub = await Subscription.filter(token=token).select_related("issue", "category").first()
    if sub is None:
        raise NotFound("This unsubscribe link is not valid. Use the link in your latest email.")
    return sub


async def unsubscribe(token: str) -> Subscription:
    """Stop a subscription now, including mail already queued for it."""
    sub = await by_token(token)
    async with in_transaction():
        if sub.unsubscribed_at is None:
            sub.unsubscribed_at = datetime.now(UTC)
            await sub.save(update_fields=["unsubscribed_at"])
        await Delivery.filter(subscription=sub, state=DeliveryState.PENDING).update(
            state=DeliveryState.CANCELLED, last_error="unsubscribed"
        )
    return sub


async def follow_own_issue(complaint: Complaint, issue: Issue) -> Subscription:
    """Subscribe a complainant to the issue their complaint joined, with no opt-in round trip."""
    sub, created = await Subscription.get_or_create(
        key=_key(complaint.email, Scope.ISSUE, issue.id),
        defaults={
            "email": complaint.email,
            "scope": Scope.ISSUE,
            "issue": issue,
            "token": _token(),
            "affected": True,
            "confirmed_at": datetime.now(UTC),
        },
    )
    if not created and sub.confirmed_at is None:
        # They proved the address by filing; an earlier unsubscribe is respected.
        sub.confirmed_at = datetime.now(UTC)
        await sub.save(update_fields=["confirmed_at"])
    return sub


def _following(issue: Issue, members: list[int]) -> QuerySet[Subscription]:
    """Active subscriptions to the issue's family, its category, or everything."""
    where = Q(scope=Scope.ISSUE, issue_id__in=members) | Q(scope=Scope.ALL)
    if issue.category_id is not None:  # type: ignore[attr-defined]
        where |= Q(scope=Scope.CATEGORY, category_id=issue.category_id)  # type: ignore[attr-defined]
    return Subscription.filter(where, confirmed_at__isnull=False, unsubscribed_at__isnull=True)


async def audience(issue: Issue) -> tuple[int, int]:
    """How many addresses an update and a close would email, counted as enqueue dedupes them."""
    rows: list[Any] = await _following(issue, await family(issue.id)).values_list("email", "mode")
    every = {str(email).lower() for email, mode in rows if mode == Mode.EVERY}
    return len(every), len({str(email).lower() for email, _ in rows})


async def recipients(issue: Issue, *, closing: bool) -> list[outbox.Recipient]:
    """Everyone to tell about a change to this issue: its, its category's and global followers."""
    members = await family(issue.id)
    query = _following(issue, members)
    if not closing:
        query = query.filter(mode=Mode.EVERY)
    # Issue followers first, so a complainant's mail carries their own unsubscribe link.
    rows = await query.order_by("id").values_list("email", "id", "scope")
    rows.sort(key=lambda row: row[2] != Scope.ISSUE)
    complaint_ids = dict(
        await Complaint.filter(issue_id__in=members).order_by("-id").values_list("email", "id")
    )
    return [
        outbox.Recipient(str(email), complaint_ids.get(email), int(sid)) for email, sid, _ in rows
    ]
