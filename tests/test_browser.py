"""Real journeys in Debian's chromium against `python main.py serve`: customers, staff, a11y, phones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import text_of
from tests.live import CHROMIUM, CHROMIUM_ARGS, Server, link_in

PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def publish(server: Server, title: str, email: str = "first@example.com") -> str:
    """File a complaint and publish it as an issue over the API; return the issue's path."""
    with server.api() as api:
        filed = api.post(
            "/api/v1/complaints",
            json={"title": title, "body": "It happened twice.", "email": email,
                  "public_name": "Jo R.", "credit_consent": True},
        )  # fmt: skip
        filed.raise_for_status()
        created = api.post(
            "/api/v1/issues",
            json={"complaint_id": filed.json()["id"], "title": title, "summary": "We are on it."},
        )
        created.raise_for_status()
        return str(created.json()["url"]).removeprefix(server.url)


def test_customer_files_follows_says_me_too_and_unsubscribes(server: Server, page: Page) -> None:
    # File a complaint: the private tracking page, and its link by mail.
    page.goto(f"{server.url}/complain")
    page.get_by_label("In one line, what went wrong?").fill("Self-checkout freezes on coupons")
    page.get_by_label("What happened?").fill("Scanning a paper coupon froze till 4 twice.")
    page.get_by_label("Your email").fill("kim@example.com")
    page.get_by_label("Name to show publicly (optional)").fill("Kim")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("body")).to_contain_text("Thanks. We have emailed kim@example.com")
    tracking = page.url
    assert "/track/" in tracking
    received = server.mail_to("kim@example.com", "We received your report")
    assert tracking in text_of(received)

    # Follow a published issue: nothing until the emailed link is confirmed with a click.
    issue = publish(server, "Receipts print blank")
    page.goto(server.url + issue)
    page.get_by_label("Your email").fill("fan@example.com")
    page.get_by_role("button", name="Just follow").click()
    expect(page.locator("body")).to_contain_text("Check your inbox")
    confirm = link_in(
        server.mail_to("fan@example.com", "Confirm"), r"http://\S+/subscriptions/confirm/\S+"
    )
    page.goto(confirm)
    page.get_by_role("button", name="Yes, email fan@example.com").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("You are following")

    # Me too: counted as affected once confirmed.
    page.goto(server.url + issue)
    expect(page.locator(".reporters")).to_have_text("1 person reported this")
    page.get_by_label("Your email").fill("metoo@example.com")
    page.get_by_role("button", name="Me too — I'm affected").click()
    confirm = link_in(
        server.mail_to("metoo@example.com", "Confirm"), r"http://\S+/subscriptions/confirm/\S+"
    )
    page.goto(confirm)
    page.get_by_role("button", name="Yes, email metoo@example.com").click()
    page.goto(server.url + issue)
    expect(page.locator(".reporters")).to_have_text("2 people reported this")

    # An update reaches the follower, whose mail carries a one-click unsubscribe link.
    number = issue.split("/")[2].split("-")[0]
    with server.api() as api:
        api.post(f"/api/v1/issues/{number}/updates", json={"status": "investigating",
                 "body": "Printer firmware suspected."}).raise_for_status()  # fmt: skip
    update = server.mail_to("fan@example.com", "Receipts", containing="Printer firmware suspected")
    assert text_of(update).count("Stop these emails") == 1
    page.goto(link_in(update, r"http://\S+/unsubscribe/\S+"))
    page.get_by_role("button", name="Unsubscribe fan@example.com").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribed")

    with server.api() as api:
        api.post(f"/api/v1/issues/{number}/updates", json={"status": "fixed",
                 "fix": "Firmware 2.1 on every printer."}).raise_for_status()  # fmt: skip
    server.mail_to("metoo@example.com", "Receipts", containing="Firmware 2.1")  # others still do
    closing = [m for m in server.mailbox.messages if m["To"] == "fan@example.com"]  # type: ignore[attr-defined]
    assert not any("Firmware 2.1" in text_of(m) for m in closing)


