"""Taking in complaints from the form, the API, feeds and staff."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from tracker import outbox
from tracker.errors import InvalidInput, NotFound
from tracker.lineage import recount
from tracker.models import (
    Category,
    Channel,
    Complaint,
    Delivery,
    Issue,
    Scope,
    Severity,
    Subscription,
)
from tracker.validate import Form

MAX_TITLE = 200
MAX_BODY = 20_000


def new_tracking_token() -> str:
    """Return an unguessable token for a complainant's private page (192 bits)."""
    return secrets.token_urlsafe(24)


async def categories() -> list[Category]:
    return await Category.all().order_by("name")


async def file_complaint(
    data: Mapping[str, Any], channel: Channel, acknowledge: bool = True
) -> Complaint:
    """Validate and store a complaint, and queue its acknowledgement email."""
    form = Form(data)
    title = form.text("title", label="Title", max_length=MAX_TITLE)
    body = form.text("body", label="What happened", max_length=MAX_BODY, multiline=True)
    email = form.email("email")
    public_name = form.text("public_name", label="Public name", max_length=80, required=False)
    credit = form.flag("credit_consent")
    severity = form.choice(
        "severity", label="How bad it is", options=[s.value for s in Severity], required=False
    )
    slug = form.text("category", label="Category", max_length=60, required=False)
    category = await Category.filter(slug=slug).first() if slug else None
    if slug and category is None:
        names = ", ".join([c.slug for c in await categories()]) or "none yet"
        form.errors["category"] = f"Category '{slug}' does not exist (choose one of: {names})."
    if credit and not public_name:
        form.errors["public_name"] = "Give the name to credit you by, or untick 'credit me'."
    form.check()
    async with in_transaction():
        complaint = await Complaint.create(
            tracking_token=new_tracking_token(),
            title=title,
            body=body,
            email=email,
            public_name=public_name,
            credit_consent=credit,
            category=category,
            channel=channel,
            severity=Severity(severity or Severity.MINOR),
        )
        if acknowledge:
            await outbox.enqueue(
                "complaint_received", [outbox.Recipient(email, complaint.id)], complaint=complaint
            )
    outbox.wake()
    return complaint


@dataclass
class Imported:
    added: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, what is wrong)


async def import_complaints(
    rows: Iterable[tuple[int, Mapping[str, str]]],
    acknowledge: bool,
    progress: Callable[[], None] = lambda: None,
) -> Imported:
    """File complaints carried over from another tool, one by one, reporting each bad row."""
    result = Imported()
    for line, row in rows:
        try:
            await file_complaint(row, Channel.STAFF, acknowledge=acknowledge)
            result.added += 1
        except InvalidInput as exc:
            problems = "; ".join(f"{k}: {v}" for k, v in exc.fields.items()) or exc.message
            result.errors.append((line, problems))
        progress()
    return result


async def tracked(token: str) -> Complaint:
    """Return the complaint behind a private tracking link."""
    complaint = (
        await Complaint.filter(tracking_token=token).select_related("issue", "category").first()
        if 20 <= len(token) <= 64
        else None
    )
    if complaint is None:
        raise NotFound("No complaint has this tracking link. Check the link in your email.")
    return complaint


async def export(token: str) -> dict[str, Any]:
    """Everything stored about one complaint, for its author to download."""
    complaint = await tracked(token)
    issue = complaint.issue
    following = await Subscription.filter(
        email=complaint.email, issue_id=issue.id if issue else None, scope=Scope.ISSUE
    ).first()
    mails = await Delivery.filter(complaint=complaint).order_by("id").select_related("notification")
    return {
        "complaint": {
            "title": complaint.title,
            "what_happened": complaint.body,
            "email": complaint.email,
            "public_name": complaint.public_name,
            "credit_me": complaint.credit_consent,
            "channel": complaint.channel.value,
            "source_url": complaint.source_url,
            "category": complaint.category.name if complaint.category else None,
            "state": complaint.state.value,
            "filed_at": complaint.created_at.isoformat(),
            "public_issue": issue.id if issue else None,
        },
        "following": {
            "mode": following.mode.value,
            "active": following.active,
        }
        if following
        else None,
        "emails": [
            {
                "about": d.notification.kind,
                "to": d.recipient,
                "state": d.state.value,
                "sent_at": d.sent_at.isoformat() if d.sent_at else None,
            }
            for d in mails
        ],
    }


async def forget(token: str, data: Mapping[str, Any]) -> Issue | None:
    """Delete one complaint and its author's following of the issue; the public issue stays."""
    form = Form(data)
    if not form.flag("confirm"):
        form.errors["confirm"] = "Tick the box to confirm: deleting cannot be undone."
    form.check()
    complaint = await tracked(token)
    issue = complaint.issue
    async with in_transaction():
        if issue is not None and complaint.email:
            others = (
                await Complaint.filter(issue=issue, email=complaint.email)
                .exclude(id=complaint.id)
                .exists()
            )
            if not others:
                await Subscription.filter(
                    email=complaint.email, issue_id=issue.id, scope=Scope.ISSUE
                ).delete()
        await complaint.delete()  # its deliveries and notifications go with it
        if issue is not None:
            await recount(issue)
    return issue
