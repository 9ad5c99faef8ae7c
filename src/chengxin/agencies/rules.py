"""What makes an agreement with a credit agency (征信机构) well-formed, and when an export under
it is due (R-5.5). Pure: the day is a parameter; every refusal names the field and the rule."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import DisclosureLevel
from chengxin.errors import InvalidInput, one_of

MAX_ITEMS = 100
MAX_NAME = 200
MAX_LEGAL_BASIS = 500


class Frequency(StrEnum):
    """How often an agreement's export is made (报送频率)."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Purpose(StrEnum):
    """What the agency may use the exported information for (使用目的), as the agreement says."""

    CREDIT_REPORT = "credit_report"  # 信用报告
    CREDIT_RATING = "credit_rating"  # 信用评级
    CREDIT_SCORE = "credit_score"  # 信用评分
    RISK_MANAGEMENT = "risk_management"  # 风险管理（授信审批、贷后管理）
    ANTI_FRAUD = "anti_fraud"  # 反欺诈


def parse_frequency(raw: str, field: str = "frequency") -> Frequency:
    return one_of(Frequency, raw, field=field, rule="frequency")


def parse_purposes(raw: Iterable[str], field: str = "purposes") -> tuple[Purpose, ...]:
    """One or more purposes, each once, in the vocabulary's order."""
    found: set[Purpose] = set()
    for text in raw:
        try:
            found.add(Purpose(text.strip()))
        except ValueError:
            allowed = ", ".join(p.value for p in Purpose)
            raise InvalidInput(f"{text!r}: must be one of {allowed}", field=field,
                               rule="purpose") from None  # fmt: skip
    if not found:
        raise InvalidInput("name at least one purpose", field=field, rule="required")
    return tuple(p for p in Purpose if p in found)


def check_items(catalog: Catalog, codes: Iterable[str], on: dt.date,
                field: str = "items") -> tuple[str, ...]:  # fmt: skip
    """Catalog items in force on `on` whose disclosure level is public (社会公开): a credit
    agency is a market actor and gets what is open to society, nothing that needs a person's
    authorisation or is shared among government bodies only."""
    wanted = sorted({c.strip() for c in codes if c.strip()})
    if not wanted:
        raise InvalidInput("name at least one catalog item", field=field, rule="required")
    if len(wanted) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS} items", field=field, rule="max-items")
    for code in wanted:
        item = catalog.find(code, on)
        if item is None:
            raise InvalidInput(f"{code}: no catalog item with this code is in force on {on}",
                               field=field, rule="catalog-item")  # fmt: skip
        if item.disclosure is not DisclosureLevel.PUBLIC:
            raise InvalidInput(f"{code}: its disclosure level is {item.disclosure.value}; an "
                               "agency may receive public items only", field=field,
                               rule="disclosure-public")  # fmt: skip
    return tuple(wanted)


def check_period(valid_from: dt.date, valid_until: dt.date | None) -> None:
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput("must not be before valid_from", field="valid_until",
                           rule="period-order")  # fmt: skip


def in_force(
    valid_from: dt.date, valid_until: dt.date | None, today: dt.date, *, ended: bool
) -> bool:
    return not ended and valid_from <= today and (valid_until is None or today <= valid_until)


def add_month(day: dt.date) -> dt.date:
    """The same day a month later, or the month's last day (31 Jan → 28/29 Feb)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))  # fmt: skip


def next_due(frequency: Frequency, last: dt.date | None) -> dt.date | None:
    """The first day an export is due after one made on `last` (None: never exported, due now)."""
    if last is None:
        return None
    if frequency is Frequency.DAILY:
        return last + dt.timedelta(days=1)
    if frequency is Frequency.WEEKLY:
        return last + dt.timedelta(days=7)
    return add_month(last)


def is_due(frequency: Frequency, last: dt.date | None, today: dt.date) -> bool:
    due = next_due(frequency, last)
    return due is None or today >= due
