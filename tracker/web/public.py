"""Pages anyone can see: the issue list, the complaint form, issue pages and tracking links."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tracker import intake, issues
from tracker.cache import cached, private_write
from tracker.errors import InvalidInput
from tracker.lineage import survivor
from tracker.models import Channel, Issue
from tracker.web.common import flash, int_param, read_form, render


@cached
async def home(request: Request) -> Response:
    q = request.query_params.get("q", "")[:200]
    category = request.query_params.get("category", "")[:60]
    state = request.query_params.get("state", "")
    page = await issues.list_issues(q, int_param(request, "page", 1), category, state)
    return render(
        request,
        "public/home.html",
        {
            "page": page,
            "q": q,
            "category": category,
            "state": state,
            "categories": await intake.categories(),
        },
    )


async def complain_form(request: Request) -> Response:
    return render(
        request,
        "public/complain.html",
        {"categories": await intake.categories(), "values": {}, "errors": {}},
    )


@private_write
async def complain(request: Request) -> Response:
    data = await read_form(request, anonymous=True)
    try:
        complaint = await intake.file_complaint(data, Channel.WEB)
    except InvalidInput as exc:
        return render(
            request,
            "public/complain.html",
            {"categories": await intake.categories(), "values": data, "errors": exc.fields},
            status_code=422,
        )
    flash(request, f"Thanks. We have emailed {complaint.email} a link to this page.")
    return RedirectResponse(f"/track/{complaint.tracking_token}", status_code=303)


async def issue_context(issue: Issue) -> dict[str, Any]:
    """Everything the public issue page shows, shared with the follow form's error page."""
    return {
        "issue": issue,
        "updates": await issues.timeline(issue),
        "catalyst": await issues.catalyst(issue),
        "follow_errors": {},
        "follow_values": {},
    }


@cached
async def issue_page(request: Request) -> Response:
    number, slug = issues.parse_number(request.path_params["ref"])
    issue = await issues.get_issue(number)
    live = await survivor(issue)
    if live.id != issue.id or slug != issue.slug:
        return RedirectResponse(f"/issues/{live.id}-{live.slug}", status_code=301)
    return render(request, "public/issue.html", await issue_context(issue))


async def _tracking_page(
    request: Request, token: str, errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    complaint = await intake.tracked(token)
    issue = await survivor(complaint.issue) if complaint.issue else None
    context = {"complaint": complaint, "issue": issue, "errors": errors or {}}
    response = render(request, "public/track.html", context, status)
    # The link is a secret: keep it out of caches, search engines and other sites' logs.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


async def track(request: Request) -> Response:
    return await _tracking_page(request, request.path_params["token"])


async def export(request: Request) -> Response:
    data = await intake.export(request.path_params["token"])
    return JSONResponse(
        data,
        headers={
            "Content-Disposition": 'attachment; filename="my-report.json"',
            "Cache-Control": "no-store",
        },
    )


async def forget(request: Request) -> Response:
    token = request.path_params["token"]
    data = await read_form(request)
    try:
        issue = await intake.forget(token, data)
    except InvalidInput as exc:
        return await _tracking_page(request, token, exc.fields, 422)
    return render(request, "public/forgotten.html", {"issue": issue})


routes = [
    Route("/", home, name="home"),
    Route("/complain", complain_form, methods=["GET"], name="complain"),
    Route("/complain", complain, methods=["POST"]),
    Route("/issues/{ref}", issue_page, name="issue"),
    Route("/track/{token}", track, name="track"),
    Route("/track/{token}/export", export, methods=["GET"]),
    Route("/track/{token}/delete", forget, methods=["POST"]),
]
