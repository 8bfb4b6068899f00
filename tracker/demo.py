"""Realistic sample data so a fresh `make serve` shows a living product."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from tracker import auth, cache
from tracker.errors import Conflict
from tracker.intake import new_tracking_token
from tracker.models import (
    Category,
    Channel,
    Complaint,
    ComplaintState,
    Issue,
    Role,
    Staff,
    Status,
    Update,
)
from tracker.settings import Settings
from tracker.text import make_slug

CATEGORIES = [
    ("Stores", "Our shops and the people who answer their phones."),
    ("Delivery", "Orders on their way to you."),
    ("Billing", "Invoices, refunds and payments."),
    ("Website and app", "Online shop, accounts and the mobile app."),
]

# (category, title, summary, final status, root cause, fix, reporters, days ago, timeline)
ISSUES: list[tuple[str, str, str, Status, str, str, int, int, list[tuple[Status, str]]]] = [
    (
        "Stores",
        "Springfield store never answers its phone",
        "Customers calling the Springfield store to check stock hear the phone ring out. "
        "Several tried four or more times in one afternoon.",
        Status.FIXED,
        "Calls to the store were routed to a handset on the sales floor that was set to silent "
        "during a refit in March, and nobody owned checking it.",
        "Store calls now ring a hunt group of three handsets and roll over to the central "
        "team after 6 rings. Every store manager checks the routing weekly; it is on their list.",
        14,
        21,
        [
            (
                Status.ACKNOWLEDGED,
                "Thank you all. We can reproduce this: we called the store 10 times today "
                "and got no answer.",
            ),
            (
                Status.INVESTIGATING,
                "Our telephony team is tracing where calls to the store actually ring.",
            ),
            (
                Status.ROOT_CAUSE_FOUND,
                "Found it: the calls ring one silenced handset. See the root cause above.",
            ),
            (
                Status.FIXING,
                "New routing is being rolled out to all 48 stores, not just Springfield.",
            ),
            (
                Status.FIXED,
                "Rolled out everywhere and tested with 200 calls: all answered within 6 rings.",
            ),
        ],
    ),
    (
        "Delivery",
        "Delivery slots shown as available but cancelled the evening before",
        "Orders booked into evening slots are cancelled by text the night before delivery.",
        Status.FIXING,
        "The slot planner counted vans from a depot that closed in September.",
        "",
        37,
        9,
        [
            (
                Status.ACKNOWLEDGED,
                "We are sorry: 37 of you had a delivery cancelled at the last minute.",
            ),
            (
                Status.ROOT_CAUSE_FOUND,
                "The planner still counted vans from the closed Eastfield depot.",
            ),
            (
                Status.FIXING,
                "Depot data is corrected; we are now checking every slot booked for next week.",
            ),
        ],
    ),
    (
        "Billing",
        "Refunds for returned items take over 30 days",
        "Items returned in store are refunded to the card a month or more later.",
        Status.INVESTIGATING,
        "",
        "",
        9,
        4,
        [
            (
                Status.ACKNOWLEDGED,
                "Refunds should take 5 working days. We are finding out where they stall.",
            ),
            (
                Status.INVESTIGATING,
                "The batch that sends refunds to the bank runs weekly, not daily. Checking why.",
            ),
        ],
    ),
    (
        "Website and app",
        "App logs you out every time it is opened",
        "Since version 5.2 the app asks for the password at every start.",
        Status.ACKNOWLEDGED,
        "",
        "",
        23,
        2,
        [(Status.ACKNOWLEDGED, "Confirmed on Android 14 and iOS 18. Our app team is on it.")],
    ),
    (
        "Website and app",
        "Order confirmation emails arrive in another language",
        "Some customers receive order confirmations in German although their account "
        "is in English.",
        Status.WONT_FIX,
        "",
        "",
        2,
        30,
        [
            (Status.INVESTIGATING, "Looking into the language setting of these accounts."),
            (
                Status.WONT_FIX,
                "These accounts were opened on our German site; see the reason above.",
            ),
        ],
    ),
    (
        "Stores",
        "Self-checkout rejects contactless cards over 50",
        "Contactless payments above 50 fail at self-checkout and must be retried with the PIN.",
        Status.NEW,
        "",
        "",
        1,
        0,
        [],
    ),
]

NAMES = ["Maria Lopez", "Sam Okafor", "Priya N.", "", "Tom Becker", "Ana", "Lee Chen", ""]


async def fill(settings: Settings, progress: Callable[[], None] = lambda: None) -> None:
    """Add categories, a demo admin and six issues at every stage of the loop."""
    if await Issue.exists():
        raise Conflict("The database already has issues; demo only fills an empty database.")
    password = secrets.token_urlsafe(12)
    email = "demo-admin@example.org"
    admin = await Staff.filter(email=email).first()
    created = admin is None
    if admin is None:
        admin = await auth.add_staff(email, password, Role.ADMIN.value, "Demo admin")
    now = datetime.now(UTC)
    async with in_transaction():
        categories = {}
        for name, description in CATEGORIES:
            categories[name], _ = await Category.get_or_create(
                slug=make_slug(name), defaults={"name": name, "description": description}
            )
        for category, title, summary, status, cause, fix, count, days, steps in ISSUES:
            opened = now - timedelta(days=days, hours=3)
            issue = await Issue.create(
                slug=make_slug(title),
                title=title,
                summary=summary,
                category=categories[category],
                owner=admin,
                status=status,
                root_cause=cause,
                fix=fix,
                reporters=count,
                closed=status.is_closed,
                wont_fix_reason=(
                    "The affected accounts were created on our German site; customers can change "
                    "the language under Account > Preferences."
                    if status == Status.WONT_FIX
                    else ""
                ),
            )
            for n in range(count):
                name = NAMES[n % len(NAMES)]
                complaint = await Complaint.create(
                    tracking_token=new_tracking_token(),
                    title=title,
                    body=summary,
                    email=f"customer{issue.id}-{n}@example.org",
                    public_name=name,
                    credit_consent=bool(name) and n == 0,
                    channel=list(Channel)[n % 3],
                    state=ComplaintState.LINKED,
                    category=categories[category],
                    issue=issue,
                )
                await Complaint.filter(id=complaint.id).update(
                    created_at=opened - timedelta(hours=count - n), linked_at=opened
                )
                progress()
            previous = Status.NEW
            for i, (step, text) in enumerate(steps):
                at = opened + timedelta(days=days * (i + 1) / (len(steps) + 1))
                update = await Update.create(
                    issue=issue, author=admin, body=text, status_from=previous, status_to=step
                )
                await Update.filter(id=update.id).update(created_at=at)
                previous = step
            closed_at = now - timedelta(days=days / 10) if status.is_closed else None
            await Issue.filter(id=issue.id).update(
                created_at=opened,
                updated_at=closed_at or now - timedelta(hours=days),
                closed_at=closed_at,
            )
        await Complaint.create(
            tracking_token=new_tracking_token(),
            title="Parking machine at the Eastfield store keeps my card",
            body="The machine swallowed my card on Saturday. Staff could not open it.",
            email="waiting@example.org",
            channel=Channel.WEB,
            category=categories["Stores"],
        )
    await cache.tell_every_process()  # a server already running shows the new issues
    print(f"Demo data added: {len(ISSUES)} issues, 1 complaint waiting in the inbox.")
    if created:
        print(f"Staff login: {email} / {password} (http://127.0.0.1:8000/staff/login)")
