"""The audit log: every staff action, who did it and when, for admins to read."""

from __future__ import annotations

from tracker.models import AuditEntry, Staff

PER_PAGE = 50


async def record(staff: Staff | None, action: str, target: str = "", detail: str = "") -> None:
    """Write one entry; call inside the action's transaction so both happen or neither."""
    await AuditEntry.create(
        staff=staff,
        actor=staff.email if staff else "system",
        action=action,
        target=target[:100],
        detail=detail[:2000],
    )


async def entries(page: int = 1, actor: str = "") -> tuple[list[AuditEntry], int]:
    """Return one page of entries, newest first, and how many there are in all."""
    query = AuditEntry.all()
    if actor:
        query = query.filter(actor=actor)
    total = await query.count()
    items = await query.order_by("-at", "-id").offset((max(page, 1) - 1) * PER_PAGE).limit(PER_PAGE)
    return list(items), total
