"""Which measures apply to a person in a scenario, and why (R-6.2 to R-6.4). Pure: the facts
(records shown today, list entries in effect today) and the date are parameters.

A measure applies when one clause of its `any_of` holds and no clause of its `unless` does; each
clause that holds is a reason. Nothing outside the measure's own target counts, and only the
measure's own effect is returned (措施法定、过惩相当).
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from chengxin.catalog.vocab import Category
from chengxin.lists.rules import ListKind
from chengxin.measures.types import Clause, Measure, RecordCondition, Scenario

BAD = frozenset({Category.BAD.value, Category.SERIOUS.value})
DISHONEST_LISTS = frozenset({ListKind.SERIOUS_DISHONESTY, ListKind.KEY_SUPERVISION})
DAY = dt.timedelta(days=1)


class ReasonKind(StrEnum):
    LIST_ENTRY = "list_entry"  # an entry in effect on a list (or reaching the person)
    RECORD = "record"  # a record shown today
    CLEAN_RECORD = "clean_record"  # no bad record for N years (连续N年无不良信用记录)


@dataclass(frozen=True)
class RecordFact:
    """A record counted by checks: active and within its display period today."""

    record_id: uuid.UUID
    item: str
    document_number: str | None
    category: str
    severity: str | None
    decision_date: dt.date
    display_end: dt.date | None
    under_objection: bool


@dataclass(frozen=True)
class ListingFact:
    """A list entry binding the person today (their own, or an organisation's reaching them)."""

    entry_id: uuid.UUID
    list_type: str
    list_kind: ListKind
    document_number: str
    effective_from: dt.date | None
    term_end: dt.date | None  # None: until removed
    via_organisation: bool


@dataclass(frozen=True)
class Reason:
    kind: ReasonKind
    until: dt.date | None  # the last day this reason holds; None: until it is removed
    listing: ListingFact | None = None
    record: RecordFact | None = None
    years: int | None = None  # clean record: the years required
    since: dt.date | None = None  # clean record: the first day of the window


@dataclass(frozen=True)
class Applicable:
    measure: Measure
    reasons: tuple[Reason, ...]

    @property
    def until(self) -> dt.date | None:
        """The last day of the longest reason; None when one lasts until removed or is the
        state of today (a clean record is judged afresh at each check)."""
        ends = [r.until for r in self.reasons]
        if not ends or any(end is None for end in ends):
            return None
        return max(end for end in ends if end is not None)


@dataclass(frozen=True)
class Facts:
    """What a check knows of the person today."""

    today: dt.date
    known: bool  # False: the registry holds no person with this ID number
    records: Sequence[RecordFact]
    listings: Sequence[ListingFact]


@dataclass(frozen=True)
class Finding:
    applicable: list[Applicable]
    withheld: list[Applicable]  # targeted, but an `unless` clause holds (reasons: the blockers)


def shift_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day `months` later (earlier when negative), clamped to the month's end
    as 民法典第二百零二条 counts periods."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _window_start(today: dt.date, months: int) -> dt.date:
    """The first day of the last `months` months up to and including today."""
    return shift_months(today, -months) + DAY


def _window_end(decided: dt.date, months: int) -> dt.date:
    """The last day whose window (`_window_start`) still holds a decision of `decided`: the day
    before the corresponding day N months on, or that day itself when it is a clamped month end
    (29 January + 1 month is 28 February, whose window still starts on 29 January)."""
    end = shift_months(decided, months)
    return end if shift_months(end, -months) < decided else end - DAY


def _record_holds(cond: RecordCondition, record: RecordFact, today: dt.date) -> Reason | None:
    if cond.items and record.item not in cond.items:
        return None
    if cond.categories and record.category not in cond.categories:
        return None
    if cond.severities and record.severity not in cond.severities:
        return None
    until = record.display_end
    if cond.within_months is not None:
        if record.decision_date < _window_start(today, cond.within_months):
            return None
        window_end = _window_end(record.decision_date, cond.within_months)
        until = window_end if until is None else min(until, window_end)
    return Reason(ReasonKind.RECORD, until, record=record)


def _clean(years: int, facts: Facts) -> Reason | None:
    since = _window_start(facts.today, 12 * years)
    if any(r.category in BAD and r.decision_date >= since for r in facts.records):
        return None
    if any(entry.list_kind in DISHONEST_LISTS for entry in facts.listings):
        return None
    return Reason(ReasonKind.CLEAN_RECORD, None, years=years, since=since)


def reasons_for(clause: Clause, facts: Facts) -> list[Reason]:
    """Every reason this clause holds for the person (empty: it does not hold)."""
    if clause.clean_years is not None:
        found = _clean(clause.clean_years, facts) if facts.known else None
        return [found] if found else []
    if clause.records is not None:
        held = (_record_holds(clause.records, r, facts.today) for r in facts.records)
        return [reason for reason in held if reason is not None]
    return [
        Reason(ReasonKind.LIST_ENTRY, entry.term_end, listing=entry)
        for entry in facts.listings
        if entry.list_type in clause.lists or entry.list_kind in clause.list_kinds
    ]


def find_measures(measures: Sequence[Measure], scenario: Scenario, facts: Facts) -> Finding:
    """The measures of `scenario` that apply, each with its reasons. An ID number the registry
    does not hold has no record, and no clean record either: nobody can vouch for it."""
    applicable, withheld = [], []
    for measure in measures:
        if scenario not in measure.scenarios:
            continue
        reasons = [r for clause in measure.target.any_of for r in reasons_for(clause, facts)]
        if not reasons:
            continue
        blockers = [r for clause in measure.target.unless for r in reasons_for(clause, facts)]
        if blockers:
            withheld.append(Applicable(measure, tuple(blockers)))
        else:
            applicable.append(Applicable(measure, tuple(reasons)))
    return Finding(applicable, withheld)
