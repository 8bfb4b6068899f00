"""Taking in complaints from the form, the API, feeds and staff."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from tortoise.transactions import in_transaction

from tracker import outbox
from tracker.errors import NotFound
from tracker.models import Category, Channel, Complaint
from tracker.validate import Form

MAX_TITLE = 200
MAX_BODY = 20_000


def new_tracking_token() -> str:
    """Return an unguessable token for a complainant's private page (192 bits)."""
    return secrets.token_urlsafe(24)


async def categories() -> list[Category]:
    return await Category.all().order_by("name")


async def file_complaint(data: Mapping[str, Any], channel: Channel) -> Complaint:
    """Validate and store a complaint, and queue its acknowledgement email."""
    form = Form(data)
    title = form.text("title", label="Title", max_length=MAX_TITLE)
    body = form.text("body", label="What happened", max_length=MAX_BODY, multiline=True)
    email = form.email("email")
    public_name = form.text("public_name", label="Public name", max_length=80, required=False)
    credit = form.flag("credit_consent")
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
        )
        await outbox.enqueue(
            "complaint_received", [outbox.Recipient(email, complaint.id)], complaint=complaint
        )
    outbox.wake()
    return complaint


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
