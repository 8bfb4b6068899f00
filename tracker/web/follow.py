"""Following by email: subscribe and me too, confirmation links, one-click unsubscribe."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tracker import intake, issues, subscriptions
from tracker.cache import private_write
from tracker.errors import InvalidInput
from tracker.lineage import survivor
from tracker.models import Category
from tracker.web.common import flash, read_form, render
from tracker.web.public import issue_context

SENT = "Check your inbox: we sent a link to confirm. Nothing else is sent until you use it."


@private_write
async def follow_issue(request: Request) -> Response:
    number, _ = issues.parse_number(request.path_params["ref"])
    issue = await survivor(await issues.get_issue(number))
    data = await read_form(request, anonymous=True)
    try:
        await subscriptions.request(data, issue=issue)
    except InvalidInput as exc:
        context = await issue_context(issue)
        context.update(follow_errors=exc.fields, follow_values=data)
        return render(request, "public/issue.html", context, status_code=422)
    flash(request, SENT)
    return RedirectResponse(f"/issues/{issue.id}-{issue.slug}", status_code=303)


@private_write
async def follow_site(request: Request) -> Response:
    data = await read_form(request, anonymous=True)
    slug = data.get("category", "")
    category = await Category.filter(slug=slug).first() if slug else None
    try:
        if slug and category is None:
            raise InvalidInput(
                f"Category '{slug}' does not exist.", {"category": "Unknown category."}
            )
        await subscriptions.request(data, category=category)
    except InvalidInput as exc:
        return render(
            request,
            "public/follow.html",
            {"categories": await intake.categories(), "errors": exc.fields, "values": data},
            status_code=422,
        )
    flash(request, SENT)
    return RedirectResponse("/follow", status_code=303)


async def follow_form(request: Request) -> Response:
    return render(
        request,
        "public/follow.html",
        {"categories": await intake.categories(), "errors": {}, "values": {}},
    )


async def confirm_page(request: Request) -> Response:
    # GET only shows a button: mail scanners follow links, and must not subscribe anyone.
    sub = await subscriptions.pending(request.path_params["token"])
    return render(request, "public/confirm.html", {"sub": sub, "done": False})


async def confirm(request: Request) -> Response:
    await read_form(request, anonymous=True)
    sub = await subscriptions.confirm(request.path_params["token"])
    return render(request, "public/confirm.html", {"sub": sub, "done": True})


async def unsubscribe_page(request: Request) -> Response:
    sub = await subscriptions.by_token(request.path_params["token"])
    return render(request, "public/unsubscribe.html", {"sub": sub, "done": False})


async def unsubscribe(request: Request) -> Response:
    """Unsubscribe on POST alone: RFC 8058 one-click needs no cookie and no CSRF token."""
    sub = await subscriptions.unsubscribe(request.path_params["token"])
    response = render(request, "public/unsubscribe.html", {"sub": sub, "done": True})
    response.headers["Cache-Control"] = "no-store"
    return response


routes = [
    Route("/issues/{ref}/follow", follow_issue, methods=["POST"]),
    Route("/follow", follow_form, methods=["GET"], name="follow"),
    Route("/follow", follow_site, methods=["POST"]),
    Route("/subscriptions/confirm/{token}", confirm_page, methods=["GET"]),
    Route("/subscriptions/confirm/{token}", confirm, methods=["POST"]),
    Route("/unsubscribe/{token}", unsubscribe_page, methods=["GET"]),
    Route("/unsubscribe/{token}", unsubscribe, methods=["POST"]),
]
