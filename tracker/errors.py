"""Domain errors that services raise and one handler turns into 4xx responses."""

from __future__ import annotations


class DomainError(Exception):
    """A request the tracker understood but will not carry out."""

    status_code = 400

    def __init__(
        self,
        message: str,
        fields: dict[str, str] | None = None,
        suggested: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.suggested = suggested or {}  # corrected values the user may accept


class InvalidInput(DomainError):
    status_code = 422


class NotFound(DomainError):
    status_code = 404


class Unauthorized(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class TooLarge(DomainError):
    status_code = 413
