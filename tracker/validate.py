"""Checks on untrusted input shared by the forms and the JSON API."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from email_validator import EmailNotValidError, validate_email

from tracker import privacy
from tracker.errors import InvalidInput

# C0 controls other than tab/newline/carriage return, and C1 controls: they break feeds and mail.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_controls(value: str) -> str:
    """Remove control characters, which PostgreSQL refuses (NUL) and feeds and mail cannot carry."""
    return _CONTROL.sub("", value)


class Form:
    """Collect every problem with one submission so the user can fix them all at once."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}
        self.suggested: dict[str, str] = {}

    def text(
        self,
        name: str,
        *,
        label: str,
        max_length: int,
        required: bool = True,
        multiline: bool = False,
    ) -> str:
        raw = self.data.get(name)
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            self.errors[name] = f"{label} must be text."
            return ""
        value = strip_controls(raw).replace("\r\n", "\n").strip()
        if not multiline:
            value = " ".join(value.split())
        if required and not value:
            self.errors[name] = f"{label} is required."
        elif len(value) > max_length:
            self.errors[name] = (
                f"{label} must be at most {max_length} characters (got {len(value)})."
            )
        return value

    def email(self, name: str, *, label: str = "Email", required: bool = True) -> str:
        value = self.text(name, label=label, max_length=254, required=required)
        if not value or name in self.errors:
            return value
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            self.errors[name] = f"{label} is not a valid address: {exc}"
            return value

    def flag(self, name: str) -> bool:
        raw = self.data.get(name)
        if isinstance(raw, bool):
            return raw
        if raw is not None and not isinstance(raw, str):
            self.errors[name] = f"{name} must be true or false."
            return False
        return str(raw).lower() in ("1", "true", "on", "yes") if raw is not None else False

    def choice(
        self, name: str, *, label: str, options: Iterable[str], required: bool = True
    ) -> str:
        value = self.text(name, label=label, max_length=100, required=required)
        allowed = list(options)
        if value and value not in allowed:
            self.errors[name] = f"{label} must be one of: {', '.join(allowed)}."
            return ""  # callers never see a value outside the options, even before check()
        return value

    def integer(self, name: str, *, label: str, required: bool = True) -> int | None:
        raw = self.data.get(name)
        if raw in (None, "") and not required:
            return None
        if isinstance(raw, bool):
            raw = None
        try:
            return int(str(raw).strip().lstrip("#"))
        except ValueError:
            self.errors[name] = f"{label} must be a whole number."
            return None

    def check(self) -> None:
        """Raise one error naming every field that needs fixing."""
        if self.errors:
            summary = " ".join(self.errors.values())
            raise InvalidInput(
                f"Please fix: {summary}", fields=dict(self.errors), suggested=dict(self.suggested)
            )

    def public_text(self, texts: dict[str, str]) -> None:
        """Flag private data in text about to be published, unless staff said it is public."""
        if self.flag("allow_private"):
            return
        for name, text in texts.items():
            findings = privacy.find(text)
            if findings:
                self.errors[name] = (
                    f"This looks private: {privacy.describe(findings)}. It was replaced with a "
                    "marker: check the text and send again, or tick 'not private' if it is "
                    "public (e.g. our own hotline)."
                )
                self.suggested[name] = privacy.redact(text)
