"""Display periods (展示期限/公示期限, R-4.2): rule sets as data and ONE pure function.

Conventions (documented in docs/catalog.md):

* A period runs from its start date (for penalties: the date of the decision document). A
  period of N months ends on the day of the N-th month that corresponds to the start day; when
  that month has no such day, on its last day (《中华人民共和国民法典》第二百零一条、
  第二百零二条). So 2026-01-31 plus 1 month ends on 2026-02-28. `earliest_end` and
  `latest_end` are such last days, inclusive: the record is shown up to and including
  `latest_end`, and repair may be granted once `earliest_end` has passed.
* A penalty decision is judged by the regime in force on its decision date: the regime with the
  latest `effective_from` on or before that date (NDRC Order 58 before 2026-04-01, Order 36 from
  2026-04-01). If no regime was yet in force, the oldest one applies only when it says
  `judges_earlier_decisions`.
* One decision with several penalty types takes the longest period among its types.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from chengxin.catalog.fields import Bilingual
from chengxin.catalog.vocab import DisplayKind, Domain, PenaltyType, Severity
from chengxin.errors import InvalidInput

ANY_SEVERITY = "any"
"""Tier key of a regime that does not grade penalties by severity."""


@dataclass(frozen=True, slots=True)
class DisplayRule:
    """A named way to compute an item's display period; items name one by `display_rule`."""

    name: str
    kind: DisplayKind
    description: Bilingual
    source: str  # the law, regulation or decision the rule follows, or why it was chosen
    start_field: str | None = None  # record field (a date) the period runs from
    end_field: str | None = None  # record field (a date) the period ends on, if given
    min_months: int | None = None
    max_months: int | None = None


@dataclass(frozen=True, slots=True)
class Term:
    """Publicity term of a tier or penalty type: minimum and maximum in months."""

    max_months: int
    min_months: int = 0
    publicised: bool = True  # False: not publicised in principle


@dataclass(frozen=True, slots=True)
class LongerMinimum:
    """A longer minimum term for some domains or topics (e.g. special equipment)."""

    min_months: int
    domains: frozenset[Domain] = frozenset()
    topics: frozenset[str] = frozenset()

    def applies(self, domain: Domain, topics: Collection[str]) -> bool:
        return domain in self.domains or any(t in self.topics for t in topics)


@dataclass(frozen=True, slots=True)
class PenaltyRegime:
    """A rule set for administrative penalty information, in force from `effective_from`."""

    code: str
    title: Bilingual
    source: str
    effective_from: dt.date
    tiers: Mapping[str, Term]  # keys: severities, or only ANY_SEVERITY
    judges_earlier_decisions: bool = False  # honoured on the oldest regime only
    longer_minimum: tuple[LongerMinimum, ...] = ()
    type_terms: Mapping[PenaltyType, Term] = field(default_factory=dict)
    not_publicised_alone: frozenset[PenaltyType] = frozenset()
    summary_procedure_not_publicised: bool = False

    @property
    def graded(self) -> bool:
        return ANY_SEVERITY not in self.tiers


@dataclass(frozen=True, slots=True)
class DisplayPeriod:
    """When a record is shown. `latest_end` None: no automatic end (until removed or
    superseded); `earliest_end` None: no minimum term."""

    start: dt.date
    earliest_end: dt.date | None
    latest_end: dt.date | None
    rule: str
    regime: str | None = None
    basis: str = ""

    def is_shown(self, on: dt.date, ended_on: dt.date | None = None) -> bool:
        """Shown on `on`, given the date an early end (repair, removal) took effect, if any."""
        if on < self.start:
            return False
        if self.latest_end is not None and on > self.latest_end:
            return False
        return ended_on is None or on < ended_on


@dataclass(frozen=True, slots=True)
class NotPublicised:
    """The record is kept (and shared as its disclosure level allows) but not displayed."""

    rule: str
    reason: str
    regime: str | None = None

    def is_shown(self, on: dt.date, ended_on: dt.date | None = None) -> bool:  # noqa: ARG002
        return False


def add_months(start: dt.date, months: int) -> dt.date:
    """The corresponding day `months` later, clamped to the month's end (民法典第二百零二条)."""
    if months < 0:
        raise ValueError("months must not be negative")
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def regime_for(regimes: Sequence[PenaltyRegime], decision_date: dt.date) -> PenaltyRegime:
    """The regime that judges a decision of this date."""
    ordered = sorted(regimes, key=lambda r: r.effective_from)
    in_force = [r for r in ordered if r.effective_from <= decision_date]
    if in_force:
        return in_force[-1]
    if ordered and ordered[0].judges_earlier_decisions:
        return ordered[0]
    raise InvalidInput(
        f"no penalty display regime was in force on {decision_date}",
        field="decision_date",
        rule="no_regime",
    )


