"""What the console shows of objections (异议) and repairs (信用修复): the labels of their kinds,
states, deadlines, steps and evidence, the queue's rows with their item and source, and a case
with its record, its source and the masked identity of the person."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.collection.models import Source
from chengxin.collection.sources import list_sources
from chengxin.disputes.deadlines import CaseRow
from chengxin.disputes.models import CaseKind, Objection, RepairCase
from chengxin.disputes.repairs import repair_unmet
from chengxin.disputes.rules import ObjectionState, RepairState
from chengxin.disputes.views import CaseOut
from chengxin.identity.service import is_person, reveal_person
from chengxin.records.models import Record
from chengxin.runtime import Runtime
from chengxin.web.console_times import beijing
from chengxin.web.i18n import N_

KINDS = {
    CaseKind.OBJECTION: N_("Objection (异议)"),
    CaseKind.REPAIR: N_("Credit repair (信用修复)"),
}
STATES = {
    ("objection", "filed"): N_("Filed: the platform accepts or rejects it"),
    ("objection", "verifying"): N_("With the source for verification"),
    ("objection", "rejected"): N_("Not accepted"),
    ("objection", "corrected"): N_("Record corrected"),
    ("objection", "revoked"): N_("Record revoked"),
    ("objection", "upheld"): N_("Record upheld"),
    ("objection", "withdrawn"): N_("Withdrawn by the applicant"),
    ("repair", "applied"): N_("Applied: the platform checks and forwards it"),
    ("repair", "forwarded"): N_("With the designating source for decision"),
    ("repair", "approved"): N_("Repair approved"),
    ("repair", "rejected"): N_("Repair refused"),
    ("repair", "withdrawn"): N_("Withdrawn by the applicant"),
}
# The open stages a queue can be narrowed to: (kind, state).
STAGES = {
    "filed": ("objection", N_("Objections waiting for acceptance")),
    "verifying": ("objection", N_("Objections with the source")),
    "applied": ("repair", N_("Repairs waiting for the platform's check")),
    "forwarded": ("repair", N_("Repairs with the designating source")),
}
DUE = {
    "accept": N_("The platform accepts or rejects the filing"),
    "source-answer": N_("The source answers"),
    "decide": N_("The case is decided (overall limit)"),
    "forward": N_("The platform forwards or rejects the application"),
    "source-decision": N_("The source decides"),
}
EVENTS = {
    "file": N_("Filed"), "apply": N_("Application filed"), "accept": N_("Accepted"),
    "reject": N_("Rejected"), "withdraw": N_("Withdrawn"), "correct": N_("Record corrected"),
    "revoke": N_("Record revoked"), "uphold": N_("Record upheld"),
    "reopen": N_("Reopened for verification"), "review-uphold": N_("Decision upheld on review"),
    "forward": N_("Forwarded to the source"), "approve": N_("Repair approved"),
}  # fmt: skip
REPAIR_EVENTS = EVENTS | {"reject": N_("Repair refused")}
EVIDENCE = {
    "performed_after": N_("Obligations performed after the fact"),
    "extension_approved": N_("An approved extension"),
    "written_explanation": N_("A written explanation"),
    "on_time_performance": N_("On-time performance"),
    "volunteer_service": N_("Volunteer service"),
    "charitable_donation": N_("Charitable donation"),
}
UNMET = {
    "not-dishonesty": N_("the record is not a dishonesty record"),
    "not-displayed": N_("the record is no longer shown"),
    "min-period": N_("the shortest display period has not run out"),
    "obligations": N_("the obligations are not performed"),
    "commitment": N_("no credit commitment"),
    "legal-bar": N_("another law bars repair"),
}
RECORD_STATUS = {
    "active": N_("Active"),
    "revoked": N_("Revoked"),
    "expired": N_("Expired"),
    "repaired": N_("Repaired"),
}
# What a reconsideration (行政复议) or court (行政诉讼) outcome may do to a decided objection,
# from the console (a correction with new field values goes through the API).
REVIEW_OUTCOMES = {
    "reopen": N_("Send the case back to the source for verification"),
    "revoke": N_("Revoke the record"),
    "uphold": N_("The decision stands"),
}
DECIDED = frozenset({"rejected", "corrected", "revoked", "upheld"})


def review_outcomes(state: str) -> dict[str, str]:
    """The outcomes the console may enter on an objection in `state` (none while it is open)."""
    if state not in DECIDED:
        return {}
    return {k: v for k, v in REVIEW_OUTCOMES.items() if not (k == "revoke" and state == "revoked")}


def queue_rows(session: Session, rows: list[CaseRow]) -> list[dict[str, Any]]:
    """The queue's rows with their record's catalog item and the source's code."""
    items: dict[uuid.UUID, str] = {}
    for record_id, item in session.execute(
        select(Record.id, Record.item_code).where(Record.id.in_({r.record_id for r in rows}))
    ):
        items[record_id] = item
    codes = {s.id: s.code for s in list_sources(session)}
    return [
        {"kind": r.kind.value, "id": r.id, "state": r.state, "due": r.deadline_step,
         "deadline": r.deadline, "provisional": r.deadline_provisional, "overdue": r.overdue,
         "filed": beijing(r.filed_at), "item": items.get(r.record_id, ""),
         "source": codes.get(r.source_id, "")}
        for r in rows
    ]  # fmt: skip


@dataclass(frozen=True)
class CaseFacts:
    """What the case page shows beside the case itself."""

    record: Record
    item_name: Any  # the catalog item's Bilingual name, None if the version is not loaded
    source: Source
    person: tuple[str, str] | None  # masked name and ID number
    unmet: list[str]  # repairs waiting for the platform: conditions not met today


def case_facts(
    session: Session, rt: Runtime, case: Objection | RepairCase, today: dt.date
) -> CaseFacts:
    record = session.get_one(Record, case.record_id)
    item = rt.catalog.find(record.item_code, record.item_version)
    person = None
    if is_person(session, case.subject_id):
        seen = reveal_person(session, rt.keys, case.subject_id)
        person = (seen.masked_name, seen.masked_id_number)
    unmet: list[str] = []
    if isinstance(case, RepairCase) and case.state is RepairState.APPLIED:
        unmet = repair_unmet(rt.disputes.rules, record, today)[1]
    return CaseFacts(record, None if item is None else item.name,
                     session.get_one(Source, case.source_id), person, unmet)  # fmt: skip


def steps_of(view: CaseOut) -> list[dict[str, Any]]:
    return [{"when": beijing(s.at), "event": s.event, "actor": "", "reason": s.reason or "",
             "document": s.document_number} for s in view.steps]  # fmt: skip


def waits_for_source(kind: str, state: str) -> bool:
    """Only the source may take the next step (谁认定、谁负责): the staff wait and remind."""
    return (kind, state) in {
        ("objection", ObjectionState.VERIFYING.value),
        ("repair", RepairState.FORWARDED.value),
    }
