"""Measured response times against published targets, and the list of what was fixed."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tracker.models import Complaint, Issue, Stage, Status, Update

# A stage is reached by the first public update that moves the issue to one of these.
REACHED_BY = {
    Stage.ACKNOWLEDGE: {
        Status.ACKNOWLEDGED,
        Status.INVESTIGATING,
        Status.ROOT_CAUSE_FOUND,
        Status.FIXING,
        Status.FIXED,
        Status.WONT_FIX,
    },
    Stage.ROOT_CAUSE: {Status.ROOT_CAUSE_FOUND, Status.FIXING, Status.FIXED},
    Stage.FIX: {Status.FIXED},
}
MONTHS = 12


@dataclass(frozen=True)
class Stat:
    """How many issues reached a stage, and the median and 90th percentile hours it took."""

    count: int
    median: float | None
    p90: float | None


def _percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value at or above that share of the list."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def stat(hours: list[float]) -> Stat:
    return Stat(len(hours), _percentile(hours, 0.5), _percentile(hours, 0.9))


@dataclass(frozen=True)
class Timing:
    category: str
    stage: Stage
    hours: float
    reached_at: datetime


async def timings() -> list[Timing]:
    """How long each issue took to reach each stage, counted from its first complaint."""
    issues = await Issue.exclude(status=Status.MERGED).select_related("category")
    first_report: dict[int, datetime] = {}
    rows: list[Any] = await Complaint.filter(issue_id__not_isnull=True).values_list(
        "issue_id", "created_at"
    )
    for issue_id, created in rows:
        if issue_id not in first_report or created < first_report[issue_id]:
            first_report[issue_id] = created
    moves: dict[int, list[tuple[datetime, Status]]] = defaultdict(list)
    updates: list[Any] = await Update.filter(
        internal=False, status_to__not_isnull=True
    ).values_list("issue_id", "created_at", "status_to")
    for issue_id, created, status in updates:
        moves[int(issue_id)].append((created, Status(status)))
    result = []
    for issue in issues:
        start = min(first_report.get(issue.id, issue.created_at), issue.created_at)
        name = issue.category.name if issue.category else "Uncategorised"
        for stage, statuses in REACHED_BY.items():
            reached = min((at for at, s in moves.get(issue.id, []) if s in statuses), default=None)
            if reached is not None:
                hours = max(0.0, (reached - start).total_seconds() / 3600)
                result.append(Timing(name, stage, hours, reached))
    return result


def _months(now: datetime) -> list[str]:
    months: list[str] = []
    year, month = now.year, now.month
    for _ in range(MONTHS):
        months.insert(0, f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


async def report(now: datetime | None = None) -> dict[str, Any]:
    """Overall, per-category and month-by-month medians and 90th percentiles per stage."""
    now = now or datetime.now(UTC)
    found = await timings()
    categories = sorted({t.category for t in found})
    months = _months(now)
    return {
        "overall": {s: stat([t.hours for t in found if t.stage == s]) for s in Stage},
        "by_category": {
            name: {
                s: stat([t.hours for t in found if t.stage == s and t.category == name])
                for s in Stage
            }
            for name in categories
        },
        "monthly": {
            s: [
                (m, stat([t.hours for t in found if t.stage == s and f"{t.reached_at:%Y-%m}" == m]))
                for m in months
            ]
            for s in Stage
        },
    }


async def fixed_recently(days: int = 90, limit: int = 100) -> list[Update]:
    """The updates that closed issues as fixed, newest first."""
    since = datetime.now(UTC) - timedelta(days=days)
    return list(
        await Update.filter(status_to=Status.FIXED, internal=False, created_at__gte=since)
        .exclude(issue__status=Status.MERGED)
        .order_by("-created_at", "-id")
        .limit(limit)
        .select_related("issue")
    )
