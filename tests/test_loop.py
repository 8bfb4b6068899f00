"""The whole loop through the staff pages: complaint, publish, updates, close, emails."""

from __future__ import annotations

import re

import httpx
from starlette.applications import Starlette

from tests.conftest import COMPLAINT, Mailbox, deliver, submit, text_of
from tracker.models import Complaint, Issue, Status


async def file(client: httpx.AsyncClient, **change: str) -> Complaint:
    response = await submit(client, "/complain", "/complain", {**COMPLAINT, **change})
    assert response.status_code == 303
    return (
        await Complaint.filter(email=change.get("email", COMPLAINT["email"]))
        .order_by("-id")
        .first()
    )  # type: ignore[return-value]


async def test_complaint_to_closed_issue_emails_the_complainant_each_step(
    app: Starlette, staff_client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    client = staff_client
    complaint = await file(client)
    other = await file(client, email="sam@example.com", public_name="", credit_consent="")

    inbox = await client.get("/staff")
    assert COMPLAINT["title"] in inbox.text and "pat@example.com" not in inbox.text

    page = f"/staff/complaints/{complaint.id}"
    assert "pat@example.com" in (await client.get(page)).text  # staff see contact details
    published = await submit(
        client,
        page,
        f"{page}/publish",
        {"title": "Springfield store phone is never answered", "summary": "Calls *ring out*."},
    )
    assert published.status_code == 303
    issue = await Issue.get(title="Springfield store phone is never answered")
    assert published.headers["location"] == f"/staff/issues/{issue.id}"

    linked = await submit(
        client,
        f"/staff/complaints/{other.id}",
        f"/staff/complaints/{other.id}/link",
        {"issue": str(issue.id)},
    )
    assert linked.status_code == 303
    await issue.refresh_from_db()
    assert issue.reporters == 2

    manage = f"/staff/issues/{issue.id}"
    for data in (
        {"status": "investigating", "body": "We are calling the store ourselves."},
        {"status": "root_cause_found", "root_cause": "Calls ring a silenced handset."},
        {"body": "Checking the other stores too.", "internal": "1", "status": "root_cause_found"},
        {"status": "fixed", "fix": "Calls now ring three handsets.", "body": "Done."},
    ):
        response = await submit(client, manage, f"{manage}/updates", data)
        assert response.status_code == 303, response.text

    await issue.refresh_from_db()
    assert issue.status == Status.FIXED and issue.closed and issue.closed_at is not None

    public = await client.get(f"/issues/{issue.id}-{issue.slug}")
    assert public.status_code == 200
    text = public.text
    assert "2 people reported this" in text
    assert "first reported by <strong>Pat</strong>" in text
    assert "<em>ring out</em>" in text
    assert "Calls now ring three handsets." in text and "Calls ring a silenced handset." in text
    assert "Checking the other stores too." not in text  # internal note
    for private in (
        "pat@example.com",
        "sam@example.com",
        "four times on Monday",
        complaint.tracking_token,
    ):
        assert private not in text

    await deliver(app)
    pat = [m["Subject"] for m in mailbox.to("pat@example.com")]
    # received, linked, investigating, root cause, closed: the internal note sent nothing.
    assert len(pat) == 5, pat
    closing = mailbox.to("sam@example.com")[-1]
    assert "Calls now ring three handsets." in text_of(closing)
    assert "is closed: Fixed" in text_of(closing)
    assert closing["Subject"] == f"[Catalyst #{issue.id}] Springfield store phone is never answered"
    # Every mail about the issue threads under one root.
    roots = {m["References"] for m in mailbox.messages if m["Subject"].startswith("[Catalyst")}
    assert roots == {f"<issue-{issue.id}@127.0.0.1>"}
    assert len({m["Message-ID"] for m in mailbox.messages}) == len(mailbox.messages)
    # Complainants follow their own issue, so its mail carries their one-click unsubscribe.
    assert all("List-Unsubscribe" in m for m in mailbox.to("pat@example.com")[1:])

    tracked = await client.get(f"/track/{complaint.tracking_token}")
    assert f"/issues/{issue.id}-{issue.slug}" in tracked.text and "Fixed" in tracked.text


async def test_closing_rules_say_what_is_missing(
    app: Starlette, staff_client: httpx.AsyncClient
) -> None:
    complaint = await file(staff_client)
    page = f"/staff/complaints/{complaint.id}"
    await submit(
        staff_client, page, f"{page}/publish", {"title": "Phone", "summary": "Ringing out."}
    )
    issue = await Issue.get(title="Phone")
    manage = f"/staff/issues/{issue.id}"
    cases = [
        ({"status": "fixed"}, "Describe the fix"),
        ({"status": "wont_fix"}, "Give the reason"),
        ({"status": "new"}, "Write an update"),
        ({"status": "fixing", "internal": "1"}, "Internal notes cannot change"),
        ({"status": "merged", "body": "x"}, "Status must be one of"),
    ]
    for data, phrase in cases:
        response = await submit(staff_client, manage, f"{manage}/updates", data)
        assert response.status_code == 422 and phrase in response.text, (data, response.status_code)
    await issue.refresh_from_db()
    assert issue.status == Status.NEW and not issue.closed

    response = await submit(
        staff_client,
        manage,
        f"{manage}/updates",
        {"status": "wont_fix", "wont_fix_reason": "Not ours."},
    )
    assert response.status_code == 303
    public = await staff_client.get(f"/issues/{issue.id}-{issue.slug}")
    assert "Why we won't fix this" in public.text and "Not ours." in public.text


async def test_linking_twice_is_a_conflict(app: Starlette, staff_client: httpx.AsyncClient) -> None:
    complaint = await file(staff_client)
    page = f"/staff/complaints/{complaint.id}"
    await submit(
        staff_client, page, f"{page}/publish", {"title": "Phone", "summary": "Ringing out."}
    )
    again = await submit(staff_client, page, f"{page}/publish", {"title": "Again", "summary": "x"})
    assert again.status_code == 409 and "already linked" in again.text
    assert await Issue.all().count() == 1


async def test_staff_pages_need_login(app: Starlette, client: httpx.AsyncClient) -> None:
    for path in ("/staff", "/staff/issues", "/staff/complaints/1", "/staff/categories"):
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/staff/login?next=")
    response = await client.post("/staff/complaints/1/dismiss", data={"csrf": "x"})
    assert response.status_code == 303 and "/staff/login" in response.headers["location"]


async def test_wrong_password_is_refused(
    app: Starlette, client: httpx.AsyncClient, staff_member: object
) -> None:
    response = await submit(
        client,
        "/staff/login",
        "/staff/login",
        {"email": "agent@example.com", "password": "wrong password!"},
    )
    assert response.status_code == 401 and "Wrong email or password" in response.text
    assert (await client.get("/staff")).status_code == 303


async def test_only_admins_add_categories(app: Starlette, staff_client: httpx.AsyncClient) -> None:
    response = await submit(
        staff_client, "/staff/categories", "/staff/categories", {"name": "Stores"}
    )
    assert response.status_code == 403


async def test_staff_see_how_many_each_update_reached(
    app: Starlette, staff_client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    mailbox.refuse["sam@example.com"] = "550 no such user"
    first = await file(staff_client)
    second = await file(staff_client, email="sam@example.com", public_name="", credit_consent="")
    page = f"/staff/complaints/{first.id}"
    await submit(staff_client, page, f"{page}/publish", {"title": "Phone", "summary": "Rings out."})
    issue = await Issue.get(title="Phone")
    await submit(
        staff_client,
        f"/staff/complaints/{second.id}",
        f"/staff/complaints/{second.id}/link",
        {"issue": str(issue.id)},
    )
    manage = f"/staff/issues/{issue.id}"
    shown = (await staff_client.get(manage)).text
    assert "A public update emails 2 people; closing emails 2." in shown, re.findall(
        r"A public update[^<]*", shown
    )
    await submit(
        staff_client, manage, f"{manage}/updates", {"status": "investigating", "body": "On it."}
    )
    assert "emails: 0 sent · 2 pending · 0 failed" in (await staff_client.get(manage)).text
    await deliver(app)
    assert "emails: 1 sent · 0 pending · 1 failed" in (await staff_client.get(manage)).text


async def test_unlink_puts_the_complaint_back_and_stops_its_mail(
    app: Starlette, staff_client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    first = await file(staff_client)
    second = await file(staff_client, email="sam@example.com", public_name="", credit_consent="")
    page = f"/staff/complaints/{first.id}"
    await submit(staff_client, page, f"{page}/publish", {"title": "Phone", "summary": "Rings out."})
    issue = await Issue.get(title="Phone")
    other = f"/staff/complaints/{second.id}"
    await submit(staff_client, other, f"{other}/link", {"issue": str(issue.id)})
    response = await submit(staff_client, other, f"{other}/unlink", {})
    assert response.status_code == 303
    await issue.refresh_from_db()
    back = await Complaint.get(id=second.id)
    assert issue.reporters == 1 and back.issue_id is None and back.state.value == "new"  # type: ignore[attr-defined]
    assert "sam@example.com" not in (await staff_client.get("/staff?state=linked")).text
    await deliver(app)
    before = len(mailbox.to("sam@example.com"))
    manage = f"/staff/issues/{issue.id}"
    await submit(
        staff_client, manage, f"{manage}/updates", {"status": "investigating", "body": "On it."}
    )
    await deliver(app)
    assert len(mailbox.to("sam@example.com")) == before
    again = await submit(staff_client, other, f"{other}/unlink", {})
    assert again.status_code == 409 and "not linked" in again.text
