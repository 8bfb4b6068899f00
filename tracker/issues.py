"""Public issues: publishing, linking complaints, the timeline of updates and closing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from tracker import audit, outbox, subscriptions, webhooks
from tracker.errors import Conflict, InvalidInput, NotFound
from tracker.lineage import family, recount
from tracker.models import (
    Category,
    Complaint,
    ComplaintState,
    Delivery,
    Issue,
    Scope,
    Staff,
    Status,
    Subscription,
    Update,
)
from tracker.text import make_slug
from tracker.validate import Form

PER_PAGE = 20
MAX_TEXT = 20_000
SETTABLE_STATUSES = [s for s in Status if s != Status.MERGED]


@dataclass(frozen=True)
class Page:
    items: list[Issue]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


async def list_issues(
    q: str = "", page: int = 1, category: str = "", state: str = "", per_page: int = PER_PAGE
) -> Page:
    """Return one page of public issues, open ones first, newest activity first."""
    query = Issue.exclude(status=Status.MERGED)
    for word in q.split()[:8]:
        query = query.filter(Q(title__icontains=word) | Q(summary__icontains=word))
    if category:
        query = query.filter(category__slug=category)
    if state in ("open", "closed"):
        query = query.filter(closed=state == "closed")
    total = await query.count()
    page = min(max(1, page), max(1, -(-total // per_page)))
    items = (
        await query.order_by("closed", "-updated_at", "-id")
        .offset((page - 1) * per_page)
        .limit(per_page)
        .select_related("category")
    )
    return Page(items=list(items), total=total, page=page, per_page=per_page)


async def get_issue(number: int) -> Issue:
    issue = (
        await Issue.filter(id=number).select_related("category", "owner").first()
        if 0 < number < 2**31
        else None
    )
    if issue is None:
        raise NotFound(f"There is no issue #{number}.")
    return issue


async def timeline(issue: Issue, *, internal: bool = False) -> list[Update]:
    """Return the issue's updates in order; internal notes only when asked for (staff)."""
    query = Update.filter(issue_id__in=await family(issue.id))
    if not internal:
        query = query.filter(internal=False)
    return list(await query.order_by("created_at", "id").select_related("author"))


async def reach(issue: Issue) -> dict[int, dict[str, int]]:
    """Count each update's emails by delivery state, for staff to see who was reached."""
    rows = (
        await Delivery.filter(
            notification__issue_id=issue.id, notification__update_id__isnull=False
        )
        .annotate(n=Count("id"))
        .group_by("notification__update_id", "state")
        .values_list("notification__update_id", "state", "n")
    )
    counts: dict[int, dict[str, int]] = {}
    for update_id, state, n in rows:
        counts.setdefault(int(update_id), {})[str(state)] = int(n)
    return counts


async def catalyst(issue: Issue) -> str:
    """Return the public name of the first reporter, if they agreed to be credited."""
    first = (
        await Complaint.filter(issue_id__in=await family(issue.id))
        .order_by("created_at", "id")
        .first()
    )
    if first and first.credit_consent and first.public_name:
        return first.public_name
    return ""


async def reporters(issue: Issue) -> list[Complaint]:
    """Return the complaints linked to an issue, first reporter first (staff only)."""
    return list(
        await Complaint.filter(issue_id__in=await family(issue.id)).order_by("created_at", "id")
    )


async def inbox(state: ComplaintState = ComplaintState.NEW, limit: int = 200) -> list[Complaint]:
    """Return complaints awaiting triage, oldest first so nobody waits longest."""
    return list(
        await Complaint.filter(state=state)
        .order_by("created_at", "id")
        .limit(limit)
        .select_related("category", "issue")
    )


async def get_complaint(complaint_id: int) -> Complaint:
    complaint = (
        await Complaint.filter(id=complaint_id).select_related("category", "issue").first()
        if 0 < complaint_id < 2**31
        else None
    )
    if complaint is None:
        raise NotFound(f"There is no complaint {complaint_id}.")
    return complaint


async def _category(form: Form, slug: str) -> Category | None:
    if not slug:
        return None
    category = await Category.filter(slug=slug).first()
    if category is None:
        form.errors["category"] = f"Category '{slug}' does not exist."
    return category


async def _attach(complaint: Complaint, issue: Issue) -> None:
    """Link a complaint to an issue and tell its author where to follow it."""
    complaint.issue = issue
    complaint.state = ComplaintState.LINKED
    complaint.linked_at = datetime.now(UTC)
    await complaint.save(update_fields=["issue_id", "state", "linked_at"])
    await recount(issue)
    if not complaint.email:
        return  # taken from an outside feed: there is nobody to write to
    follow = await subscriptions.follow_own_issue(complaint, issue)
    await outbox.enqueue(
        "complaint_linked",
        [outbox.Recipient(complaint.email, complaint.id, follow.id)],
        issue=issue,
        complaint=complaint,
    )


