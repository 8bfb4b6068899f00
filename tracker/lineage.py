"""Which issues were merged into which: the family an issue speaks for, and who survives."""

from __future__ import annotations

from typing import Any

from tracker.models import Complaint, Issue


async def family(issue_id: int) -> list[int]:
    """Return the issue's id and the ids of every issue merged into it, however deep."""
    ids, frontier = [issue_id], [issue_id]
    while frontier:
        rows: list[Any] = await Issue.filter(merged_into_id__in=frontier).values_list(
            "id", flat=True
        )
        children = [int(i) for i in rows]
        frontier = [i for i in children if i not in ids]
        ids += frontier
    return ids


async def survivor(issue: Issue) -> Issue:
    """Follow merges to the issue that lives on."""
    seen = {issue.id}
    while issue.merged_into_id is not None:  # type: ignore[attr-defined]
        parent = await Issue.get(id=issue.merged_into_id)  # type: ignore[attr-defined]
        if parent.id in seen:
            break
        seen.add(parent.id)
        issue = parent
    return issue


async def recount(issue: Issue) -> None:
    """Recount reporters for this issue and every issue it was merged into."""
    current: Issue | None = issue
    while current is not None:
        current.reporters = await Complaint.filter(issue_id__in=await family(current.id)).count()
        await current.save(update_fields=["reporters"])
        parent_id = current.merged_into_id  # type: ignore[attr-defined]
        current = await Issue.get_or_none(id=parent_id) if parent_id else None
