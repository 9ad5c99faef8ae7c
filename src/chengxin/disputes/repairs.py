"""Credit repair verbs (信用修复, R-4.3): apply, forward or reject (the platform), approve or reject
(the designating source: 谁认定、谁修复), withdraw; and the person's own explanation (自主解释)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.clock import china_today
from chengxin.disputes.attachments import Evidence
from chengxin.disputes.cases import (
    advance,
    clean_text,
    deadline_columns,
    held_here,
    record_step,
    save_files,
    tell,
)
from chengxin.disputes.config import DisputeContext, DisputeRules
from chengxin.disputes.models import Explanation, RepairCase
from chengxin.disputes.rules import (
    REPAIR_OPEN,
    RepairEvent,
    RepairFacts,
    RepairRuleSet,
    RepairState,
    next_repair_state,
    repair_deadline,
    rule_set_for,
    unmet_conditions,
)
from chengxin.disputes.rules import (
    Evidence as EvidenceKind,
)
from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.keys import KeyRing
from chengxin.ledger.service import append_entry
from chengxin.notifications.service import notify
from chengxin.records.changes import change_record
from chengxin.records.models import Change, Record, RecordStatus
from chengxin.sealed import seal, unseal
from chengxin.workdays.rules import Calendar

UNMET_MESSAGES = {
    "not-dishonesty": "only bad or serious dishonesty records can be repaired",
    "not-displayed": "the record is not displayed (revoked, expired or already repaired)",
    "min-period": "the minimum display period has not passed yet",
    "obligations": "the obligations must be performed first",
    "commitment": "a signed credit commitment (信用承诺书) is required",
    "legal-bar": "another law bars repair",
}
NOTICES = {
    RepairState.APPLIED: ("您的信用修复申请已提交", "Your credit repair application was filed"),
    RepairState.FORWARDED: ("您的信用修复申请已转认定单位", "Your application went to the source"),
    RepairState.APPROVED: (
        "准予信用修复：相关记录停止公示",
        "Repair approved: the record is no longer shown",
    ),
    RepairState.REJECTED: ("不予信用修复", "Credit repair was refused"),
    RepairState.WITHDRAWN: ("您已撤回信用修复申请", "You withdrew your repair application"),
}


def _rules_for(rules: DisputeRules, record: Record) -> RepairRuleSet:
    return rule_set_for(rules.repair_rule_sets, record.decision_date)


def _deadline(
    rule_set: RepairRuleSet,
    calendar: Calendar,
    *,
    state: RepairState,
    applied_at: dt.datetime,
    forwarded_on: dt.date | None,
) -> dict[str, Any]:
    return deadline_columns(
        repair_deadline(
            rule_set,
            calendar,
            state=state,
            applied_on=china_today(applied_at),
            forwarded_on=forwarded_on,
        )
    )


def repair_facts(
    record: Record, *, obligations_performed: bool, commitment_signed: bool, legal_bar: bool
) -> RepairFacts:
    return RepairFacts(
        category=record.category,
        status=record.status,
        severity=record.severity,
        earliest_end=record.display_earliest_end,
        obligations_performed=obligations_performed,
        commitment_signed=commitment_signed,
        legal_bar=legal_bar,
    )


def evidence_kinds(evidence: list[str]) -> list[EvidenceKind]:
    """The corrective actions an application names: at least one, each a known kind."""
    kinds = []
    for raw in evidence:
        try:
            kinds.append(EvidenceKind(raw))
        except ValueError:
            allowed = ", ".join(e.value for e in EvidenceKind)
            raise InvalidInput(f"must be among {allowed}", field="evidence", rule="enum") from None
    if not kinds:
        raise InvalidInput("name at least one corrective action", field="evidence", rule="required")
    return kinds


def check_statement(statement: str) -> str:
    """What the applicant did to correct the conduct: 5 to 2,000 characters."""
    return clean_text(statement, "statement", minimum=5)


def check_commitment(commitment: str) -> str:
    """The credit commitment (信用承诺书): 10 to 2,000 characters."""
    return clean_text(commitment, "commitment", minimum=10)


def repair_unmet(
    rules: DisputeRules, record: Record, today: dt.date
) -> tuple[RepairRuleSet, list[str]]:
    """The regime a record is judged by, and the conditions an application would fail today.
    The applicant's own part (obligations performed, a commitment signed) is taken as given, as
    an application gives it; the source checks it when it decides."""
    rule_set = _rules_for(rules, record)
    facts = repair_facts(
        record, obligations_performed=True, commitment_signed=True, legal_bar=False
    )
    return rule_set, unmet_conditions(rule_set, facts, today)


def open_repair_records(session: Session, record_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these records have a repair application open now."""
    if not record_ids:
        return set()
    return set(
        session.scalars(
            select(RepairCase.record_id).where(
                RepairCase.record_id.in_(record_ids), RepairCase.state.in_(REPAIR_OPEN)
            )
        )
    )


