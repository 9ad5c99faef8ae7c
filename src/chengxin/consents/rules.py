"""What a consent (授权) is: purposes, scope, validity and the signed body. Pure: no database, no
clock; the time is a parameter (R-3.4, R-5.3)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from chengxin.catalog.vocab import Category, DisclosureLevel
from chengxin.clock import CHINA_TZ, china_today
from chengxin.errors import InvalidInput

BODY_FORMAT = "chengxin-consent/1"
MAX_REASON_CHARS = 500
E = TypeVar("E", bound=StrEnum)


class Purpose(StrEnum):
    """Why a requester queries a person (查询用途)."""

    LOAN_APPROVAL = "loan_approval"  # 贷款审批
    POST_LOAN_MANAGEMENT = "post_loan_management"  # 贷后管理
    EMPLOYMENT = "employment"  # 入职审查
    TENANCY = "tenancy"  # 房屋租赁
    SELF_QUERY = "self_query"  # 本人查询
    OBJECTION_HANDLING = "objection_handling"  # 异议处理
    ADMINISTRATIVE_DUTY = (
        "administrative_duty"  # 依法履职: departments on a legal basis, no consent
    )
    OTHER = "other"  # 其他


class ConsentStatus(StrEnum):
    ACTIVE = "active"  # 有效
    WITHDRAWN = "withdrawn"  # 已撤回


PURPOSE_LABELS: dict[Purpose, tuple[str, str]] = {
    Purpose.LOAN_APPROVAL: ("贷款审批", "loan approval"),
    Purpose.POST_LOAN_MANAGEMENT: ("贷后管理", "post-loan management"),
    Purpose.EMPLOYMENT: ("入职审查", "employment screening"),
    Purpose.TENANCY: ("房屋租赁", "tenancy"),
    Purpose.SELF_QUERY: ("本人查询", "self-query"),
    Purpose.OBJECTION_HANDLING: ("异议处理", "objection handling"),
    Purpose.ADMINISTRATIVE_DUTY: ("依法履职", "administrative duty on a legal basis"),
    Purpose.OTHER: ("其他", "other"),
}

# A government department acting on a legal basis needs no consent, and no consent can open
# that purpose to anyone else.
CONSENTABLE: frozenset[Purpose] = frozenset(Purpose) - {Purpose.ADMINISTRATIVE_DUTY}

DEFAULT_LEVELS: frozenset[DisclosureLevel] = frozenset(
    {DisclosureLevel.PUBLIC, DisclosureLevel.AUTHORISED}
)


def parse_purpose(raw: str, field: str = "purpose") -> Purpose:
    """A purpose a consent may be given for; refuses unknown ones and 依法履职."""
    try:
        purpose = Purpose(raw.strip())
    except ValueError:
        allowed = ", ".join(sorted(CONSENTABLE))
        raise InvalidInput(f"must be one of {allowed}", field=field, rule="purpose") from None
    if purpose not in CONSENTABLE:
        raise InvalidInput(
            "administrative_duty (依法履职) rests on a legal basis and is never given by consent",
            field=field,
            rule="purpose-not-consentable",
        )
    return purpose


@dataclass(frozen=True)
class Scope:
    """Which records a consent opens: those of the listed disclosure levels (公开属性) and, if
    `categories` is not empty, of those categories only (empty = every category). Government-shared
    records (政务共享) are never opened by consent."""

    levels: frozenset[DisclosureLevel]
    categories: frozenset[Category] = frozenset()

    def __post_init__(self) -> None:
        if not self.levels:
            raise InvalidInput("must name at least one level", field="levels", rule="scope-levels")
        if DisclosureLevel.GOVERNMENT in self.levels:
            raise InvalidInput(
                "government-shared records (政务共享) are never opened by consent",
                field="levels",
                rule="scope-government",
            )

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "levels": sorted(level.value for level in self.levels),
            "categories": sorted(category.value for category in self.categories),
        }

    def stored(self) -> tuple[str, str]:
        """The two comma-separated column values (sorted, so equal scopes store equally)."""
        parts = self.as_dict()
        return ",".join(parts["levels"]), ",".join(parts["categories"])


def _values(enum: type[E], raw: Iterable[str], field: str, rule: str) -> frozenset[E]:
    found: set[E] = set()
    for item in raw:
        text = item.strip()
        try:
            found.add(enum(text))
        except ValueError:
            allowed = ", ".join(m.value for m in enum)
            raise InvalidInput(
                f"{text[:40]!r} is not one of {allowed}", field=field, rule=rule
            ) from None
    return frozenset(found)


def parse_scope(levels: list[str] | None, categories: list[str] | None) -> Scope:
    """A scope from user input; levels default to public and authorised, categories to all."""
    chosen = (
        DEFAULT_LEVELS
        if levels is None
        else _values(DisclosureLevel, levels, "levels", "disclosure-level")
    )
    kinds = _values(Category, categories or [], "categories", "category")
    return Scope(chosen, kinds)


def scope_from_stored(levels: str, categories: str) -> Scope:
    return Scope(
        frozenset(DisclosureLevel(v) for v in levels.split(",") if v),
        frozenset(Category(v) for v in categories.split(",") if v),
    )


def scope_allows(scope: Scope, disclosure: DisclosureLevel, category: Category) -> bool:
    """Whether a record of this disclosure level and category lies inside the scope."""
    if disclosure not in scope.levels or disclosure == DisclosureLevel.GOVERNMENT:
        return False
    return not scope.categories or category in scope.categories


# --- validity --------------------------------------------------------------------------------


def _start_of_china_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), CHINA_TZ).astimezone(dt.UTC)


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February: the next year has none
        return day.replace(year=day.year + 1, day=28)


def validity(
    now: dt.datetime, *, valid_until: dt.date, valid_from: dt.date | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants [start, end) of a consent given at `now`.

    Days are calendar days in China. `valid_from` (default: today) starts at 00:00 that day, or at
    `now` when it is today; `valid_until` is the last day the consent holds, so it ends at 24:00
    that day. Rules: neither day in the past, the last day not before the first, and the last day
    at most one year after the day the consent is given (a consent that never ends is no consent
    for "a purpose and period")."""
    today = china_today(now)
    first = valid_from or today
    if first < today:
        raise InvalidInput("must not be in the past", field="valid_from", rule="validity-past")
    if valid_until < today:
        raise InvalidInput("must not be in the past", field="valid_until", rule="validity-past")
    if valid_until < first:
        raise InvalidInput(
            "must not be before valid_from", field="valid_until", rule="validity-order"
        )
    latest = _one_year_after(today)
    if valid_until > latest:
        raise InvalidInput(
            f"must be at most one year ahead (on or before {latest.isoformat()})",
            field="valid_until",
            rule="validity-max-one-year",
        )
    start = now if first == today else _start_of_china_day(first)
    return start, _start_of_china_day(valid_until + dt.timedelta(days=1))


