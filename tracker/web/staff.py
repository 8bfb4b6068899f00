"""Pages for staff: login, the triage inbox, publishing, updates and categories."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tracker import audit, auth, intake, issues, merge, search, subscriptions, triage
from tracker.cache import private_write
from tracker.errors import DomainError, InvalidInput, Unauthorized
from tracker.models import Category, ComplaintState, Staff, Stage
from tracker.text import make_slug
from tracker.validate import Form
from tracker.web.common import flash, int_param, read_form, render, require_staff


def _safe_next(target: str) -> str:
    # Only same-site paths, so the login form cannot be used to bounce people elsewhere.
    return target if target.startswith("/staff") and "//" not in target else "/staff"


async def login_form(request: Request) -> Response:
    return render(
        request, "staff/login.html", {"next": request.query_params.get("next", ""), "error": ""}
    )


@private_write
async def login(request: Request) -> Response:
    data = await read_form(request)
    try:
        staff = await auth.authenticate(data.get("email", ""), data.get("password", ""))
    except Unauthorized as exc:
        return render(
            request,
            "staff/login.html",
            {"next": data.get("next", ""), "error": exc.message, "email": data.get("email", "")},
            status_code=401,
        )
    await audit.record(staff, "logged in")
    request.session.clear()
    request.session["staff_id"] = staff.id
    request.session["csrf"] = auth.new_csrf_token()
    return RedirectResponse(_safe_next(data.get("next", "")), status_code=303)


@private_write
async def logout(request: Request) -> Response:
    await read_form(request)
    request.session.clear()
    return RedirectResponse("/", status_code=303)


async def inbox(request: Request) -> Response:
    await require_staff(request)
    state = request.query_params.get("state", ComplaintState.NEW.value)
    chosen = (
        ComplaintState(state) if state in ComplaintState._value2member_map_ else ComplaintState.NEW
    )
    if chosen == ComplaintState.NEW:
        return render(
            request,
            "staff/inbox.html",
            {
                "queue": await triage.queue(),
                "state": chosen.value,
                "acknowledge": (await triage.targets()).get(Stage.ACKNOWLEDGE),
            },
        )
    return render(
        request,
        "staff/inbox.html",
        {"complaints": await issues.inbox(chosen), "state": chosen.value},
    )


async def complaint_page(
    request: Request,
    errors: dict[str, str] | None = None,
    status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    await require_staff(request)
    complaint = await issues.get_complaint(request.path_params["id"])
    similar = await search.similar(f"{complaint.title} {complaint.body}")
    return render(
        request,
        "staff/complaint.html",
        {
            "complaint": complaint,
            "suggested": similar,
            "categories": await intake.categories(),
            "errors": errors or {},
            "values": values or {},
        },
        status_code=status,
    )


async def publish(request: Request) -> Response:
    staff = await require_staff(request)
    data = await read_form(request)
    try:
        issue = await issues.publish(request.path_params["id"], data, staff)
    except InvalidInput as exc:
        return await complaint_page(request, exc.fields, 422, {**data, **exc.suggested})
    flash(request, f"Published as issue #{issue.id}. The complainant has been emailed the link.")
    return RedirectResponse(f"/staff/issues/{issue.id}", status_code=303)


async def link(request: Request) -> Response:
    staff = await require_staff(request)
    data = await read_form(request)
    form = Form(data)
    number = form.integer("issue", label="Issue number")
    form.check()
    assert number is not None
    issue = await issues.link(request.path_params["id"], number, staff)
    flash(request, f"Linked to issue #{issue.id}; it now has {issue.reporters} reporters.")
    return RedirectResponse("/staff", status_code=303)


async def unlink(request: Request) -> Response:
    staff = await require_staff(request)
    await read_form(request)
    complaint = await issues.unlink(request.path_params["id"], staff)
    flash(request, f"Complaint {complaint.id} is back in the inbox.")
    return RedirectResponse(f"/staff/complaints/{complaint.id}", status_code=303)


async def dismiss(request: Request) -> Response:
    staff = await require_staff(request)
    await read_form(request)
    complaint = await issues.dismiss(request.path_params["id"], staff)
    flash(request, f"Dismissed complaint {complaint.id}.")
    return RedirectResponse("/staff", status_code=303)


async def issue_list(request: Request) -> Response:
    await require_staff(request)
    q = request.query_params.get("q", "")[:200]
    page = await issues.list_issues(
        q, int_param(request, "page", 1), state=request.query_params.get("state", "")
    )
    return render(request, "staff/issues.html", {"page": page, "q": q})


async def issue_page(
    request: Request,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    await require_staff(request)
    issue = await issues.get_issue(request.path_params["number"])
    on_update, on_close = await subscriptions.audience(issue)
    return render(
        request,
        "staff/issue.html",
        {
            "issue": issue,
            "updates": await issues.timeline(issue, internal=True),
            "reach": await issues.reach(issue),
            "audience": {"on_update": on_update, "on_close": on_close},
            "complaints": await issues.reporters(issue),
            "categories": await intake.categories(),
            "team": await Staff.filter(active=True).order_by("name"),
            "statuses": issues.SETTABLE_STATUSES,
            "errors": errors or {},
            "values": values or {},
        },
        status_code=status,
    )


async def post_update(request: Request) -> Response:
    staff = await require_staff(request)
    data = await read_form(request)
    try:
        update = await issues.post_update(request.path_params["number"], data, staff)
    except InvalidInput as exc:
        return await issue_page(request, exc.fields, {**data, **exc.suggested}, 422)
    flash(
        request,
        "Internal note saved." if update.internal else "Update published and subscribers notified.",
    )
    return RedirectResponse(f"/staff/issues/{request.path_params['number']}", status_code=303)


async def edit_issue(request: Request) -> Response:
    staff = await require_staff(request)
    data = await read_form(request)
    try:
        issue = await issues.edit(request.path_params["number"], data, staff)
    except InvalidInput as exc:
        return await issue_page(request, exc.fields, {**data, **exc.suggested}, 422)
    flash(request, "Issue details saved.")
    return RedirectResponse(f"/staff/issues/{issue.id}", status_code=303)


async def merge_issue(request: Request) -> Response:
    staff = await require_staff(request)
    number = request.path_params["number"]
    target = await merge.merge(number, await read_form(request), staff)
    flash(request, f"Merged #{number} into #{target.id}; its followers were told once.")
    return RedirectResponse(f"/staff/issues/{target.id}", status_code=303)


async def unmerge_issue(request: Request) -> Response:
    staff = await require_staff(request)
    await read_form(request)
    source = await merge.unmerge(request.path_params["number"], staff)
    flash(request, f"#{source.id} is its own issue again.")
    return RedirectResponse(f"/staff/issues/{source.id}", status_code=303)


async def severity(request: Request) -> Response:
    staff = await require_staff(request)
    data = await read_form(request)
    complaint = await triage.set_severity(
        request.path_params["id"], data.get("severity", ""), staff
    )
    flash(request, f"Severity set to {complaint.severity.value}.")
    return RedirectResponse(f"/staff/complaints/{complaint.id}", status_code=303)


async def response_targets(request: Request) -> Response:
    staff = await require_staff(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        auth.require_admin(staff)
        try:
            await triage.set_targets(await read_form(request), staff)
        except InvalidInput as exc:
            errors = exc.fields
        else:
            flash(request, "Response targets published.")
            return RedirectResponse("/staff/targets", status_code=303)
    return render(
        request,
        "staff/targets.html",
        {"targets": await triage.targets(), "labels": triage.STAGE_LABELS, "errors": errors},
        status_code=422 if errors else 200,
    )


async def categories(request: Request) -> Response:
    staff = await require_staff(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        auth.require_admin(staff)
        form = Form(await read_form(request))
        name = form.text("name", label="Name", max_length=80)
        description = form.text("description", label="Description", max_length=500, required=False)
        slug = make_slug(name)
        if name and await Category.filter(slug=slug).exists():
            form.errors["name"] = f"A category called '{name}' already exists."
        try:
            form.check()
        except DomainError:
            errors = form.errors
        else:
            await Category.create(slug=slug, name=name, description=description)
            await audit.record(staff, "added category", name)
            flash(request, f"Category '{name}' added.")
            return RedirectResponse("/staff/categories", status_code=303)
    return render(
        request,
        "staff/categories.html",
        {"categories": await intake.categories(), "errors": errors},
        status_code=422 if errors else 200,
    )


async def audit_log(request: Request) -> Response:
    auth.require_admin(await require_staff(request))
    actor = request.query_params.get("actor", "")[:254]
    page = int_param(request, "page", 1)
    entries, total = await audit.entries(page, actor)
    pages = max(1, -(-total // audit.PER_PAGE))
    return render(
        request,
        "staff/audit.html",
        {
            "entries": entries,
            "total": total,
            "page": min(page, pages),
            "pages": pages,
            "actor": actor,
        },
    )


def login_redirect(request: Request) -> Response:
    return RedirectResponse(f"/staff/login?next={quote(request.url.path)}", status_code=303)


routes = [
    Route("/staff/login", login_form, methods=["GET"], name="login"),
    Route("/staff/login", login, methods=["POST"]),
    Route("/staff/logout", logout, methods=["POST"], name="logout"),
    Route("/staff", inbox, name="inbox"),
    Route("/staff/complaints/{id:int}", complaint_page, name="staff_complaint"),
    Route("/staff/complaints/{id:int}/publish", publish, methods=["POST"]),
    Route("/staff/complaints/{id:int}/link", link, methods=["POST"]),
    Route("/staff/complaints/{id:int}/dismiss", dismiss, methods=["POST"]),
    Route("/staff/complaints/{id:int}/unlink", unlink, methods=["POST"]),
    Route("/staff/issues", issue_list, name="staff_issues"),
    Route("/staff/issues/{number:int}", issue_page, name="staff_issue"),
    Route("/staff/issues/{number:int}/updates", post_update, methods=["POST"]),
    Route("/staff/issues/{number:int}/edit", edit_issue, methods=["POST"]),
    Route("/staff/issues/{number:int}/merge", merge_issue, methods=["POST"]),
    Route("/staff/issues/{number:int}/unmerge", unmerge_issue, methods=["POST"]),
    Route("/staff/categories", categories, methods=["GET", "POST"], name="categories"),
    Route("/staff/targets", response_targets, methods=["GET", "POST"], name="targets"),
    Route("/staff/complaints/{id:int}/severity", severity, methods=["POST"]),
    Route("/staff/audit", audit_log, methods=["GET"], name="audit"),
]
