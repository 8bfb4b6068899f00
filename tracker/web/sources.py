"""Staff pages for outside feeds: add a source, see how its last poll went, poll it now."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tracker import audit, auth, ingest, intake
from tracker.errors import InvalidInput
from tracker.web.common import flash, read_form, render, require_staff


async def feed_sources(
    request: Request, errors: dict[str, str] | None = None, values: dict[str, str] | None = None
) -> Response:
    await require_staff(request)
    return render(
        request,
        "staff/feeds.html",
        {
            "sources": await ingest.sources(),
            "categories": await intake.categories(),
            "errors": errors or {},
            "values": values or {},
        },
        status_code=422 if errors else 200,
    )


async def add(request: Request) -> Response:
    staff = await require_staff(request)
    auth.require_admin(staff)
    data = await read_form(request)
    try:
        source = await ingest.add_source(data)
    except InvalidInput as exc:
        return await feed_sources(request, exc.fields, data)
    await audit.record(staff, "added feed", source.name, source.url)
    flash(request, f"Added {source.name}. Poll it now to see its first entries.")
    return RedirectResponse("/staff/feeds", status_code=303)


async def poll_now(request: Request) -> Response:
    staff = await require_staff(request)
    await read_form(request)
    source = await ingest.get_source(request.path_params["id"])
    await audit.record(staff, "polled feed", source.name)
    async with ingest.client(request.app.state.settings) as http:
        result = await ingest.poll(source, http)
    if result.error:
        flash(request, f"{source.name}: {result.error}", "error")
    elif result.not_modified:
        flash(request, f"{source.name}: not changed since the last poll.")
    else:
        flash(request, f"{source.name}: {result.new} new complaint(s) in the inbox.")
    return RedirectResponse("/staff/feeds", status_code=303)


async def toggle(request: Request) -> Response:
    staff = await require_staff(request)
    auth.require_admin(staff)
    await read_form(request)
    source = await ingest.get_source(request.path_params["id"])
    source.active = not source.active
    await source.save(update_fields=["active"])
    await audit.record(staff, "resumed feed" if source.active else "paused feed", source.name)
    flash(request, f"{source.name} is {'polled again' if source.active else 'paused'}.")
    return RedirectResponse("/staff/feeds", status_code=303)


routes = [
    Route("/staff/feeds", feed_sources, methods=["GET"], name="feeds"),
    Route("/staff/feeds", add, methods=["POST"]),
    Route("/staff/feeds/{id:int}/poll", poll_now, methods=["POST"]),
    Route("/staff/feeds/{id:int}/toggle", toggle, methods=["POST"]),
]