def apply_repair(
    session: Session,
    ctx: DisputeContext,
    now: dt.datetime,
    *,
    subject_id: uuid.UUID,
    record_id: uuid.UUID,
    evidence: list[str],
    statement: str,
    commitment: str,
    files: list[Evidence],
    actor: str,
) -> RepairCase:
    """Apply to repair a bad record. Refused at once, naming the condition, when the regime in
    force on the record's decision date does not allow it yet."""
    keys, calendar, rules = ctx.keys, ctx.calendar, ctx.rules
    kinds = evidence_kinds(evidence)
    text, promise = check_statement(statement), check_commitment(commitment)
    record = session.get(Record, record_id)
    if record is None or record.subject_id != subject_id:
        raise NotFound("no record of yours has this id", field="record_id")
    held_here(record)
    rule_set, unmet = repair_unmet(rules, record, china_today(now))
    if unmet:
        raise InvalidInput(
            f"{UNMET_MESSAGES[unmet[0]]} ({rule_set.name})", field="record_id", rule=unmet[0]
        )
    if session.scalar(
        select(RepairCase.id).where(
            RepairCase.record_id == record.id, RepairCase.state.in_(REPAIR_OPEN)
        )
    ):
        raise Conflict(
            "a repair application for this record is open", field="record_id", rule="open-repair"
        )
    case_id = uuid.uuid4()
    case = RepairCase(
        id=case_id,
        subject_id=subject_id,
        record_id=record.id,
        source_id=record.source_id,
        filed_at=now,
        filed_by=actor[:100],
        version=1,
        state=RepairState.APPLIED,
        rule_set=rule_set.name,
        evidence=",".join(sorted(set(kinds))),
        statement_enc=seal(keys, "repair_cases", "statement_enc", case_id, text),
        commitment_enc=seal(keys, "repair_cases", "commitment_enc", case_id, promise),
        **_deadline(
            rule_set, calendar, state=RepairState.APPLIED, applied_at=now, forwarded_on=None
        ),
    )
    session.add(case)
    session.flush()
    save_files(session, keys, now, case=case, files=files)
    record_step(session, keys, now, case=case, event="apply", from_state=None, actor=actor)
    zh, en = NOTICES[case.state]
    tell(session, keys, now, case=case, topic="repair.applied", zh=zh, en=en)
    return case


def get_repair(
    session: Session,
    case_id: uuid.UUID,
    *,
    subject_id: uuid.UUID | None = None,
    source_id: uuid.UUID | None = None,
) -> RepairCase:
    case = session.get(RepairCase, case_id)
    if (
        case is None
        or (subject_id and case.subject_id != subject_id)
        or (source_id and case.source_id != source_id)
    ):
        raise NotFound("no repair application has this id", field="repair_id")
    return case