def _check_unlinked(complaint: Complaint) -> None:
    if complaint.state == ComplaintState.LINKED and complaint.issue is not None:
        raise Conflict(
            f"Complaint {complaint.id} is already linked to issue #{complaint.issue.id}."
        )


async def publish(complaint_id: int, data: Mapping[str, Any], staff: Staff) -> Issue:
    """Open a new public issue from a complaint, with public text that staff wrote."""
    complaint = await get_complaint(complaint_id)
    _check_unlinked(complaint)
    form = Form(data)
    title = form.text("title", label="Public title", max_length=200)
    summary = form.text("summary", label="Public summary", max_length=MAX_TEXT, multiline=True)
    category = await _category(
        form, form.text("category", label="Category", max_length=60, required=False)
    )
    form.public_text({"title": title, "summary": summary})
    form.check()
    async with in_transaction():
        issue = await Issue.create(
            slug=make_slug(title),
            title=title,
            summary=summary,
            category=category or complaint.category,
            owner=staff,
        )
        await _attach(complaint, issue)
        await webhooks.enqueue(await outbox.enqueue("issue_published", [], issue=issue))
        await audit.record(
            staff, "published issue", f"issue #{issue.id}", f"from complaint {complaint.id}"
        )
    outbox.wake()
    return issue


async def named_issue(number: int, field: str) -> Issue:
    """The issue a form names by number: its absence is a mistake in the form, so 422, not 404."""
    issue = await Issue.get_or_none(id=number) if 0 < number < 2**31 else None
    if issue is None:
        raise InvalidInput(f"There is no issue #{number}.", {field: "Check the issue number."})
    return issue


async def link(complaint_id: int, number: int, staff: Staff) -> Issue:
    """Add a complaint to an existing issue's reporters."""
    complaint = await get_complaint(complaint_id)
    _check_unlinked(complaint)
    issue = await named_issue(number, "issue")
    if issue.status == Status.MERGED:
        raise Conflict(f"Issue #{number} was merged into another issue; link to that one instead.")
    async with in_transaction():
        await _attach(complaint, issue)
        await audit.record(
            staff, "linked complaint", f"issue #{issue.id}", f"complaint {complaint.id}"
        )
    outbox.wake()
    return issue


async def unlink(complaint_id: int, staff: Staff) -> Complaint:
    """Take a complaint off its issue and back to the inbox, e.g. after linking by mistake."""
    complaint = await get_complaint(complaint_id)
    issue = complaint.issue
    if issue is None:
        raise Conflict(f"Complaint {complaint.id} is not linked to an issue.")
    async with in_transaction():
        complaint.issue, complaint.state, complaint.linked_at = None, ComplaintState.NEW, None
        await complaint.save(update_fields=["issue_id", "state", "linked_at"])
        await recount(issue)
        if (
            complaint.email
            and not await Complaint.filter(
                issue_id__in=await family(issue.id), email=complaint.email
            ).exists()
        ):
            # They followed only because of this complaint: stop, as they never asked otherwise.
            await Subscription.filter(
                email=complaint.email, issue_id=issue.id, scope=Scope.ISSUE, affected=True
            ).delete()
        await audit.record(
            staff, "unlinked complaint", f"issue #{issue.id}", f"complaint {complaint.id}"
        )
    return complaint


async def dismiss(complaint_id: int, staff: Staff) -> Complaint:
    """Take a complaint out of the inbox without publishing it (spam, test, not actionable)."""
    complaint = await get_complaint(complaint_id)
    _check_unlinked(complaint)
    complaint.state = ComplaintState.DISMISSED
    async with in_transaction():
        await complaint.save(update_fields=["state"])
        await audit.record(staff, "dismissed complaint", f"complaint {complaint.id}")
    return complaint


async def edit(number: int, data: Mapping[str, Any], staff: Staff) -> Issue:
    """Change an issue's public title, summary, category or owner."""
    issue = await get_issue(number)
    form = Form(data)
    title = form.text("title", label="Public title", max_length=200)
    summary = form.text("summary", label="Public summary", max_length=MAX_TEXT, multiline=True)
    category = await _category(
        form, form.text("category", label="Category", max_length=60, required=False)
    )
    owner_id = form.integer("owner", label="Owner", required=False)
    owner = await Staff.filter(id=owner_id, active=True).first() if owner_id else None
    if owner_id and owner is None:
        form.errors["owner"] = "That staff member does not exist."
    form.public_text({"title": title, "summary": summary})
    form.check()
    issue.title, issue.summary, issue.category, issue.owner = title, summary, category, owner
    issue.slug = make_slug(title)
    async with in_transaction():
        await issue.save()
        await audit.record(staff, "edited issue", f"issue #{issue.id}", f"title: {title}")
    return issue


