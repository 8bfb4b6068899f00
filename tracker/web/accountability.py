"""The public accountability page, and the changelog of what was fixed with its feeds."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tracker import accountability, triage
from tracker.cache import cached
from tracker.web.common import render


@cached
async def page(request: Request) -> Response:
    return render(
        request,
        "public/accountability.html",
        {
            "report": await accountability.report(),
            "targets": await triage.targets(),
            "labels": triage.STAGE_LABELS,
        },
    )


@cached
async def changelog(request: Request) -> Response:
    return render(
        request, "public/changelog.html", {"fixes": await accountability.fixed_recently()}
    )


routes = [
    Route("/accountability", page, methods=["GET"], name="accountability"),
    Route("/changelog", changelog, methods=["GET"], name="changelog"),
]