def _move(
    session: Session,
    ctx: DisputeContext,
    now: dt.datetime,
    *,
    case: RepairCase,
    event: RepairEvent,
    actor: str,
    reason: str | None,
) -> RepairCase:
    keys, calendar = ctx.keys, ctx.calendar
    before = case.state
    after = next_repair_state(before, event)
    rule_set = next(r for r in ctx.rules.repair_rule_sets if r.name == case.rule_set)
    forwarded = china_today(now) if after is RepairState.FORWARDED else case.forwarded_on
    values: dict[str, Any] = {
        "state": after,
        "forwarded_on": forwarded,
        "decided_at": None if after in REPAIR_OPEN else now,
    }
    values.update(
        _deadline(rule_set, calendar, state=after, applied_at=case.filed_at, forwarded_on=forwarded)
    )
    advance(session, case, values)
    record_step(
        session, keys, now, case=case, event=event, from_state=before, actor=actor, reason=reason
    )
    zh, en = NOTICES[after]
    tell(session, keys, now, case=case, topic=f"repair.{after}", zh=zh, en=en)
    return case


def forward_repair(
    session: Session,
    ctx: DisputeContext,
    now: dt.datetime,
    *,
    case_id: uuid.UUID,
    actor: str,
) -> RepairCase:
    """The platform found the application complete and sends it to the designating source."""
    case = get_repair(session, case_id)
    return _move(session, ctx, now, case=case, event=RepairEvent.FORWARD, actor=actor, reason=None)


def reject_repair(
    session: Session,
    ctx: DisputeContext,
    now: dt.datetime,
    *,
    case_id: uuid.UUID,
    reason: str,
    actor: str,
    source_id: uuid.UUID | None = None,
) -> RepairCase:
    """Refused with reasons: by the platform (incomplete, not eligible) or by the source."""
    case = get_repair(session, case_id, source_id=source_id)
    if source_id is not None and case.state is not RepairState.FORWARDED:
        raise Conflict(
            "the application has not been forwarded to you", field="state", rule="repair-transition"
        )
    return _move(
        session,
        ctx,
        now,
        case=case,
        event=RepairEvent.REJECT,
        actor=actor,
        reason=clean_text(reason, "reason"),
    )


def approve_repair(
    session: Session,
    ctx: DisputeContext,
    now: dt.datetime,
    *,
    case_id: uuid.UUID,
    source_id: uuid.UUID,
    reason: str,
    legal_bar: bool,
    actor: str,
) -> RepairCase:
    """The source approves: publicity ends, sharing and use stop (the record's new version says
    `repaired`), and every recipient of the record is told within 3 working days."""
    case = get_repair(session, case_id, source_id=source_id)
    next_repair_state(case.state, RepairEvent.APPROVE)
    record = session.get_one(Record, case.record_id)
    rule_set = next(r for r in ctx.rules.repair_rule_sets if r.name == case.rule_set)
    facts = repair_facts(
        record, obligations_performed=True, commitment_signed=True, legal_bar=legal_bar
    )
    unmet = unmet_conditions(rule_set, facts, china_today(now))
    if unmet:
        raise InvalidInput(UNMET_MESSAGES[unmet[0]], field="record_id", rule=unmet[0])
    done = change_record(
        session,
        ctx.calendar,
        now,
        record=record,
        change=Change.REPAIRED,
        status=RecordStatus.REPAIRED,
        reason=f"信用修复 repair {case.id}",
        actor=actor,
    )
    if done is None:
        raise Conflict("the record changed meanwhile; try again", field="record_id", rule="stale")
    return _move(
        session,
        ctx,
        now,
        case=case,
        event=RepairEvent.APPROVE,
        actor=actor,
        reason=clean_text(reason, "reason"),
    )


def withdraw_repair(
    session: Session,
    ctx: DisputeContext,
    now: dt.datetime,
    *,
    case_id: uuid.UUID,
    subject_id: uuid.UUID,
    actor: str,
) -> RepairCase:
    case = get_repair(session, case_id, subject_id=subject_id)
    return _move(session, ctx, now, case=case, event=RepairEvent.WITHDRAW, actor=actor, reason=None)


