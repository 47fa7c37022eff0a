"""The error tree every layer raises; one HTTP handler maps it to problem+json."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with the input: where (field, row) and why."""

    field: str | None
    reason: str
    row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "reason": self.reason}
        if self.row is not None:
            out["row"] = self.row
        return out


@dataclass
class DarmanError(Exception):
    """Base of every error Darman raises on purpose."""

    detail: str
    problems: list[FieldProblem] = field(default_factory=list)

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __str__(self) -> str:
        if not self.problems:
            return self.detail
        where = "; ".join(
            (f"row {p.row}, " if p.row is not None else "") + f"{p.field or '-'}: {p.reason}"
            for p in self.problems[:5]
        )
        return f"{self.detail} ({where})"


class InvalidInput(DarmanError):
    status = 422
    title = "Invalid input"
    slug = "invalid-input"


class NotFound(DarmanError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(DarmanError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class AuthenticationFailed(DarmanError):
    status = 401
    title = "Authentication failed"
    slug = "authentication-failed"


class AccountLocked(AuthenticationFailed):
    title = "Account locked"
    slug = "account-locked"


class PermissionDenied(DarmanError):
    status = 403
    title = "Permission denied"
    slug = "permission-denied"


@dataclass
class TooManyAttempts(DarmanError):
    """Refused before it is tried: too many attempts of something guessable in a while;
    ``retry_after`` is the seconds to wait (sent as the Retry-After header)."""

    retry_after: int = 60

    status = 429
    title = "Too many attempts"
    slug = "too-many-attempts"


class ConfigurationError(DarmanError):
    status = 500
    title = "Configuration error"
    slug = "configuration-error"
