"""Objection verbs (异议, R-4.1): file, accept, reject, withdraw, the source's answer, and the
outcomes of administrative reconsideration or litigation. One verb, one transaction (the caller's),
one step row and ledger entry, one notice to the person."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.catalog.schema import validate_fields
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
from chengxin.disputes.config import DisputeContext
from chengxin.disputes.models import Objection
from chengxin.disputes.rules import (
    OBJECTION_OPEN,
    REVIEW_EVENTS,
    ObjectionEvent,
    ObjectionLimits,
    ObjectionState,
    next_objection_state,
    objection_deadline,
)
from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.records.changes import change_record
from chengxin.records.models import Change, Record, RecordStatus
from chengxin.records.rules import check_dates, record_facts
from chengxin.sealed import seal
from chengxin.workdays.rules import Calendar

NOTICES = {  # what the person is told at each step (zh, en)
    ObjectionState.FILED: (
        "您的异议申请已提交，记录已标注为“异议处理中”",
        "Your objection was filed; the record is marked as under objection",
    ),
    ObjectionState.VERIFYING: (
        "您的异议申请已受理，已转数据提供单位核查",
        "Your objection was accepted and sent to the source for verification",
    ),
    ObjectionState.REJECTED: ("您的异议申请不予受理", "Your objection was not accepted"),
    ObjectionState.CORRECTED: ("经核查，相关记录已更正", "The record was corrected"),
    ObjectionState.REVOKED: ("经核查，相关记录已撤销", "The record was revoked"),
    ObjectionState.UPHELD: ("经核查，维持原记录", "After verification, the record stands"),
    ObjectionState.WITHDRAWN: ("您已撤回异议申请", "You withdrew your objection"),
}


def _record_of(session: Session, subject_id: uuid.UUID, record_id: uuid.UUID) -> Record:
    record = session.get(Record, record_id)
    if record is None or record.subject_id != subject_id:  # another's record: not confirmed
        raise NotFound("no record of yours has this id", field="record_id")
    return record


def _deadline(
    limits: ObjectionLimits,
    calendar: Calendar,
    *,
    state: ObjectionState,
    filed_at: dt.datetime,
    verifying_since: dt.date | None,
) -> dict[str, Any]:
    return deadline_columns(
        objection_deadline(
            limits,
            calendar,
            state=state,
            filed_on=china_today(filed_at),
            verifying_since=verifying_since,
        )
    )


def check_reason(reason: str) -> str:
    """An objection's reasons, trimmed: 5 to 2,000 characters (forms check it before filing)."""
    return clean_text(reason, "reason", minimum=5)


def file_objection(
    session: Session,
    ctx: DisputeContext,
    now: dt.datetime,
    *,
    subject_id: uuid.UUID,
    record_id: uuid.UUID,
    reason: str,
    files: list[Evidence],
    actor: str,
) -> Objection:
    """A person (or their agent) objects to one of their records. From now on the record shows as
    under objection (异议处理中) wherever it appears."""
    keys, calendar, limits = ctx.keys, ctx.calendar, ctx.rules.objections
    text = check_reason(reason)
    record = _record_of(session, subject_id, record_id)
    held_here(record)
    if record.status == RecordStatus.REVOKED:
        raise InvalidInput("the record was revoked", field="record_id", rule="revoked")
    open_case = session.scalar(
        select(Objection.id).where(
            Objection.record_id == record.id, Objection.state.in_(OBJECTION_OPEN)
        )
    )
    if open_case is not None:
        raise Conflict(
            "an objection to this record is open", field="record_id", rule="open-objection"
        )
    case_id = uuid.uuid4()
    case = Objection(
        id=case_id,
        subject_id=subject_id,
        record_id=record.id,
        source_id=record.source_id,
        filed_at=now,
        filed_by=actor[:100],
        version=1,
        state=ObjectionState.FILED,
        reason_enc=seal(keys, "objections", "reason_enc", case_id, text),
        deadline_provisional=False,
    )
    deadline = _deadline(limits, calendar, state=case.state, filed_at=now, verifying_since=None)
    for column, value in deadline.items():
        setattr(case, column, value)
    session.add(case)
    session.flush()
    save_files(session, keys, now, case=case, files=files)
    record_step(session, keys, now, case=case, event="file", from_state=None, actor=actor)
    tell(
        session,
        keys,
        now,
        case=case,
        topic="objection.filed",
        zh=NOTICES[case.state][0],
        en=NOTICES[case.state][1],
    )
    return case