def test_staff_triage_publish_update_and_close(server: Server, page: Page) -> None:
    with server.api() as api:
        api.post("/api/v1/complaints", json={"title": "Loyalty points vanished",
                 "body": "My 1200 points are gone since Tuesday.", "email": "lee@example.com",
                 "public_name": "Lee", "credit_consent": True}).raise_for_status()  # fmt: skip
    page.goto(f"{server.url}/staff")
    expect(page).to_have_url(f"{server.url}/staff/login?next=/staff")
    page.get_by_label("Email").fill("agent@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Loyalty points vanished").click()
    expect(page.locator("body")).to_contain_text("lee@example.com")  # staff see who it was
    page.get_by_label("Public title").fill("Loyalty points disappear after the app update")
    page.get_by_label("Public summary (markdown)").fill(
        "Some balances show **zero** since Tuesday."
    )
    page.get_by_role("button", name="Publish issue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Loyalty points disappear")
    manage = page.url

    for status, field, text in [
        ("investigating", "Update (markdown)", "Reproduced on Android."),
        (
            "root_cause_found",
            "Root cause (markdown)",
            "A migration dropped the points table index.",
        ),
        ("fixed", "The fix (markdown; required to mark fixed)", "Balances restored from backup."),
    ]:
        page.goto(manage)
        page.get_by_label("Status").select_option(status)
        page.get_by_label(field).fill(text)
        page.get_by_role("button", name="Post").click()
        expect(page.locator("body")).to_contain_text(text)

    public = page.get_by_role("link", name="public page").first.get_attribute("href") or ""
    page.goto(server.url + public if public.startswith("/") else public)
    body = page.locator("body")
    expect(body).to_contain_text("A migration dropped the points table index.")
    expect(body).to_contain_text("Balances restored from backup.")
    expect(body).to_contain_text("Lee")
    assert "lee@example.com" not in page.content()
    closed = server.mail_to("lee@example.com", "Loyalty points", containing="Balances restored")
    assert "A migration dropped" in text_of(closed)  # the close mail gives cause and fix


def public_pages(server: Server) -> list[str]:
    issue = publish(server, "Parking barrier stays shut", email="park@example.com")
    with server.api() as api:
        api.post("/api/v1/complaints", json={"title": "Checkout", "body": "Slow.",
                 "email": "slow@example.com"}).raise_for_status()  # fmt: skip
    received = server.mail_to("slow@example.com", "We received your report")
    tracking = link_in(received, r"http://\S+/track/\S+").removeprefix(server.url)
    return [
        "/", "/complain", issue, "/follow", "/accountability", "/changelog", tracking,
        "/staff/login", "/issues/999999", "/?q=parking",
    ]  # fmt: skip


def test_public_pages_have_no_serious_accessibility_violations(server: Server, page: Page) -> None:
    axe = Axe()
    problems = []
    for path in public_pages(server):
        page.goto(server.url + path)
        results = axe.run(page)
        for violation in results.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                nodes = [n["target"] for n in violation["nodes"]][:3]
                problems.append(f"{path}: {violation['id']} ({violation['impact']}) at {nodes}")
    assert problems == []


def test_pages_fit_a_375_pixel_phone(server: Server, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    too_wide = []
    try:
        for path in public_pages(server):
            page.goto(server.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 375:
                too_wide.append((path, width))
    finally:
        context.close()
    assert too_wide == []


def test_similar_issues_appear_while_typing(server: Server, page: Page) -> None:
    publish(server, "Bakery counter closes before posted hours")
    page.goto(f"{server.url}/complain")
    page.get_by_label("In one line, what went wrong?").press_sequentially(
        "bakery counter closed early"
    )
    expect(page.locator("body")).to_contain_text("Bakery counter closes before posted hours")


def test_screenshot_of_an_issue_page_on_a_phone(
    server: Server, browser: Browser, tmp_path: Path
) -> None:
    issue = publish(server, "Trolleys chained at the Northgate entrance")
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(server.url + issue)
    shot = tmp_path / "issue.png"
    page.screenshot(path=str(shot), full_page=True)
    context.close()
    assert shot.stat().st_size > 5_000  # a rendered page, not a blank one
