"""What a caller may see of a person's records, and when a query looks unusual. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from chengxin.catalog.vocab import Category, DisclosureLevel

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")  # Beijing time, no daylight saving
WORKING_HOURS = (dt.time(8, 0), dt.time(20, 0))


class Outcome(StrEnum):
    ANSWERED = "answered"
    REFUSED = "refused"


class Flag(StrEnum):
    """Anomaly flags an operator reviews (审查), R-3.2."""

    BULK = "bulk"  # one caller reached more subjects in an hour than the threshold
    OFF_HOURS = "off_hours"  # outside 08:00-20:00 Beijing time or at a weekend
    REPEATED_REFUSALS = "repeated_refusals"  # the caller was refused repeatedly within an hour
    NO_CONSENT = "no_consent"  # a requester queried without an active consent


@dataclass(frozen=True)
class View:
    """Which records a query may return."""

    levels: frozenset[DisclosureLevel]
    categories: frozenset[Category] | None  # None: every category
    unpublicised: bool  # records kept but never displayed (shared with government only)
    expired: bool  # records whose display period ended or that were repaired (the person only)


SELF_VIEW = View(frozenset(DisclosureLevel), None, unpublicised=True, expired=True)
GOVERNMENT_VIEW = View(frozenset(DisclosureLevel), None, unpublicised=True, expired=False)


@dataclass(frozen=True)
class RecordFacts:
    status: str
    disclosure: str
    category: str
    publicised: bool
    display_start: dt.date | None
    display_latest_end: dt.date | None


def is_displayed(facts: RecordFacts, today: dt.date) -> bool:
    """Within its display period (展示期限) today and not ended by expiry or repair, R-4.2."""
    if (
        facts.status != "active"
        or not facts.publicised
        or facts.display_start is None
        or today < facts.display_start
    ):
        return False
    return facts.display_latest_end is None or today <= facts.display_latest_end


def visible(facts: RecordFacts, view: View, today: dt.date) -> bool:
    if facts.status == "revoked" or facts.disclosure not in view.levels:
        return False
    if facts.status != "active":  # expired or repaired: ended for others, kept for the person
        return view.expired
    if view.categories is not None and facts.category not in view.categories:
        return False
    if not facts.publicised:
        return view.unpublicised
    return view.expired or is_displayed(facts, today)


def off_hours(at: dt.datetime) -> bool:
    local = at.astimezone(CHINA)
    start, end = WORKING_HOURS
    return local.weekday() >= 5 or not start <= local.time() < end


def flags_for(
    *,
    at: dt.datetime,
    subjects_last_hour: int,
    refusals_last_hour: int,
    consent_missing: bool,
    max_subjects: int,
    max_refusals: int,
) -> list[Flag]:
    """The flags of one query; the counts include the query itself."""
    flags = []
    if subjects_last_hour > max_subjects:
        flags.append(Flag.BULK)
    if off_hours(at):
        flags.append(Flag.OFF_HOURS)
    if refusals_last_hour >= max_refusals:
        flags.append(Flag.REPEATED_REFUSALS)
    if consent_missing:
        flags.append(Flag.NO_CONSENT)
    return flags
