"""The accountability page measures time to each stage from the first complaint, against targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
import httpx
from starlette.applications import Starlette

from tracker import accountability
from tracker.models import Category, Complaint, Issue, ResponseTarget, Stage, Status, Update


async def issue_with_history(
    title: str, hours: dict[Status, float], category: Category | None
) -> Issue:
    start = datetime.now(UTC) - timedelta(days=10)
    issue = await Issue.create(
        slug=title.lower(), title=title, category=category, root_cause="Cause.", fix="Fix."
    )
    complaint = await Complaint.create(
        tracking_token=f"{title:x<32}", title=title, body="b", email="a@example.com", issue=issue
    )
    await Complaint.filter(id=complaint.id).update(created_at=start)
    for status, after in hours.items():
        update = await Update.create(
            issue=issue, status_to=status, fix="Fix." if status == Status.FIXED else ""
        )
        await Update.filter(id=update.id).update(created_at=start + timedelta(hours=after))
    await Issue.filter(id=issue.id).update(created_at=start + timedelta(hours=1))
    return issue


async def test_medians_and_percentiles_per_stage_and_category(app: Starlette) -> None:
    stores = await Category.create(slug="stores", name="Stores")
    await issue_with_history(
        "Alpha", {Status.ACKNOWLEDGED: 2, Status.ROOT_CAUSE_FOUND: 30, Status.FIXED: 50}, stores
    )
    await issue_with_history("Beta", {Status.INVESTIGATING: 10, Status.FIXED: 100}, stores)
    await issue_with_history("Gamma", {Status.ACKNOWLEDGED: 40}, None)
    report = await accountability.report()
    ack = report["overall"][Stage.ACKNOWLEDGE]
    assert (ack.count, ack.median, ack.p90) == (3, 10, 40)
    fix = report["overall"][Stage.FIX]
    assert (fix.count, fix.median, fix.p90) == (2, 50, 100)
    assert report["overall"][Stage.ROOT_CAUSE].count == 2  # fixed implies the cause was found
    assert report["by_category"]["Stores"][Stage.ACKNOWLEDGE].count == 2
    assert report["by_category"]["Uncategorised"][Stage.ACKNOWLEDGE].median == 40


async def test_page_charts_and_targets(app: Starlette, client: httpx.AsyncClient) -> None:
    await ResponseTarget.create(stage=Stage.ACKNOWLEDGE, hours=24)
    await issue_with_history("Alpha", {Status.ACKNOWLEDGED: 2, Status.FIXED: 50}, None)
    await issue_with_history("Gamma", {Status.ACKNOWLEDGED: 40}, None)
    page = await client.get("/accountability")
    assert page.status_code == 200
    assert page.text.count("<svg") == 3 and 'stroke-dasharray="6 4"' in page.text  # target line
    assert "24 h" in page.text and "over target" in page.text  # 90% took 40 h
    assert "not published" in page.text  # no fix target


async def test_changelog_and_its_feed(app: Starlette, client: httpx.AsyncClient) -> None:
    await issue_with_history("Alpha", {Status.ACKNOWLEDGED: 2, Status.FIXED: 50}, None)
    await issue_with_history("Gamma", {Status.ACKNOWLEDGED: 40}, None)
    page = await client.get("/changelog")
    assert "#1 Alpha" in page.text and "Gamma" not in page.text
    feed = feedparser.parse((await client.get("/changelog/feed.atom")).content)
    assert feed.bozo == 0 and [e.title for e in feed.entries] == ["#1 Alpha: Fixed"]
