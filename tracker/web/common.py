"""Helpers every route module shares: rendering, forms with CSRF, flash messages, staff login."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracker import auth
from tracker.errors import Forbidden
from tracker.models import Staff

MAX_FORM_FIELDS = 50


class LoginRequired(Exception):
    """The page is for staff and nobody is logged in."""


def csrf_token(request: Request) -> str:
    """Return this session's CSRF token, creating it on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = auth.new_csrf_token()
        request.session["csrf"] = token
    return token


FORM_EXPIRED = (
    "This form has expired or was sent from another site. Go back, reload the page and try again."
)


def same_origin(request: Request) -> bool:
    """Whether the browser says the form came from one of our own pages (Fetch metadata, Origin)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None  # no header at all: not a browser, so no ambient authority to ride
    return origin in (
        request.app.state.settings.base_url,
        f"{request.url.scheme}://{request.url.netloc}",
    )


async def read_form(request: Request, *, anonymous: bool = False) -> dict[str, str]:
    """Return a submitted form's fields after checking it was sent from our own pages.

    Forms that act for a session (staff pages, a tracking link) carry a CSRF token. Anonymous
    forms (complain, follow, confirm) act for nobody, so a token protects nothing there; they
    check the browser's Origin and Sec-Fetch-Site instead, which keeps their pages free of
    per-visitor tokens and so cacheable as one page for everyone.
    """
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    if anonymous:
        if not same_origin(request):
            raise Forbidden(FORM_EXPIRED)
    elif not auth.csrf_matches(request.session.get("csrf"), form.get("csrf")):
        raise Forbidden(FORM_EXPIRED)
    return {key: value for key, value in form.items() if isinstance(value, str)}


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session.setdefault("flash", []).append([kind, message])


def int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else default


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request, template, context or {}, status_code=status_code
    )
    return response


def page_context(request: Request) -> dict[str, Any]:
    """Give every page the site settings, the CSRF token, flashes and the logged-in staff member."""
    return {
        "settings": request.app.state.settings,
        # A cached page carries a placeholder that each visitor's own token replaces.
        "csrf_token": lambda: request.scope.get("csrf_marker") or csrf_token(request),
        "flashes": request.session.pop("flash", []) if "session" in request.scope else [],
        "staff": request.scope.get("staff"),
    }


async def require_staff(request: Request) -> Staff:
    """Return the logged-in staff member, or send the browser to the login page."""
    staff = await auth.staff_by_id(request.session.get("staff_id"))
    if staff is None:
        raise LoginRequired
    request.scope["staff"] = staff
    return staff
