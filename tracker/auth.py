"""Staff accounts, passwords, API tokens and the CSRF token of a session."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tracker import audit
from tracker.errors import Conflict, Forbidden, NotFound, Unauthorized
from tracker.models import ApiToken, Role, Staff
from tracker.validate import Form

_hasher = PasswordHasher()
# Verifying against a real hash when the email is unknown keeps timing from revealing accounts.
_DUMMY_HASH = _hasher.hash("not a real password")
MIN_PASSWORD = 10
TOKEN_PREFIX = "ctk_"  # noqa: S105 - a prefix that makes leaked tokens easy to scan for


async def add_staff(email: str, password: str, role: str, name: str = "") -> Staff:
    """Create a staff account."""
    form = Form({"email": email, "role": role, "name": name})
    # Stored lower-case because login looks accounts up lower-case.
    email = form.email("email").lower()
    role = form.choice("role", label="Role", options=[r.value for r in Role])
    name = form.text("name", label="Name", max_length=100, required=False)
    if len(password) < MIN_PASSWORD:
        form.errors["password"] = f"Password must be at least {MIN_PASSWORD} characters."
    form.check()
    if await Staff.filter(email=email).exists():
        raise Conflict(f"A staff account for {email} already exists.")
    staff = await Staff.create(
        email=email,
        name=name or email.split("@")[0],
        password_hash=_hasher.hash(password),
        role=Role(role),
    )
    await audit.record(None, "added staff", email, f"role {role}")
    return staff


async def authenticate(email: str, password: str) -> Staff:
    """Return the active staff member with these credentials."""
    staff = await Staff.filter(email=email.strip().lower(), active=True).first()
    try:
        _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        staff = None
    if staff is None:
        raise Unauthorized("Wrong email or password.")
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher.hash(password)
        await staff.save(update_fields=["password_hash"])
    return staff


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(email: str, label: str = "") -> str:
    """Issue an API token for a staff member and return it (it is shown only once)."""
    staff = await Staff.filter(email=email.strip().lower(), active=True).first()
    if staff is None:
        raise NotFound(f"No active staff account for {email}.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await ApiToken.create(staff=staff, token_hash=_digest(token), label=label)
    await audit.record(staff, "created API token", label)
    return token


async def staff_for_token(token: str) -> Staff:
    """Return the staff member a bearer token belongs to."""
    row = await ApiToken.filter(token_hash=_digest(token.strip())).prefetch_related("staff").first()
    if row is None or not row.staff.active:
        raise Unauthorized("Invalid or revoked API token.")
    row.last_used_at = datetime.now(UTC)
    await row.save(update_fields=["last_used_at"])
    return row.staff


async def staff_by_id(staff_id: object) -> Staff | None:
    """Return the active staff member for a session's stored id, if any."""
    if not isinstance(staff_id, int):
        return None
    return await Staff.filter(id=staff_id, active=True).first()


def require_admin(staff: Staff) -> None:
    if staff.role != Role.ADMIN:
        raise Forbidden("Only admins can do that.")


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(expected: object, given: object) -> bool:
    """Compare a form's CSRF token with the session's in constant time."""
    return (
        isinstance(expected, str)
        and isinstance(given, str)
        and bool(expected)
        and hmac.compare_digest(expected, given)
    )
