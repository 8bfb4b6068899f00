"""Find private data (emails, phone, card and account numbers) in text about to be published."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

LABELS = {
    "email": "email address",
    "phone": "phone number",
    "card": "card number",
    "iban": "IBAN",
    "account": "account number",
}


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    start: int
    end: int

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _iban_ok(text: str) -> bool:
    compact = re.sub(r"\s", "", text).upper()
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _phone_ok(text: str) -> bool:
    digits = _digits(text)
    if re.fullmatch(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}", text.strip()):
        return False  # a date
    return 9 <= len(digits) <= 15 and (
        text.lstrip().startswith(("+", "(", "0")) or len(digits) >= 10
    )


RECOGNIZERS: list[tuple[str, re.Pattern[str], Callable[[str], bool]]] = [
    (
        "email",
        re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}"),
        lambda _: True,
    ),
    (
        "iban",
        re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"),
        _iban_ok,
    ),
    (
        "card",
        re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])"),
        lambda text: _luhn(_digits(text)),
    ),
    (
        "account",
        re.compile(
            r"\b(?:account|acct|a/c|customer|member|policy)(?:\s+(?:no|number|num|#))?\.?\s*[:#]?\s*"
            r"\d[\d -]{4,}\d",
            re.IGNORECASE,
        ),
        lambda _: True,
    ),
    (
        "phone",
        re.compile(r"(?<![\w+])\+?(?:\(\d{1,5}\)[ .-]?)?\d{2,5}(?:[ .-]?\d{2,5}){1,4}(?!\w)"),
        _phone_ok,
    ),
]


def find(text: str) -> list[Finding]:
    """Return every piece of private-looking data, earliest first, none overlapping."""
    found: list[Finding] = []
    for kind, pattern, valid in RECOGNIZERS:
        for match in pattern.finditer(text):
            value = match.group(0).strip()
            if not valid(value):
                continue
            if any(f.start < match.end() and match.start() < f.end for f in found):
                continue  # already covered by a more specific recogniser
            found.append(Finding(kind, value, match.start(), match.end()))
    return sorted(found, key=lambda f: f.start)


def redact(text: str) -> str:
    """Replace each finding with a marker saying what was removed."""
    for finding in reversed(find(text)):
        text = text[: finding.start] + f"[{finding.label} removed]" + text[finding.end :]
    return text


def describe(findings: list[Finding]) -> str:
    return ", ".join(f"{f.label} '{f.text}'" for f in findings)
