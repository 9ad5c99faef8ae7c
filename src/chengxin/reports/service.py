"""Credit reports (R-5.3): assembled through the one door from what the caller may see, signed,
registered with a verification code, and verifiable by anyone holding them."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from pydantic import TypeAdapter
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.access.permissions import Role
from chengxin.access.principal import Principal
from chengxin.catalog.schema import Catalog
from chengxin.clock import china_today
from chengxin.disputes.models import RepairCase
from chengxin.disputes.rules import REPAIR_OPEN
from chengxin.errors import InvalidInput
from chengxin.keys import KeyRing
from chengxin.lists.queries import in_effect_on
from chengxin.lists.types import shipped_types
from chengxin.queries.models import QueryEntry
from chengxin.queries.register import queries_about
from chengxin.queries.service import PersonReport, query_person
from chengxin.queries.thresholds import Thresholds
from chengxin.records.models import Record
from chengxin.reports.models import IssuedReport
from chengxin.reports.signing import (
    VERIFICATION_KEY,
    b64,
    content_hash,
    new_code,
    signed_message,
)
from chengxin.requesters.models import Requester
from chengxin.scoring.model import ScoreModel
from chengxin.scoring.service import explain, is_opted_in
from chengxin.scoring.views import breakdown_dict

FORMAT = "chengxin-credit-report/1"
_PERSON_REPORT = TypeAdapter(PersonReport)
LEGEND = {
    "under_objection": ["异议处理中", "under objection: a dispute about it is open"],
    "pending_repair": ["信用修复申请中", "repair applied for: a decision is pending"],
    "explanation": ["本人说明", "the person's own explanation (自主解释)"],
    "status_expired": ["展示期满", "its display period ended (shown to the person only)"],
    "status_repaired": ["已信用修复", "repaired (shown to the person only)"],
}


def _lists(session: Session, subject_id: uuid.UUID, today: dt.date) -> list[dict[str, Any]]:
    """List memberships in effect today (public information: serious-dishonesty and red lists
    are published; key-supervision lists are shown to the person and to departments only)."""
    types = shipped_types()
    out = []
    for entry in in_effect_on(session, subject_id, today):
        kind = types.in_force(entry.list_type, entry.decision_date)
        out.append({
            "list_type": entry.list_type, "kind": str(entry.list_kind),
            "name": kind.name.zh, "name_en": kind.name.en,
            "effective_from": entry.effective_from.isoformat() if entry.effective_from else None,
            "term_end": entry.term_end.isoformat() if entry.term_end else None,
            "document_number": entry.document_number,
            "via_organisation": entry.via_organisation_id is not None,
        })  # fmt: skip
    return out


@dataclass(frozen=True)
class Verification:
    code: str
    valid: bool
    current: bool  # no record or list entry of the person changed since it was issued
    issued_at: dt.datetime | None
    problem: str | None


def _audience(session: Session, principal: Principal) -> str:
    if principal.requester_id is not None:
        return session.get_one(Requester, principal.requester_id).code
    return str(principal.role)


def _pending_repairs(session: Session, record_ids: list[str]) -> set[str]:
    ids = [uuid.UUID(r) for r in record_ids]
    if not ids:
        return set()
    rows = session.scalars(
        select(RepairCase.record_id).where(
            RepairCase.record_id.in_(ids), RepairCase.state.in_(REPAIR_OPEN)
        )
    )
    return {str(r) for r in rows}


def _score(
    session: Session, model: ScoreModel | None, now: dt.datetime, subject_id: uuid.UUID
) -> dict[str, Any] | None:
    """The integrity score and its breakdown, only for a person who opted in (PIPL art. 24)."""
    if model is None or not is_opted_in(session, subject_id):
        return None
    return breakdown_dict(explain(session, model, now, subject_id))


def _assemble(
    session: Session,
    principal: Principal,
    door: PersonReport,
    issued_at: dt.datetime,
    score_model: ScoreModel | None,
) -> dict[str, Any]:
    seen = _PERSON_REPORT.dump_python(door, mode="json")
    records: list[dict[str, Any]] = seen["records"]
    pending = _pending_repairs(session, [r["record_id"] for r in records])
    for record in records:
        record["pending_repair"] = record["record_id"] in pending
    own = principal.role == Role.CITIZEN
    report: dict[str, Any] = {
        "format": FORMAT,
        "title": ["个人信用报告", "Personal credit report"],
        "issued_at": issued_at.isoformat(),
        "purpose": seen["purpose"],
        "audience": _audience(session, principal),
        "query_id": seen["query_id"],
        "subject": {"found": seen["found"], "name": seen["name"], "id_number": seen["id_number"]},
        "summary": {
            "good": sum(r["category"] == "good" for r in records),
            "bad": sum(r["category"] == "bad" for r in records),
            "serious": sum(r["category"] == "serious" for r in records),
            "basic": sum(r["category"] == "basic" for r in records),
            "under_objection": sum(r["under_objection"] for r in records),
            "pending_repair": len(pending),
        },
        "good_records": [r for r in records if r["category"] == "good"],
        "bad_records": [r for r in records if r["category"] in {"bad", "serious"}],
        "basic_records": [r for r in records if r["category"] == "basic"],
        "legend": LEGEND,
    }
    subject = door_subject(session, door)
    if subject is not None:
        lists = _lists(session, subject, china_today(issued_at))
        sees_supervision = own or principal.role == Role.DEPARTMENT
        report["lists"] = [
            entry for entry in lists if sees_supervision or entry["kind"] != "key_supervision"
        ]
        if own:
            report["score"] = _score(session, score_model, issued_at, subject)
            report["query_history"] = [
                {"at": q.at.isoformat(), "who": who or str(q.role), "purpose": q.purpose,
                 "outcome": str(q.outcome), "ledger_index": q.ledger_index}
                for q, who in queries_about(session, subject)
            ]  # fmt: skip
    return report


def door_subject(session: Session, door: PersonReport) -> uuid.UUID | None:
    """The subject the door answered about (from its register entry)."""
    return session.scalar(select(QueryEntry.subject_id).where(QueryEntry.id == door.query_id))


def issue_report(
    sessions: sessionmaker[Session],
    keys: KeyRing,
    catalog: Catalog,
    now: dt.datetime,
    *,
    principal: Principal,
    purpose: str,
    thresholds: Thresholds,
    id_number: str | None = None,
    consent_id: uuid.UUID | None = None,
    legal_basis: str | None = None,
    score_model: ScoreModel | None = None,
) -> dict[str, Any]:
    """A signed report of what `principal` may see: the query goes through the one door (and is
    registered there, refusals included); the issued report is registered with its code."""
    door = query_person(
        sessions, keys, catalog, now, principal=principal, purpose=purpose, id_number=id_number,
        consent_id=consent_id, legal_basis=legal_basis, thresholds=thresholds,
    )  # fmt: skip
    with sessions() as session, session.begin():
        report = _assemble(session, principal, door, now, score_model)
        code = new_code()
        digest = content_hash(report)
        signature = b64(keys.sign(signed_message(code, digest, report["issued_at"])))
        session.add(
            IssuedReport(
                code=code, subject_id=door_subject(session, door), query_id=door.query_id,
                audience=report["audience"], issued_at=now, content_hash=digest,
                signature=signature,
            )
        )  # fmt: skip
    report[VERIFICATION_KEY] = {
        "code": code, "content_hash": digest, "signature": signature, "algorithm": "ed25519",
        "public_key": keys.public_key_b64, "verify_path": f"/verify/{code}",
    }  # fmt: skip
    return report


def _current(session: Session, issued: IssuedReport) -> bool:
    if issued.subject_id is None:
        return True
    changed = session.scalar(
        select(func.count()).where(
            Record.subject_id == issued.subject_id, Record.updated_at > issued.issued_at
        )
    )
    return not changed


def check_code(session: Session, code: str) -> Verification:
    """What the platform knows of a code: issued, when, and whether the data changed since."""
    issued = session.get(IssuedReport, code.strip().upper()[:19])
    if issued is None:
        return Verification(code, valid=False, current=False, issued_at=None,
                            problem="no report was issued with this code")  # fmt: skip
    return Verification(issued.code, valid=True, current=_current(session, issued),
                        issued_at=issued.issued_at, problem=None)  # fmt: skip


def _failed(code: str, issued: IssuedReport, problem: str) -> Verification:
    return Verification(code, valid=False, current=False, issued_at=issued.issued_at,
                        problem=problem)  # fmt: skip


def verify_report(session: Session, keys: KeyRing, report: dict[str, Any]) -> Verification:
    """Is this report, as given, one the platform issued, unchanged? (A changed line fails.)"""
    block = report.get(VERIFICATION_KEY)
    if not isinstance(block, dict) or not isinstance(block.get("code"), str):
        raise InvalidInput("is missing", field="verification.code", rule="required")
    code = block["code"]
    found = check_code(session, code)
    if not found.valid:
        return found
    issued = session.get_one(IssuedReport, found.code)
    digest = content_hash(report)
    if digest != issued.content_hash:
        return _failed(code, issued, "the content differs from the report issued with this code")
    try:
        signature = base64.b64decode(str(block.get("signature", "")), validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    message = signed_message(issued.code, digest, str(report.get("issued_at")))
    try:
        keys.public_key.verify(signature, message)
    except InvalidSignature:
        return _failed(code, issued, "the signature does not verify")
    return found
