"""Following by email: double opt-in, me too, modes, one-click unsubscribe, send-time checks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette

from tests.conftest import Mailbox, deliver, submit, text_of
from tracker import issues, subscriptions
from tracker.models import Category, Delivery, DeliveryState, Issue, Staff, Subscription


@pytest.fixture
async def issue(app: Starlette) -> Issue:
    stores = await Category.create(slug="stores", name="Stores")
    return await Issue.create(
        slug="phone", title="Phone never answered", summary="Rings out.", category=stores
    )


async def follow(client: httpx.AsyncClient, issue: Issue, **data: str) -> httpx.Response:
    page = f"/issues/{issue.id}-{issue.slug}"
    return await submit(client, page, f"{page}/follow", {"email": "fan@example.com", **data})


async def confirm_link(app: Starlette, mailbox: Mailbox, address: str) -> str:
    await deliver(app)
    mail = mailbox.to(address)[-1]
    assert mail["Subject"].startswith("Confirm: follow")
    assert "List-Unsubscribe" not in mail  # not subscribed yet
    match = re.search(r"http://127\.0\.0\.1:8000(/subscriptions/confirm/\S+)", text_of(mail))
    assert match
    return match.group(1)


async def post_update(issue: Issue, staff: Staff, **data: str) -> None:
    await issues.post_update(issue.id, data, staff)


async def test_double_opt_in_then_every_update_with_one_click_unsubscribe(
    app: Starlette, client: httpx.AsyncClient, mailbox: Mailbox, issue: Issue, staff_member: Staff
) -> None:
    response = await follow(client, issue)
    assert response.status_code == 303
    await post_update(issue, staff_member, body="Before confirming.", status="acknowledged")
    link = await confirm_link(app, mailbox, "fan@example.com")
    assert len(mailbox.to("fan@example.com")) == 1  # only the confirmation, nothing before it

    shown = await client.get(link)
    assert shown.status_code == 200 and "Confirm you want to follow" in shown.text
    assert not (await Subscription.get(email="fan@example.com")).active  # GET confirms nothing
    confirmed = await submit(client, link, link, {})
    assert confirmed.status_code == 200 and "You are following" in confirmed.text
    assert (await client.get(link)).status_code == 404  # single use

    await post_update(issue, staff_member, body="We found it.", status="investigating")
    await deliver(app)
    update = mailbox.to("fan@example.com")[-1]
    assert "We found it." in text_of(update)
    unsubscribe = str(update["List-Unsubscribe"]).strip().strip("<>")
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert update["List-Id"].endswith(f"<issue-{issue.id}.127.0.0.1>")
    assert unsubscribe in text_of(update) and unsubscribe in text_of(update, "html")

    path = unsubscribe.removeprefix("http://127.0.0.1:8000")
    assert (await client.get(path)).status_code == 200
    assert (await Subscription.get(email="fan@example.com")).active  # GET never unsubscribes
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://x"
    ) as mail_client:
        one_click = await mail_client.post(
            path,
            content=b"List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    assert one_click.status_code == 200
    assert not (await Subscription.get(email="fan@example.com")).active

    await post_update(issue, staff_member, body="After unsubscribing.", status="fixing")
    await deliver(app)
    assert "After unsubscribing." not in text_of(mailbox.to("fan@example.com")[-1])


async def test_close_only_mode_hears_only_the_close(
    app: Starlette, client: httpx.AsyncClient, mailbox: Mailbox, issue: Issue, staff_member: Staff
) -> None:
    await follow(client, issue, mode="close")
    await submit(client, link := await confirm_link(app, mailbox, "fan@example.com"), link, {})
    await post_update(issue, staff_member, body="Working on it.", status="investigating")
    await post_update(issue, staff_member, status="fixed", fix="New phones.")
    await deliver(app)
    subjects = [text_of(m) for m in mailbox.to("fan@example.com")[1:]]
    assert len(subjects) == 1 and "New phones." in subjects[0]


async def test_me_too_counts_only_after_confirmation(
    app: Starlette, client: httpx.AsyncClient, mailbox: Mailbox, issue: Issue
) -> None:
    await follow(client, issue, affected="1")
    await issue.refresh_from_db()
    assert issue.reporters == 0
    link = await confirm_link(app, mailbox, "fan@example.com")
    assert "adds you to the people who reported it" in text_of(mailbox.to("fan@example.com")[-1])
    await submit(client, link, link, {})
    await issue.refresh_from_db()
    assert issue.reporters == 1
    page = await client.get(f"/issues/{issue.id}-{issue.slug}")
    assert "1 person reported this" in page.text and "fan@example.com" not in page.text


async def test_unsubscribe_after_enqueue_sends_nothing(
    app: Starlette, client: httpx.AsyncClient, mailbox: Mailbox, issue: Issue, staff_member: Staff
) -> None:
    await follow(client, issue)
    await submit(client, link := await confirm_link(app, mailbox, "fan@example.com"), link, {})
    await post_update(issue, staff_member, body="Queued.", status="investigating")
    sub = await Subscription.get(email="fan@example.com")
    await Subscription.filter(id=sub.id).update(
        unsubscribed_at=datetime.now(UTC)
    )  # e.g. another process
    await deliver(app)
    assert len(mailbox.to("fan@example.com")) == 1
    assert (
        await Delivery.filter(subscription=sub).order_by("-id").first()
    ).state == DeliveryState.CANCELLED  # type: ignore[union-attr]


async def test_category_and_global_followers_get_one_mail_each(
    app: Starlette, client: httpx.AsyncClient, mailbox: Mailbox, issue: Issue, staff_member: Staff
) -> None:
    for data in ({"category": "stores"}, {}):
        await submit(client, "/follow", "/follow", {"email": "fan@example.com", **data})
        await Subscription.all().update(confirm_sent_at=datetime.now(UTC) - timedelta(hours=1))
    await submit(client, "/follow", "/follow", {"email": "all@example.com"})
    for sub in await Subscription.all():
        await submit(
            client,
            f"/subscriptions/confirm/{sub.confirm_token}",
            f"/subscriptions/confirm/{sub.confirm_token}",
            {},
        )
    await deliver(app)
    before = len(mailbox.messages)
    await post_update(issue, staff_member, body="Hello followers.", status="acknowledged")
    await deliver(app)
    got = sorted(m["To"] for m in mailbox.messages[before:])
    assert got == ["all@example.com", "fan@example.com"]
    # fan follows the category and everything: one address, counted once, as it is mailed once.
    assert await subscriptions.audience(issue) == (2, 2)


async def test_confirmation_is_not_resent_within_ten_minutes(
    app: Starlette, client: httpx.AsyncClient, mailbox: Mailbox, issue: Issue
) -> None:
    for _ in range(3):
        assert (await follow(client, issue)).status_code == 303
    await deliver(app)
    assert len(mailbox.to("fan@example.com")) == 1


async def test_expired_and_unknown_links(
    app: Starlette, client: httpx.AsyncClient, mailbox: Mailbox, issue: Issue
) -> None:
    await follow(client, issue)
    link = await confirm_link(app, mailbox, "fan@example.com")
    await Subscription.all().update(confirm_sent_at=datetime.now(UTC) - timedelta(hours=49))
    expired = await client.get(link)
    assert expired.status_code == 422 and "expired" in expired.text
    assert (await client.get("/subscriptions/confirm/nope")).status_code == 404
    assert (await client.post("/unsubscribe/nope")).status_code == 404


async def test_follow_errors(app: Starlette, client: httpx.AsyncClient, issue: Issue) -> None:
    bad = await follow(client, issue, email="not-an-email")
    assert bad.status_code == 422 and "not a valid address" in bad.text
    api = await client.post(
        f"/api/v1/issues/{issue.id}/subscriptions",
        json={"email": "x@example.com", "mode": "weekly"},
    )
    assert api.status_code == 422 and "How often must be one of" in api.json()["error"]
    ok = await client.post(
        f"/api/v1/issues/{issue.id}/subscriptions", json={"email": "x@example.com"}
    )
    assert ok.status_code == 202
    assert (
        await client.post("/api/v1/issues/999/subscriptions", json={"email": "x@example.com"})
    ).status_code == 404
    assert await Subscription.all().count() == 1


@pytest.mark.parametrize(
    ("reply", "suppressed"),
    [
        ("550 5.1.1 No such user", True),
        ("553 5.1.3 Bad address syntax", True),
        ("552 5.2.2 Mailbox full", False),  # the address exists: keep following
        ("554 5.7.1 Message rejected", False),
    ],
)
async def test_refusals_of_the_address_stop_future_mail(
    app: Starlette,
    client: httpx.AsyncClient,
    mailbox: Mailbox,
    issue: Issue,
    staff_member: Staff,
    reply: str,
    suppressed: bool,
) -> None:
    await follow(client, issue)
    await submit(client, link := await confirm_link(app, mailbox, "fan@example.com"), link, {})
    mailbox.refuse["fan@example.com"] = reply
    await post_update(issue, staff_member, body="First.", status="investigating")
    await deliver(app)
    assert (await Subscription.get(email="fan@example.com")).active is not suppressed
    await post_update(issue, staff_member, body="Second.", status="fixing")
    # The confirmation and the first update, then the second only if still following.
    assert await Delivery.filter(recipient="fan@example.com").count() == (2 if suppressed else 3)