def get_objection(
    session: Session,
    case_id: uuid.UUID,
    *,
    subject_id: uuid.UUID | None = None,
    source_id: uuid.UUID | None = None,
) -> Objection:
    """A case; a person or source sees only their own (others' ids are not confirmed)."""
    case = session.get(Objection, case_id)
    if (
        case is None
        or (subject_id and case.subject_id != subject_id)
        or (source_id and case.source_id != source_id)
    ):
        raise NotFound("no objection has this id", field="objection_id")
    return case


def _move(
    session: Session,
    ctx: DisputeContext,
    now: dt.datetime,
    *,
    case: Objection,
    event: ObjectionEvent,
    actor: str,
    reason: str | None,
    document_number: str | None = None,
) -> Objection:
    keys, calendar, limits = ctx.keys, ctx.calendar, ctx.rules.objections
    before = case.state
    after = next_objection_state(before, event)
    since = china_today(now) if after is ObjectionState.VERIFYING else case.verifying_since
    values: dict[str, Any] = {"state": after, "verifying_since": since}
    values["decided_at"] = None if after in OBJECTION_OPEN else now
    values.update(
        _deadline(limits, calendar, state=after, filed_at=case.filed_at, verifying_since=since)
    )
    advance(session, case, values)
    record_step(
        session,
        keys,
        now,
        case=case,
        event=event,
        from_state=before,
        actor=actor,
        reason=reason,
        document_number=document_number,
    )
    zh, en = NOTICES[after]
    tell(session, keys, now, case=case, topic=f"objection.{after}", zh=zh, en=en)
    return case


def accept_objection(
    session: Session,
    ctx: DisputeContext,
    now: dt.datetime,
    *,
    case_id: uuid.UUID,
    actor: str,
    reason: str,
) -> Objection:
    """The platform accepts the filing and sends it to the source for verification."""
    case = get_objection(session, case_id)
    return _move(
        session,
        ctx,
        now,
        case=case,
        event=ObjectionEvent.ACCEPT,
        actor=actor,
        reason=clean_text(reason, "reason"),
    )


def reject_objection(
    session: Session,
    ctx: DisputeContext,
    now: dt.datetime,
    *,
    case_id: uuid.UUID,
    actor: str,
    reason: str,
) -> Objection:
    """The platform does not accept the filing, with reasons."""
    case = get_objection(session, case_id)
    return _move(
        session,
        ctx,
        now,
        case=case,
        event=ObjectionEvent.REJECT,
        actor=actor,
        reason=clean_text(reason, "reason"),
    )


def withdraw_objection(
    session: Session,
    ctx: DisputeContext,
    now: dt.datetime,
    *,
    case_id: uuid.UUID,
    subject_id: uuid.UUID,
    actor: str,
) -> Objection:
    case = get_objection(session, case_id, subject_id=subject_id)
    return _move(
        session, ctx, now, case=case, event=ObjectionEvent.WITHDRAW, actor=actor, reason=None
    )


