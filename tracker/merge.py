"""Merging issues that share a root cause, and splitting them apart again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from tracker import audit, outbox, subscriptions
from tracker.errors import Conflict, InvalidInput
from tracker.issues import get_issue, named_issue
from tracker.lineage import recount
from tracker.models import Issue, Staff, Status, Update
from tracker.validate import Form


async def merge(number: int, data: Mapping[str, Any], staff: Staff | None) -> Issue:
    """Merge issue `number` into the one named by data["into"] and return the survivor."""
    form = Form(data)
    into = form.integer("into", label="Issue to merge into")
    form.check()
    assert into is not None
    source = await get_issue(number)
    return await merge_into(source, await named_issue(into, "into"), staff)


async def merge_into(source: Issue, target: Issue, staff: Staff | None) -> Issue:
    """Merge source into target; source's people follow target, told once by email."""
    if source.id == target.id:
        raise InvalidInput(
            "An issue cannot be merged into itself.", {"into": "Choose another issue."}
        )
    if source.status == Status.MERGED:
        raise Conflict(f"Issue #{source.id} is already merged.")
    if target.status == Status.MERGED:
        raise Conflict(f"Issue #{target.id} is itself merged; merge into the issue it went to.")
    now = datetime.now(UTC)
    async with in_transaction():
        told = await subscriptions.recipients(source, closing=True)
        source.status_before_merge, source.status = source.status, Status.MERGED
        source.closed, source.closed_at, source.merged_into = True, now, target
        source.updated_at = now
        await source.save()
        note = await Update.create(
            issue=source,
            author=staff,
            status_from=source.status_before_merge,
            status_to=Status.MERGED,
            body=f"Merged into [#{target.id} {target.title}](/issues/{target.id}-{target.slug}), "
            "which has the same root cause. Follow it there.",
        )
        await Update.create(
            issue=target,
            author=staff,
            body=f"#{source.id} {source.title} was merged into this issue: its reporters "
            "and followers follow this one now.",
        )
        target.updated_at = now
        await target.save(update_fields=["updated_at"])
        await recount(target)
        await outbox.enqueue("issue_merged", told, issue=source, update=note)
        await audit.record(staff, "merged issue", f"issue #{source.id}", f"into #{target.id}")
    outbox.wake()
    return target


async def unmerge(number: int, staff: Staff | None) -> Issue:
    """Split a merged issue out again with everything it had."""
    source = await get_issue(number)
    if source.status != Status.MERGED or source.merged_into_id is None:  # type: ignore[attr-defined]
        raise Conflict(f"Issue #{source.id} is not merged.")
    target = await Issue.get(id=source.merged_into_id)  # type: ignore[attr-defined]
    restored = source.status_before_merge or Status.INVESTIGATING
    async with in_transaction():
        source.status, source.merged_into = restored, None
        source.status_before_merge = None  # type: ignore[assignment]
        source.closed = restored.is_closed
        source.closed_at = source.closed_at if restored.is_closed else None
        await source.save()
        await Update.create(
            issue=source,
            author=staff,
            status_from=Status.MERGED,
            status_to=restored,
            body=f"Split out of #{target.id} again: it has a root cause of its own.",
        )
        await Update.create(
            issue=target, author=staff, body=f"#{source.id} {source.title} was split out again."
        )
        await recount(target)
        await recount(source)
        await audit.record(staff, "unmerged issue", f"issue #{source.id}", f"from #{target.id}")
    return source