def clean_reason(raw: str, field: str = "reason") -> str:
    reason = raw.strip()
    if not reason or len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(
            f"must be 1 to {MAX_REASON_CHARS} characters", field=field, rule="length"
        )
    return reason


# --- the signed body -------------------------------------------------------------------------


def _instant(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


def consent_body(
    *,
    consent_id: uuid.UUID,
    version: int,
    subject_id: uuid.UUID,
    requester_code: str,
    purpose: Purpose,
    scope: Scope,
    valid_from: dt.datetime,
    valid_until: dt.datetime,
    status: ConsentStatus,
    created_at: dt.datetime,
    created_by: str,
    withdrawn_at: dt.datetime | None = None,
    withdrawn_by: str | None = None,
    withdraw_reason: str | None = None,
) -> dict[str, Any]:
    """The canonical content of one consent version: what the node signs (as canonical JSON,
    sorted keys, UTF-8) and what the row must keep saying."""
    return {
        "format": BODY_FORMAT,
        "consent": str(consent_id),
        "version": version,
        "subject": str(subject_id),
        "requester": requester_code,
        "purpose": purpose.value,
        "scope": scope.as_dict(),
        "valid_from": _instant(valid_from),
        "valid_until": _instant(valid_until),
        "status": status.value,
        "created_at": _instant(created_at),
        "created_by": created_by,
        "withdrawn_at": _instant(withdrawn_at),
        "withdrawn_by": withdrawn_by,
        "withdraw_reason": withdraw_reason,
    }