def _apply_outcome(
    session: Session,
    ctx: DisputeContext,
    now: dt.datetime,
    *,
    case: Objection,
    event: ObjectionEvent,
    fields: dict[str, Any] | None,
    actor: str,
) -> None:
    """A correction or revocation becomes a new version of the record."""
    catalog, calendar = ctx.catalog, ctx.calendar
    record = session.get_one(Record, case.record_id)
    reason = f"异议 objection {case.id}: {event}"
    if event is ObjectionEvent.REVOKE:
        done = change_record(
            session,
            calendar,
            now,
            record=record,
            change=Change.OBJECTION_REVOKED,
            status=RecordStatus.REVOKED,
            reason=reason,
            actor=actor,
        )
    elif event is ObjectionEvent.CORRECT:
        if not fields:
            raise InvalidInput(
                "a correction needs the corrected fields", field="fields", rule="required"
            )
        item = catalog.find(record.item_code, record.item_version)
        if item is None:
            raise NotFound("the record's catalog item is not loaded", field="item")
        checked = validate_fields(item, fields)
        check_dates(item, checked, china_today(now))
        facts = record_facts(catalog, item, checked, china_today(now))
        status = RecordStatus.ACTIVE if record.status == RecordStatus.EXPIRED else record.status
        done = change_record(
            session,
            calendar,
            now,
            record=record,
            change=Change.OBJECTION_CORRECTED,
            status=status,
            reason=reason,
            actor=actor,
            facts=facts,
        )
    else:
        return
    if done is None:
        raise Conflict("the record changed meanwhile; try again", field="record_id", rule="stale")


def answer_objection(
    session: Session,
    ctx: DisputeContext,
    now: dt.datetime,
    *,
    case_id: uuid.UUID,
    source_id: uuid.UUID,
    answer: ObjectionEvent,
    reason: str,
    fields: dict[str, Any] | None,
    actor: str,
) -> Objection:
    """The source's verification: correct (with the corrected fields), revoke, or uphold."""
    if answer not in {ObjectionEvent.CORRECT, ObjectionEvent.REVOKE, ObjectionEvent.UPHOLD}:
        raise InvalidInput("must be correct, revoke or uphold", field="answer", rule="enum")
    case = get_objection(session, case_id, source_id=source_id)
    next_objection_state(case.state, answer)  # refuse a wrong step before changing the record
    _apply_outcome(session, ctx, now, case=case, event=answer, fields=fields, actor=actor)
    return _move(
        session, ctx, now, case=case, event=answer, actor=actor, reason=clean_text(reason, "reason")
    )


def enter_review_outcome(
    session: Session,
    ctx: DisputeContext,
    now: dt.datetime,
    *,
    case_id: uuid.UUID,
    outcome: ObjectionEvent,
    document_number: str,
    reason: str,
    fields: dict[str, Any] | None,
    actor: str,
) -> Objection:
    """An administrative reconsideration (行政复议) or court (行政诉讼) outcome on a decided
    case: reopen it for verification, or correct or revoke the record, or uphold the decision."""
    if outcome not in REVIEW_EVENTS:
        raise InvalidInput(
            "must be reopen, correct, revoke or uphold", field="outcome", rule="enum"
        )
    document = clean_text(document_number, "document_number", lines=False)[:100]
    case = get_objection(session, case_id)
    if outcome is ObjectionEvent.UPHOLD:  # the decision stands: recorded, no state change
        if case.state in OBJECTION_OPEN:
            raise Conflict("the case is not decided yet", field="state", rule="objection-open")
        record_step(
            session,
            ctx.keys,
            now,
            case=case,
            event="review-uphold",
            from_state=case.state,
            actor=actor,
            reason=clean_text(reason, "reason"),
            document_number=document,
        )
        return case
    next_objection_state(case.state, outcome)
    _apply_outcome(session, ctx, now, case=case, event=outcome, fields=fields, actor=actor)
    return _move(
        session,
        ctx,
        now,
        case=case,
        event=outcome,
        actor=actor,
        reason=clean_text(reason, "reason"),
        document_number=document,
    )


def open_objection_records(session: Session, record_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these records are under objection now (异议处理中)."""
    if not record_ids:
        return set()
    return set(
        session.scalars(
            select(Objection.record_id).where(
                Objection.record_id.in_(record_ids), Objection.state.in_(OBJECTION_OPEN)
            )
        )
    )