def explain_record(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    *,
    subject_id: uuid.UUID,
    record_id: uuid.UUID,
    text: str,
) -> Explanation:
    """The person's own explanation (自主解释), shown with the record from now on; a new one
    replaces the last."""
    body = clean_text(text, "text", minimum=5)
    record = session.get(Record, record_id)
    if record is None or record.subject_id != subject_id:
        raise NotFound("no record of yours has this id", field="record_id")
    for old in session.scalars(
        select(Explanation).where(
            Explanation.record_id == record.id, Explanation.withdrawn_at.is_(None)
        )
    ):
        old.withdrawn_at = now
    explanation_id = uuid.uuid4()
    row = Explanation(
        id=explanation_id,
        record_id=record.id,
        subject_id=subject_id,
        created_at=now,
        text_enc=seal(keys, "explanations", "text_enc", explanation_id, body),
    )
    session.add(row)
    session.flush()
    return row


def explanations_for(
    session: Session, keys: KeyRing, record_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The current explanation of each of these records that has one."""
    if not record_ids:
        return {}
    rows = session.scalars(
        select(Explanation).where(
            Explanation.record_id.in_(record_ids), Explanation.withdrawn_at.is_(None)
        )
    )
    return {r.record_id: unseal(keys, "explanations", "text_enc", r.id, r.text_enc) for r in rows}


def repair_notice(
    session: Session, ctx: DisputeContext, now: dt.datetime, *, source_id: uuid.UUID,
    source_record_id: str, item: str, actor: str,
) -> dt.date | None:  # fmt: skip
    """两书同达: with its decision the source tells the person how and from when the record can
    be repaired. Returns the first day an application can succeed (None: as soon as the duty is
    performed). The notice goes to the person's inbox, and the ledger records that it was given."""
    record = session.scalar(select(Record).where(
        Record.source_id == source_id, Record.source_record_id == source_record_id,
        Record.item_code == item))  # fmt: skip
    if record is None:
        raise NotFound("you sent no record with this id and item", field="source_record_id")
    if record.category not in {"bad", "serious"} or record.status != RecordStatus.ACTIVE:
        raise InvalidInput("only a displayed dishonesty record can be repaired",
                           field="source_record_id", rule="not-repairable")  # fmt: skip
    rule_set = _rules_for(ctx.rules, record)
    at_once = rule_set.minor_immediate and record.severity == "minor"
    first_day = None
    if not at_once and record.display_earliest_end is not None:
        first_day = record.display_earliest_end + dt.timedelta(days=1)
    when_zh = "履行法定义务后即可申请" if first_day is None else f"自{first_day}起可申请"
    when_en = "as soon as the duty is performed" if first_day is None else f"from {first_day}"
    notify(
        session, ctx.keys, now, subject_id=record.subject_id, topic="repair.notice",
        title_zh="信用修复告知书", title_en="How this record can be repaired",
        body_zh=f"您的记录（{record.item_code}）{when_zh}信用修复：纠正失信行为、履行法定义务并作出"
                f"信用承诺后，可在“我的记录”中提出申请。依据：{rule_set.source}",
        body_en=f"Your record ({record.item_code}) can be repaired {when_en}: correct the conduct, "
                "perform the obligations and sign a credit commitment, then apply under "
                f"'My records'. Basis: {rule_set.name}.",
        ref=str(record.id),
    )  # fmt: skip
    append_entry(session, now, {
        "kind": "dispute", "case": "repair-notice", "id": str(record.id),
        "subject": str(record.subject_id), "record": str(record.id), "event": "notice",
        "from": None, "to": "notified", "actor": actor, "document": record.document_number,
        "reason_hash": None,
    })  # fmt: skip
    return first_day