def _read_update(form: Form, issue: Issue) -> dict[str, Any]:
    body = form.text("body", label="Update", max_length=MAX_TEXT, required=False, multiline=True)
    raw_status = form.choice(
        "status", label="Status", options=[s.value for s in SETTABLE_STATUSES], required=False
    )
    fields = {
        "body": body,
        "internal": form.flag("internal"),
        "status": Status(raw_status) if raw_status else issue.status,
        "root_cause": form.text(
            "root_cause", label="Root cause", max_length=MAX_TEXT, required=False, multiline=True
        ),
        "fix": form.text("fix", label="Fix", max_length=MAX_TEXT, required=False, multiline=True),
        "wont_fix_reason": form.text(
            "wont_fix_reason", label="Reason", max_length=MAX_TEXT, required=False, multiline=True
        ),
    }
    # Forms show the current values, so only a different value counts as a change.
    for name in ("root_cause", "fix", "wont_fix_reason"):
        if fields[name] == getattr(issue, name):
            fields[name] = ""
    return fields


def _check_update(form: Form, issue: Issue, f: dict[str, Any]) -> None:
    status: Status = f["status"]
    changes_public = status != issue.status or f["root_cause"] or f["fix"] or f["wont_fix_reason"]
    if f["internal"] and changes_public:
        form.errors["internal"] = (
            "Internal notes cannot change the status, root cause or fix: untick 'internal note'."
        )
    if not f["body"] and not changes_public:
        form.errors["body"] = "Write an update, or change the status, root cause or fix."
    if status == Status.FIXED and not (f["fix"] or issue.fix):
        form.errors["fix"] = "Describe the fix before marking the issue fixed."
    if status == Status.WONT_FIX and not (f["wont_fix_reason"] or issue.wont_fix_reason):
        form.errors["wont_fix_reason"] = "Give the reason before closing as won't fix."


async def post_update(number: int, data: Mapping[str, Any], staff: Staff | None) -> Update:
    """Post to an issue's timeline, changing its status, root cause or fix, and notify people."""
    issue = await get_issue(number)
    if issue.status == Status.MERGED:
        raise Conflict(f"Issue #{number} was merged; post on the issue it was merged into.")
    form = Form(data)
    f = _read_update(form, issue)
    _check_update(form, issue, f)
    if not f["internal"]:
        form.public_text(
            {name: f[name] for name in ("body", "root_cause", "fix", "wont_fix_reason") if f[name]}
        )
    form.check()
    old_status, new_status = issue.status, f["status"]
    now = datetime.now(UTC)
    async with in_transaction():
        update = await Update.create(
            issue=issue,
            author=staff,
            body=f["body"],
            internal=f["internal"],
            status_from=old_status if new_status != old_status else None,
            status_to=new_status if new_status != old_status else None,
            root_cause=f["root_cause"],
            fix=f["fix"],
        )
        await audit.record(
            staff,
            "wrote internal note" if f["internal"] else "posted update",
            f"issue #{issue.id}",
            f"status {old_status.value} -> {new_status.value}" if new_status != old_status else "",
        )
        if f["internal"]:
            return update
        for name in ("root_cause", "fix", "wont_fix_reason"):
            if f[name]:
                setattr(issue, name, f[name])
        closing = new_status.is_closed and not issue.closed
        issue.status, issue.closed, issue.updated_at = new_status, new_status.is_closed, now
        if closing:
            issue.closed_at = now
        elif not new_status.is_closed:
            issue.closed_at = None
        await issue.save()
        notification = await outbox.enqueue(
            "issue_closed" if closing else "issue_updated",
            await subscriptions.recipients(issue, closing=closing),
            issue=issue,
            update=update,
        )
        await webhooks.enqueue(notification)
    outbox.wake()
    return update


def parse_number(ref: str) -> tuple[int, str]:
    """Split '12-some-slug' into (12, 'some-slug'); raise NotFound for anything else."""
    head, _, slug = ref.partition("-")
    if not (head.isascii() and head.isdigit()) or len(head) > 9:
        raise NotFound(f"'{ref}' is not an issue address.")
    return int(head), slug
