"""Triage order: people affected times severity, never fame; age against published targets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from tracker import audit, search
from tracker.errors import NotFound
from tracker.models import (
    Complaint,
    ComplaintState,
    Issue,
    ResponseTarget,
    Severity,
    Staff,
    Stage,
)
from tracker.validate import Form

STAGE_LABELS = {
    Stage.ACKNOWLEDGE: "Acknowledge a complaint",
    Stage.ROOT_CAUSE: "Find the root cause",
    Stage.FIX: "Fix it",
}


@dataclass(frozen=True)
class Waiting:
    """A complaint in the inbox with what decides its place in the queue."""

    complaint: Complaint
    similar: list[Issue]
    affected: int
    priority: int
    age: timedelta
    overdue: bool


async def targets() -> dict[Stage, int]:
    """The published response targets, in hours, by stage."""
    return {t.stage: t.hours for t in await ResponseTarget.all()}


async def set_targets(data: Mapping[str, Any], staff: Staff) -> dict[Stage, int]:
    """Publish new response targets; an empty field withdraws that target."""
    form = Form(data)
    chosen = {
        stage: form.integer(stage.value, label=STAGE_LABELS[stage], required=False)
        for stage in Stage
    }
    for stage, hours in chosen.items():
        if hours is not None and not 1 <= hours <= 8760:
            form.errors[stage.value] = f"{STAGE_LABELS[stage]}: between 1 and 8760 hours."
    form.check()
    async with in_transaction():
        for stage, hours in chosen.items():
            if hours is None:
                await ResponseTarget.filter(stage=stage).delete()
            else:
                await ResponseTarget.update_or_create(stage=stage, defaults={"hours": hours})
        summary = ", ".join(f"{s.value} {h} h" for s, h in chosen.items() if h) or "none"
        await audit.record(staff, "set response targets", "", summary)
    return await targets()


async def queue(limit: int = 200) -> list[Waiting]:
    """Waiting complaints, highest priority first, then longest waiting."""
    now = datetime.now(UTC)
    acknowledge = (await targets()).get(Stage.ACKNOWLEDGE)
    waiting = []
    complaints = (
        await Complaint.filter(state=ComplaintState.NEW)
        .order_by("created_at", "id")
        .limit(limit)
        .select_related("category")
    )
    for complaint in complaints:
        similar = await search.similar(f"{complaint.title} {complaint.body}", limit=2)
        known = next((i for i in similar if not i.closed), None)
        # The people already on the open issue this most looks like are affected too.
        affected = 1 + (known.reporters if known else 0)
        age = now - complaint.created_at
        waiting.append(
            Waiting(
                complaint=complaint,
                similar=similar,
                affected=affected,
                priority=affected * complaint.severity.weight,
                age=age,
                overdue=acknowledge is not None and age > timedelta(hours=acknowledge),
            )
        )
    return sorted(waiting, key=lambda w: (-w.priority, w.complaint.created_at))


async def set_severity(complaint_id: int, severity: str, staff: Staff) -> Complaint:
    form = Form({"severity": severity})
    value = form.choice("severity", label="Severity", options=[s.value for s in Severity])
    form.check()
    complaint = (
        await Complaint.filter(id=complaint_id).first() if 0 < complaint_id < 2**31 else None
    )
    if complaint is None:
        raise NotFound(f"There is no complaint {complaint_id}.")
    async with in_transaction():
        complaint.severity = Severity(value)
        await complaint.save(update_fields=["severity"])
        await audit.record(staff, "set severity", f"complaint {complaint.id}", value)
    return complaint
