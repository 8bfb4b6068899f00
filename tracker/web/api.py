"""The JSON API under /api/v1: public intake and issues, staff triage with a bearer token."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tracker import auth, intake, issues, merge, search, subscriptions
from tracker.cache import private_write
from tracker.errors import InvalidInput, Unauthorized
from tracker.models import Channel, Complaint, ComplaintState, Issue, Staff, Update
from tracker.settings import Settings
from tracker.validate import Form
from tracker.web.openapi import SCHEMAS, SPEC

Endpoint = Callable[[Request], Awaitable[Response]]


def _check_flags(data: dict[str, Any], schema: dict[str, Any]) -> None:
    """Refuse yes/no fields that are not JSON booleans: forms send "1", JSON must say true."""
    problems = {
        name: f"{name} must be true or false."
        for name, field in schema["properties"].items()
        if "boolean" in field.get("type", ())
        and data.get(name) is not None
        and not isinstance(data[name], bool)
    }
    if problems:
        raise InvalidInput("Please fix: " + " ".join(problems.values()), problems)


async def json_body(request: Request, schema: str | None = None) -> dict[str, Any]:
    """Return the request's JSON object, or a clear 4xx about what is wrong with it."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise InvalidInput("Send the body as JSON with 'Content-Type: application/json'.")
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"The body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.")
    if schema:
        _check_flags(data, SCHEMAS[schema])
    return data


async def bearer_staff(request: Request) -> Staff:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("This endpoint needs a staff token: 'Authorization: Bearer <token>'.")
    return await auth.staff_for_token(token)


def issue_url(settings: Settings, issue: Issue) -> str:
    return f"{settings.base_url}/issues/{issue.id}-{issue.slug}"


def issue_json(settings: Settings, issue: Issue) -> dict[str, Any]:
    category = issue.category
    return {
        "number": issue.id,
        "slug": issue.slug,
        "title": issue.title,
        "summary": issue.summary,
        "status": issue.status.value,
        "closed": issue.closed,
        "root_cause": issue.root_cause,
        "fix": issue.fix,
        "wont_fix_reason": issue.wont_fix_reason,
        "category": category.slug if category else None,
        "reporters": issue.reporters,
        "merged_into": issue.merged_into_id,  # type: ignore[attr-defined]
        "url": issue_url(settings, issue),
        "created_at": issue.created_at.isoformat(),
        "updated_at": issue.updated_at.isoformat(),
        "closed_at": issue.closed_at.isoformat() if issue.closed_at else None,
    }


def update_json(update: Update) -> dict[str, Any]:
    return {
        "id": update.id,
        "body": update.body,
        "internal": update.internal,
        "status_from": update.status_from.value if update.status_from else None,
        "status_to": update.status_to.value if update.status_to else None,
        "root_cause": update.root_cause,
        "fix": update.fix,
        "created_at": update.created_at.isoformat(),
    }


def complaint_json(complaint: Complaint) -> dict[str, Any]:
    """Staff-only view of a complaint, contact details included."""
    return {
        "id": complaint.id,
        "title": complaint.title,
        "body": complaint.body,
        "email": complaint.email,
        "public_name": complaint.public_name,
        "credit_consent": complaint.credit_consent,
        "channel": complaint.channel.value,
        "state": complaint.state.value,
        "category": complaint.category.slug if complaint.category else None,
        "issue": complaint.issue.id if complaint.issue else None,
        "created_at": complaint.created_at.isoformat(),
    }


@private_write
async def create_complaint(request: Request) -> Response:
    complaint = await intake.file_complaint(await json_body(request, "NewComplaint"), Channel.API)
    settings: Settings = request.app.state.settings
    return JSONResponse(
        {
            "id": complaint.id,
            "state": complaint.state.value,
            "tracking_url": f"{settings.base_url}/track/{complaint.tracking_token}",
        },
        status_code=201,
    )


