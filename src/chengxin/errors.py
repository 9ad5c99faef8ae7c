"""Errors are answers: every refusal names the field and the rule it broke.

Services raise these; the API turns them into RFC 9457 problem+json and the CLI into a
one-line message with a non-zero exit. Messages must never carry an unmasked ID number or name.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar


class ChengxinError(Exception):
    """Base of all refusals the platform gives on purpose."""

    status = 400
    title = "Bad request"
    type_slug = "bad-request"

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{where}{self.message}"


class InvalidInput(ChengxinError):
    """Input that breaks a stated rule (format, range, schema)."""

    status = 422
    title = "Invalid input"
    type_slug = "invalid-input"


Choice = TypeVar("Choice", bound=StrEnum)


def one_of(kind: type[Choice], raw: str, *, field: str, rule: str) -> Choice:
    """`raw` (spaces around it ignored) as a member of `kind`, or a refusal listing them all."""
    try:
        return kind(raw.strip())
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidInput(f"must be one of {allowed}", field=field, rule=rule) from None


class NotFound(ChengxinError):
    status = 404
    title = "Not found"
    type_slug = "not-found"


class Conflict(ChengxinError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class ConfigError(ChengxinError):
    """A setting, key file or rule file that cannot be used; start-up stops."""

    status = 500
    title = "Configuration error"
    type_slug = "configuration"


class Unauthenticated(ChengxinError):
    """No credentials, or credentials that are unknown or revoked."""

    status = 401
    title = "Unauthenticated"
    type_slug = "unauthenticated"


class Forbidden(ChengxinError):
    """Known caller, not allowed to do this."""

    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


class TooLarge(ChengxinError):
    status = 413
    title = "Too large"
    type_slug = "too-large"


class TooManyRequests(ChengxinError):
    """A rate limit or login throttle; `retry_after` seconds until the next try may succeed."""

    status = 429
    title = "Too many requests"
    type_slug = "too-many-requests"

    def __init__(
        self, message: str, *, retry_after: int, field: str | None = None, rule: str | None = None
    ) -> None:
        super().__init__(message, field=field, rule=rule)
        self.retry_after = retry_after
