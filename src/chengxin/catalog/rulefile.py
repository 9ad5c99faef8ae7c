"""Reading `kind: display_rules` and `kind: penalty_regime` files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from chengxin.catalog.itemfile import FIELD_NAME, TOPIC, read_bilingual
from chengxin.catalog.periods import ANY_SEVERITY, DisplayRule, LongerMinimum, PenaltyRegime, Term
from chengxin.catalog.reader import MapReader
from chengxin.catalog.schema import Origin
from chengxin.catalog.vocab import DisplayKind, Domain, PenaltyType, Severity

RULE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
REGIME_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
MAX_MONTHS = 1200

# Which of start_field, end_field, min_months, max_months each kind takes: required / allowed.
_KIND_KEYS: dict[DisplayKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    DisplayKind.PENALTY_REGIME: (("start_field",), ()),
    DisplayKind.FIXED_TERM: (("start_field", "max_months"), ("min_months",)),
    DisplayKind.WHILE_VALID: (("start_field",), ("end_field", "min_months", "max_months")),
    DisplayKind.UNTIL_REMOVED: (("start_field",), ("end_field", "min_months", "max_months")),
    DisplayKind.NOT_DISPLAYED: ((), ()),
}
_PERIOD_KEYS = ("start_field", "end_field", "min_months", "max_months")


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Placed(Generic[T]):
    """A value read from a file, with where it was defined."""

    value: T
    file: str
    line: int
    origin: Origin


def read_display_rules(r: MapReader, origin: Origin) -> list[Placed[DisplayRule]]:
    out = []
    for index, node in enumerate(r.seq("rules")):
        entry = r.item_reader("rules", index, node)
        if entry is None:
            continue
        rule = _read_rule(entry)
        if rule is not None:
            out.append(Placed(rule, r.file, node.line, origin))
    return out


def _read_rule(r: MapReader) -> DisplayRule | None:
    before = len(r.problems)
    r.check_keys(("name", "kind", "description", "source"), _PERIOD_KEYS)
    name = r.text("name", max_length=64, pattern=RULE_NAME, hint="lower-case letters, digits, _")
    kind = r.enum("kind", DisplayKind)
    description = read_bilingual(r, "description")
    source = r.text("source", max_length=500)
    if kind is not None:
        required, allowed = _KIND_KEYS[kind]
        for key in _PERIOD_KEYS:
            if key in required and not r.has(key):
                r.fail(None, f"a {kind} rule needs {key}")
            elif key in r.node.entries and key not in required + allowed:
                r.fail(key, f"does not apply to a {kind} rule")
    start = r.text("start_field", required=False, max_length=48, pattern=FIELD_NAME)
    end = r.text("end_field", required=False, max_length=48, pattern=FIELD_NAME)
    min_months = _months(r, "min_months")
    max_months = _months(r, "max_months")
    if min_months is not None and max_months is not None and min_months > max_months:
        r.fail("min_months", "is greater than max_months")
    if (
        len(r.problems) != before
        or name is None
        or kind is None
        or description is None
        or source is None
    ):
        return None
    return DisplayRule(name, kind, description, source, start, end, min_months, max_months)


def _months(r: MapReader, key: str, *, required: bool = False) -> int | None:
    value = r.integer(key, required=required, minimum=0)
    if value is not None and value > MAX_MONTHS:
        r.fail(key, f"must be at most {MAX_MONTHS}")
        return None
    return value


def read_regime(r: MapReader, origin: Origin) -> Placed[PenaltyRegime] | None:
    before = len(r.problems)
    r.check_keys(
        ("kind", "code", "title", "source", "effective_from", "tiers"),
        ("judges_earlier_decisions", "longer_minimum", "type_terms", "not_publicised"),
    )
    code = r.text("code", max_length=64, pattern=REGIME_CODE, hint="lower-case words joined by -")
    title = read_bilingual(r, "title")
    source = r.text("source", max_length=500)
    effective_from = r.date("effective_from")
    earlier = r.boolean("judges_earlier_decisions", default=False)
    tiers = _read_tiers(r)
    longer = _read_longer_minimum(r)
    type_terms = _read_type_terms(r)
    alone, summary = _read_not_publicised(r)
    for lm in longer:
        for key, term in tiers.items():
            if term.publicised and lm.min_months > term.max_months:
                r.fail("longer_minimum", f"min_months exceeds the maximum of tier {key}")
    if (
        len(r.problems) != before
        or code is None
        or title is None
        or source is None
        or effective_from is None
    ):
        return None
    regime = PenaltyRegime(
        code=code,
        title=title,
        source=source,
        effective_from=effective_from,
        tiers=tiers,
        judges_earlier_decisions=earlier,
        longer_minimum=tuple(longer),
        type_terms=type_terms,
        not_publicised_alone=alone,
        summary_procedure_not_publicised=summary,
    )
    return Placed(regime, r.file, r.node.line, origin)


def _read_term(r: MapReader) -> Term | None:
    before = len(r.problems)
    r.check_keys(("max_months",), ("min_months", "publicised"))
    max_months = _months(r, "max_months", required=True)
    min_months = _months(r, "min_months") or 0
    publicised = r.boolean("publicised", default=True)
    if max_months is not None and min_months > max_months:
        r.fail("min_months", "is greater than max_months")
    if len(r.problems) != before or max_months is None:
        return None
    return Term(max_months, min_months, publicised)


def _read_tiers(r: MapReader) -> dict[str, Term]:
    sub = r.map("tiers")
    if sub is None:
        return {}
    keys = set(sub.node.entries)
    graded = {str(s) for s in Severity}
    if keys not in ({ANY_SEVERITY}, graded):
        sub.fail(None, f"give either one tier '{ANY_SEVERITY}' or all of: {', '.join(Severity)}")
        return {}
    out: dict[str, Term] = {}
    for key in sorted(keys):
        term_reader = sub.map(key)
        term = _read_term(term_reader) if term_reader is not None else None
        if term is not None:
            out[key] = term
    return out


def _read_longer_minimum(r: MapReader) -> list[LongerMinimum]:
    out = []
    for index, node in enumerate(r.seq("longer_minimum", required=False)):
        entry = r.item_reader("longer_minimum", index, node)
        if entry is None or not entry.check_keys(("min_months",), ("domains", "topics")):
            continue
        months = _months(entry, "min_months", required=True)
        domains = entry.enums("domains", Domain, required=False)
        topics = entry.texts("topics", required=False, max_length=48)
        for topic in topics:
            if not TOPIC.fullmatch(topic):
                entry.fail("topics", f"{topic!r}: use lower-case letters, digits and _")
        if not domains and not topics:
            entry.fail(None, "name at least one domain or topic")
        elif months is not None:
            out.append(LongerMinimum(months, frozenset(domains), frozenset(topics)))
    return out


def _read_type_terms(r: MapReader) -> dict[PenaltyType, Term]:
    sub = r.map("type_terms", required=False)
    if sub is None:
        return {}
    out: dict[PenaltyType, Term] = {}
    for key in sub.node.entries:
        try:
            penalty = PenaltyType(key)
        except ValueError:
            sub.fail(key, f"unknown penalty type (expected one of: {', '.join(PenaltyType)})")
            continue
        term_reader = sub.map(key)
        term = _read_term(term_reader) if term_reader is not None else None
        if term is not None:
            out[penalty] = term
    return out


def _read_not_publicised(r: MapReader) -> tuple[frozenset[PenaltyType], bool]:
    sub = r.map("not_publicised", required=False)
    if sub is None or not sub.check_keys((), ("penalty_types_alone", "summary_procedure")):
        return frozenset(), False
    alone = sub.enums("penalty_types_alone", PenaltyType, required=False)
    return frozenset(alone), sub.boolean("summary_procedure", default=False)
