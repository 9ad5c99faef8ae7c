"""What the check routes answer: each measure with its legal basis, effect and reasons, the
reasons named in the platform's words (item and list names) beside their ids."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from pydantic import BaseModel

from chengxin.catalog.schema import Catalog
from chengxin.lists.types import ListTypes
from chengxin.measures.checks import CheckAnswer, reason_json
from chengxin.measures.models import Check, CheckFeedback, CheckResult
from chengxin.measures.types import SCENARIO_NAMES, Measure, Measures, Scenario


class Names(BaseModel):
    zh: str
    en: str


class BasisOut(BaseModel):
    instrument: str
    article: str


class MeasureOut(BaseModel):
    code: str
    version: dt.date  # the effective_from of the version applied
    kind: str
    effect: str
    name: Names
    implementing_department: Names
    legal_basis: list[BasisOut]
    citation_note: str | None
    duration: Names
    until: dt.date | None  # the last day the longest reason holds; null: while it lasts
    reasons: list[dict[str, Any]]  # kind: list_entry | record | clean_record, with ids and dates


class PersonOut(BaseModel):
    found: bool
    subject_id: uuid.UUID | None  # use it to check the same person again without the ID number
    name: str | None
    id_number: str | None


class FeedbackOut(BaseModel):
    measure: str
    outcome: str
    reason: str | None
    document_number: str | None
    at: dt.datetime
    actor: str


class CheckOut(BaseModel):
    check_id: uuid.UUID
    query_id: uuid.UUID  # the query register entry (and its ledger index) of the door's read
    ledger_index: int | None
    at: dt.datetime
    scenario: str
    scenario_name: Names
    person: PersonOut | None  # only in the answer to the check itself
    measures: list[MeasureOut]
    withheld: list[MeasureOut]  # targeted, but excluded by the measure's `unless` (reasons)
    considered: dict[str, int] | None  # records and list entries weighed
    feedback: list[FeedbackOut]


def _names(zh: str, en: str) -> Names:
    return Names(zh=zh, en=en)


def _named(reason: dict[str, Any], catalog: Catalog, lists: ListTypes) -> dict[str, Any]:
    """The reason with the item's or list's name beside its code."""
    named = dict(reason)
    if "item" in reason:
        items = catalog.versions(reason["item"]) if reason["item"] in catalog.codes() else ()
        named["item_name"] = {"zh": items[-1].name.zh, "en": items[-1].name.en} if items else None
    if "list_type" in reason:
        kinds = lists.versions.get(reason["list_type"], ())
        named["list_name"] = {"zh": kinds[-1].name.zh, "en": kinds[-1].name.en} if kinds else None
    return named


def measure_out(
    measure: Measure,
    reasons: list[dict[str, Any]],
    until: dt.date | None,
    *,
    catalog: Catalog,
    lists: ListTypes,
) -> MeasureOut:
    return MeasureOut(
        code=measure.code, version=measure.effective_from, kind=measure.kind,
        effect=measure.effect, name=_names(measure.name.zh, measure.name.en),
        implementing_department=_names(
            measure.implementing_department.zh, measure.implementing_department.en
        ),
        legal_basis=[BasisOut(instrument=b.instrument, article=b.article)
                     for b in measure.legal_basis],
        citation_note=measure.citation_note,
        duration=_names(measure.duration.zh, measure.duration.en), until=until,
        reasons=[_named(r, catalog, lists) for r in reasons],
    )  # fmt: skip


def _scenario(code: str) -> Names:
    zh, en = SCENARIO_NAMES[Scenario(code)]
    return _names(zh, en)


def answer_out(answer: CheckAnswer, catalog: Catalog, lists: ListTypes) -> CheckOut:
    report = answer.report
    finding = answer.finding
    shown = sum(r.displayed for r in report.records)
    listings = {r.listing.entry_id for a in finding.applicable for r in a.reasons if r.listing}
    return CheckOut(
        check_id=answer.check_id, query_id=report.query_id, ledger_index=report.ledger_index,
        at=answer.at, scenario=answer.scenario, scenario_name=_scenario(answer.scenario),
        person=PersonOut(found=report.found, subject_id=answer.subject_id, name=report.name,
                         id_number=report.id_number),
        measures=[measure_out(a.measure, [reason_json(r) for r in a.reasons], a.until,
                              catalog=catalog, lists=lists) for a in finding.applicable],
        withheld=[measure_out(a.measure, [reason_json(r) for r in a.reasons], a.until,
                              catalog=catalog, lists=lists) for a in finding.withheld],
        considered={"records": shown, "list_entries_in_reasons": len(listings)},
        feedback=[],
    )  # fmt: skip


def stored_out(
    check: Check,
    results: list[CheckResult],
    feedback: list[tuple[CheckFeedback, str | None]],
    *,
    measures: Measures,
    catalog: Catalog,
    lists: ListTypes,
) -> CheckOut:
    """A stored check as its department reads it later: the measure versions then applied."""
    return CheckOut(
        check_id=check.id, query_id=check.query_id, ledger_index=None, at=check.at,
        scenario=check.scenario, scenario_name=_scenario(check.scenario), person=None,
        measures=[measure_out(measures.version(r.measure_code, r.measure_version),
                              json.loads(r.reasons), r.until, catalog=catalog, lists=lists)
                  for r in results],
        withheld=[], considered=None,
        feedback=[FeedbackOut(measure=f.measure_code, outcome=f.outcome, reason=reason,
                              document_number=f.document_number, at=f.at, actor=f.actor)
                  for f, reason in feedback],
    )  # fmt: skip
