"""The check service (核查, R-6.4): an implementing department asks which measures apply to a
person in a scenario. The person's records are read through the one door with the department's
legal basis, in the same transaction that stores the check and its results."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from chengxin.access.principal import Principal
from chengxin.catalog.schema import Catalog
from chengxin.clock import china_today
from chengxin.consents.rules import Purpose
from chengxin.errors import Forbidden, InvalidInput
from chengxin.keys import KeyRing
from chengxin.lists.models import ListEntry
from chengxin.lists.queries import in_effect_on
from chengxin.measures.models import Check, CheckResult
from chengxin.measures.rules import (
    Applicable,
    Facts,
    Finding,
    ListingFact,
    Reason,
    RecordFact,
    find_measures,
)
from chengxin.measures.types import Measures, Scenario
from chengxin.queries import service as door
from chengxin.queries.records import RecordView
from chengxin.queries.service import PersonReport
from chengxin.queries.thresholds import Thresholds

CHANNEL = "check"
MAX_MATTER_CHARS = 200


@dataclass(frozen=True)
class CheckAnswer:
    check_id: uuid.UUID
    at: dt.datetime
    scenario: Scenario
    subject_id: uuid.UUID | None
    report: PersonReport  # the door's answer: who, and the records it read
    finding: Finding


def parse_scenario(value: str) -> Scenario:
    try:
        return Scenario(value)
    except ValueError:
        allowed = ", ".join(s.value for s in Scenario)
        raise InvalidInput(f"must be one of {allowed}", field="scenario", rule="enum") from None


def _record_fact(r: RecordView) -> RecordFact:
    return RecordFact(
        record_id=r.record_id, item=r.item, document_number=r.document_number,
        category=r.category, severity=r.severity, decision_date=r.decision_date,
        display_end=r.display_end, under_objection=r.under_objection,
    )  # fmt: skip


def _listing_fact(e: ListEntry) -> ListingFact:
    return ListingFact(
        entry_id=e.id, list_type=e.list_type, list_kind=e.list_kind,
        document_number=e.document_number, effective_from=e.effective_from,
        term_end=e.term_end, via_organisation=e.via_organisation_id is not None,
    )  # fmt: skip


def _facts(
    session: Session, records: list[RecordView], subject_id: uuid.UUID | None, today: dt.date
) -> Facts:
    """Only records shown today (within their display period, not expired or repaired) and
    list entries in effect today count (R-4.2)."""
    shown = [_record_fact(r) for r in records if r.displayed]
    listings = []
    if subject_id is not None:
        listings = [_listing_fact(e) for e in in_effect_on(session, subject_id, today)]
    return Facts(today, subject_id is not None, shown, listings)


def reason_json(reason: Reason) -> dict[str, Any]:
    """A reason as stored and served: kinds, ids, codes and dates, no personal data."""
    out: dict[str, Any] = {"kind": str(reason.kind), "until": _iso(reason.until)}
    if reason.listing is not None:
        entry = reason.listing
        out |= {
            "entry_id": str(entry.entry_id), "list_type": entry.list_type,
            "list_kind": str(entry.list_kind), "document_number": entry.document_number,
            "effective_from": _iso(entry.effective_from), "term_end": _iso(entry.term_end),
            "via_organisation": entry.via_organisation,
        }  # fmt: skip
    if reason.record is not None:
        record = reason.record
        out |= {
            "record_id": str(record.record_id), "item": record.item,
            "document_number": record.document_number, "category": record.category,
            "severity": record.severity, "decision_date": record.decision_date.isoformat(),
            "display_end": _iso(record.display_end), "under_objection": record.under_objection,
        }  # fmt: skip
    if reason.years is not None:
        out |= {"years": reason.years, "since": _iso(reason.since)}
    return out


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _store(
    session: Session,
    *,
    check_id: uuid.UUID,
    at: dt.datetime,
    principal: Principal,
    requester_id: uuid.UUID,
    scenario: Scenario,
    subject_id: uuid.UUID | None,
    query_id: uuid.UUID,
    found: list[Applicable],
) -> None:
    session.add(
        Check(
            id=check_id, at=at, requester_id=requester_id, actor=principal.actor,
            subject_id=subject_id, scenario=scenario, query_id=query_id, measures=len(found),
        )
    )  # fmt: skip
    session.flush()
    if found:
        session.execute(insert(CheckResult), [
            {"id": uuid.uuid4(), "check_id": check_id, "measure_code": a.measure.code,
             "measure_version": a.measure.effective_from, "kind": a.measure.kind,
             "effect": a.measure.effect, "until": a.until,
             "reasons": json.dumps([reason_json(r) for r in a.reasons], sort_keys=True)}
            for a in found
        ])  # fmt: skip


def run_check(
    sessions: sessionmaker[Session],
    keys: KeyRing,
    catalog: Catalog,
    measures: Measures,
    now: dt.datetime,
    *,
    principal: Principal,
    scenario: str,
    legal_basis: str | None,
    thresholds: Thresholds,
    id_number: str | None = None,
    subject_id: uuid.UUID | None = None,
) -> CheckAnswer:
    """Check a person for a department (R-6.4). The door registers the query (refusals too);
    the check and the measures found are stored with it, in one transaction."""
    chosen = parse_scenario(scenario)
    if principal.requester_id is None:
        raise Forbidden("only a department's key or staff account checks", field="requester",
                        rule="department")  # fmt: skip
    today = china_today(now)
    with sessions() as session, session.begin():
        read = door.read_door(
            session, keys, catalog, now, principal=principal,
            purpose=Purpose.ADMINISTRATIVE_DUTY, id_number=id_number, subject_id=subject_id,
            legal_basis=legal_basis, thresholds=thresholds, channel=CHANNEL,
        )  # fmt: skip
        finding = Finding([], [])
        if read.refusal is None:  # every read first: the register's write locks the ledger
            facts = _facts(session, read.records, read.subject_id, today)
            finding = find_measures(measures.in_force(today), chosen, facts)
        answer = door.register_read(session, now, read)
        if answer.refusal is None:
            check_id = uuid.uuid4()
            _store(
                session, check_id=check_id, at=now, principal=principal,
                requester_id=principal.requester_id, scenario=chosen,
                subject_id=answer.subject_id, query_id=answer.report.query_id,
                found=finding.applicable,
            )  # fmt: skip
    if answer.refusal is not None:
        raise answer.refusal
    return CheckAnswer(check_id, now, chosen, answer.subject_id, answer.report, finding)