def display_period(
    rule: DisplayRule,
    regimes: Sequence[PenaltyRegime],
    *,
    start: dt.date,
    end: dt.date | None = None,
    domain: Domain = Domain.GENERAL,
    topics: Collection[str] = (),
    severity: Severity | None = None,
    penalty_types: Collection[PenaltyType] = (),
    summary_procedure: bool = False,
    publicise_minor: bool = False,
) -> DisplayPeriod | NotPublicised:
    """The display period of one record under `rule`.

    `start` is the record's start date (for penalties the decision date, which also picks the
    regime); `end` its own end date if it has one (validity end, list term end). `domain` and
    `topics` are the item's. `publicise_minor` is set when a minor penalty is publicised by
    exception (Order 36: at most 3 months).
    """
    if rule.kind is DisplayKind.NOT_DISPLAYED:
        return NotPublicised(rule.name, "this item is not displayed")
    if rule.kind is DisplayKind.PENALTY_REGIME:
        return _penalty_period(
            rule,
            regimes,
            start=start,
            domain=domain,
            topics=topics,
            severity=severity,
            penalty_types=penalty_types,
            summary_procedure=summary_procedure,
            publicise_minor=publicise_minor,
        )
    if end is not None and end < start:
        raise InvalidInput(
            f"ends before it starts ({rule.start_field})",
            field=rule.end_field or "end",
            rule="before_start",
        )
    earliest = add_months(start, rule.min_months) if rule.min_months is not None else None
    cap = add_months(start, rule.max_months) if rule.max_months is not None else None
    if rule.kind is DisplayKind.FIXED_TERM:
        return DisplayPeriod(start, earliest, cap, rule.name, basis=rule.source)
    bounds = [d for d in (end, cap) if d is not None]
    latest = min(bounds) if bounds else None
    return DisplayPeriod(start, earliest, latest, rule.name, basis=rule.source)


def _penalty_period(
    rule: DisplayRule,
    regimes: Sequence[PenaltyRegime],
    *,
    start: dt.date,
    domain: Domain,
    topics: Collection[str],
    severity: Severity | None,
    penalty_types: Collection[PenaltyType],
    summary_procedure: bool,
    publicise_minor: bool,
) -> DisplayPeriod | NotPublicised:
    regime = regime_for(regimes, start)
    types = frozenset(penalty_types)
    if not types:
        raise InvalidInput(
            "at least one penalty type is required", field="penalty_types", rule="required"
        )
    if summary_procedure and regime.summary_procedure_not_publicised:
        return NotPublicised(
            rule.name, "penalties under the summary procedure are not publicised", regime.code
        )
    if types <= regime.not_publicised_alone:
        return NotPublicised(
            rule.name,
            f"{' / '.join(sorted(types))} alone is not publicised",
            regime.code,
        )
    base = _tier(regime, severity)
    terms: list[Term] = []
    for penalty in sorted(types - regime.not_publicised_alone):
        term = regime.type_terms.get(penalty, base)
        if term.publicised or publicise_minor:
            terms.append(term)
    if not terms:
        return NotPublicised(
            rule.name,
            f"{severity or 'this'} penalty information is not publicised in principle",
            regime.code,
        )
    raised = max(
        (lm.min_months for lm in regime.longer_minimum if lm.applies(domain, topics)), default=0
    )
    longest = max(terms, key=lambda t: (t.max_months, max(t.min_months, raised)))
    min_months = max(longest.min_months, raised) if longest.publicised else 0
    return DisplayPeriod(
        start,
        add_months(start, min_months),
        add_months(start, longest.max_months),
        rule.name,
        regime=regime.code,
        basis=regime.source,
    )


def _tier(regime: PenaltyRegime, severity: Severity | None) -> Term:
    if not regime.graded:
        return regime.tiers[ANY_SEVERITY]
    if severity is None:
        raise InvalidInput(
            f"a severity ({', '.join(Severity)}) is required for decisions judged under "
            f"{regime.code}",
            field="severity",
            rule="required",
        )
    term = regime.tiers.get(severity)
    if term is None:
        raise InvalidInput(
            f"{regime.code} has no term for severity {severity}",
            field="severity",
            rule="no_term",
        )
    return term