def query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    """Read a whole-number query parameter, or say exactly what is wrong with it."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10 and low <= int(raw) <= high):
        raise InvalidInput(
            f"{name} must be a whole number from {low} to {high}.", {name: "Not allowed."}
        )
    return int(raw)


def query_choice(request: Request, name: str, choices: tuple[str, ...]) -> str:
    raw = request.query_params.get(name)
    if raw is None:
        return ""
    if raw not in choices:
        raise InvalidInput(f"{name} must be one of: {', '.join(choices)}.", {name: "Not allowed."})
    return raw


async def list_issues(request: Request) -> Response:
    page = await issues.list_issues(
        request.query_params.get("q", "")[:200],
        query_int(request, "page", 1, 1, 1_000_000),
        request.query_params.get("category", "")[:60],
        query_choice(request, "state", ("open", "closed", "all")),
    )
    settings = request.app.state.settings
    return JSONResponse(
        {
            "items": [issue_json(settings, i) for i in page.items],
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
        }
    )


async def get_issue(request: Request) -> Response:
    issue = await issues.get_issue(request.path_params["number"])
    body = issue_json(request.app.state.settings, issue)
    body["catalyst"] = await issues.catalyst(issue) or None
    body["updates"] = [update_json(u) for u in await issues.timeline(issue)]
    return JSONResponse(body)


@private_write
async def subscribe(request: Request) -> Response:
    issue = await issues.get_issue(request.path_params["number"])
    await subscriptions.request(await json_body(request, "NewSubscription"), issue=issue)
    return JSONResponse(
        {
            "status": "confirmation_sent",
            "message": "We emailed a link to confirm the subscription.",
        },
        status_code=202,
    )


async def similar(request: Request) -> Response:
    q = request.query_params.get("q", "").strip()
    if not q:
        raise InvalidInput("Give the text to compare as ?q=…", {"q": "q is required."})
    if len(q) > 2000:
        raise InvalidInput("q must be at most 2000 characters.", {"q": "Too long."})
    settings = request.app.state.settings
    found = await search.similar(q, limit=query_int(request, "limit", 5, 1, 20))
    return JSONResponse({"items": [issue_json(settings, i) for i in found]})


async def list_complaints(request: Request) -> Response:
    await bearer_staff(request)
    state = request.query_params.get("state", ComplaintState.NEW.value)
    if state not in ComplaintState._value2member_map_:
        raise InvalidInput(f"state must be one of: {', '.join(s.value for s in ComplaintState)}.")
    complaints = await issues.inbox(ComplaintState(state))
    return JSONResponse({"items": [complaint_json(c) for c in complaints]})


async def create_issue(request: Request) -> Response:
    staff = await bearer_staff(request)
    data = await json_body(request, "NewIssue")
    form = Form(data)
    complaint_id = form.integer("complaint_id", label="complaint_id")
    form.check()
    assert complaint_id is not None
    issue = await issues.publish(complaint_id, data, staff)
    issue = await issues.get_issue(issue.id)
    return JSONResponse(
        issue_json(request.app.state.settings, issue),
        status_code=201,
        headers={"Location": f"/api/v1/issues/{issue.id}"},
    )


async def link_complaint(request: Request) -> Response:
    staff = await bearer_staff(request)
    form = Form(await json_body(request))
    number = form.integer("issue", label="issue")
    form.check()
    assert number is not None
    issue = await issues.link(request.path_params["id"], number, staff)
    issue = await issues.get_issue(issue.id)
    return JSONResponse(issue_json(request.app.state.settings, issue))


async def unlink_complaint(request: Request) -> Response:
    staff = await bearer_staff(request)
    complaint = await issues.unlink(request.path_params["id"], staff)
    return JSONResponse(complaint_json(await issues.get_complaint(complaint.id)))


async def post_update(request: Request) -> Response:
    staff = await bearer_staff(request)
    update = await issues.post_update(
        request.path_params["number"], await json_body(request, "NewUpdate"), staff
    )
    return JSONResponse(update_json(update), status_code=201)


async def merge_issue(request: Request) -> Response:
    staff = await bearer_staff(request)
    target = await merge.merge(request.path_params["number"], await json_body(request), staff)
    return JSONResponse(issue_json(request.app.state.settings, await issues.get_issue(target.id)))


async def unmerge_issue(request: Request) -> Response:
    staff = await bearer_staff(request)
    source = await merge.unmerge(request.path_params["number"], staff)
    return JSONResponse(issue_json(request.app.state.settings, await issues.get_issue(source.id)))


async def openapi(request: Request) -> Response:
    return JSONResponse(SPEC)


def _by_method(path: str, **endpoints: Endpoint) -> Route:
    """One route per address, so a 405 lists every method the address accepts in Allow."""

    async def dispatch(request: Request) -> Response:
        # Starlette answers HEAD wherever GET is allowed, with GET's handler.
        return await endpoints["GET" if request.method == "HEAD" else request.method](request)

    return Route(path, dispatch, methods=list(endpoints))


routes = [
    Route("/api/v1/openapi.json", openapi, methods=["GET"]),
    _by_method("/api/v1/complaints", GET=list_complaints, POST=create_complaint),
    Route("/api/v1/complaints/{id:int}/link", link_complaint, methods=["POST"]),
    Route("/api/v1/complaints/{id:int}/unlink", unlink_complaint, methods=["POST"]),
    _by_method("/api/v1/issues", GET=list_issues, POST=create_issue),
    Route("/api/v1/issues/similar", similar, methods=["GET"]),
    Route("/api/v1/issues/{number:int}", get_issue, methods=["GET"]),
    Route("/api/v1/issues/{number:int}/updates", post_update, methods=["POST"]),
    Route("/api/v1/issues/{number:int}/subscriptions", subscribe, methods=["POST"]),
    Route("/api/v1/issues/{number:int}/merge", merge_issue, methods=["POST"]),
    Route("/api/v1/issues/{number:int}/unmerge", unmerge_issue, methods=["POST"]),
]
