"""Admin pages for outgoing webhooks: add one (its secret shown once) and see how calls went."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.functions import Count

from tracker import audit, auth, webhooks
from tracker.errors import InvalidInput
from tracker.models import Webhook, WebhookCall
from tracker.web.common import read_form, render, require_staff


async def _context() -> dict[str, object]:
    counts: dict[tuple[int, str], int] = {}
    rows = (
        await WebhookCall.annotate(n=Count("id"))
        .group_by("webhook_id", "state")
        .values_list("webhook_id", "state", "n")
    )
    for hook_id, state, n in rows:
        counts[(int(hook_id), str(state))] = int(n)
    return {"hooks": await Webhook.all().order_by("id"), "counts": counts}


async def hooks(request: Request) -> Response:
    staff = await require_staff(request)
    auth.require_admin(staff)
    context = {**await _context(), "errors": {}, "created": None}
    if request.method == "POST":
        try:
            created = await webhooks.add(await read_form(request))
        except InvalidInput as exc:
            context["errors"] = exc.fields
            return render(request, "staff/webhooks.html", context, status_code=422)
        await audit.record(staff, "added webhook", created.url)
        context = {**await _context(), "errors": {}, "created": created}
    return render(request, "staff/webhooks.html", context)


routes = [Route("/staff/webhooks", hooks, methods=["GET", "POST"], name="webhooks")]
