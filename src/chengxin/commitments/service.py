"""Commitment verbs (R-7.2): make, fulfil, cancel, report a breach, and the deadline's breach.
One verb, one transaction (the caller's). Each claims the commitment by a conditional update
first, so two callers never both change it, then writes its records through the collection path
as the PLATFORM source — COMMITMENT-MADE added, corrected or revoked, COMMITMENT-BREACH added —
and tells the person. A refusal anywhere undoes all of it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from chengxin.clock import china_today
from chengxin.collection.models import Source
from chengxin.commitments import notices
from chengxin.commitments.models import Commitment
from chengxin.commitments.platform import BREACH_ITEM, MADE_ITEM, platform_source
from chengxin.commitments.rules import (
    MAX_DOCUMENT,
    MAX_MATTER,
    MAX_REASON,
    MAX_SUMMARY,
    MAX_TERMS,
    CommitmentEvent,
    CommitmentKind,
    CommitmentState,
    breach_summary,
    check_dates,
    check_fulfilment,
    next_state,
    overdue,
)
from chengxin.commitments.submit import (
    CommitmentContext,
    current_content,
    identity_of,
    record_key,
    submit_row,
)
from chengxin.errors import ChengxinError, Conflict, Forbidden, InvalidInput, NotFound
from chengxin.identity.service import find_person
from chengxin.measures.models import Check
from chengxin.records.models import Record, RecordStatus
from chengxin.requesters.models import Requester, RequesterKind
from chengxin.sealed import seal, unseal
from chengxin.texts import clean_text

TABLE = "commitments"
ATTEMPTS = 3
T = TypeVar("T")
# The collection path names the record's fields; a department knows the request's.
_REQUEST_FIELDS = {"decision_date": "made_on", "fulfil_by": "deadline", "commitment_type": "kind"}


def get_commitment(
    session: Session,
    commitment_id: uuid.UUID,
    *,
    requester_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
) -> Commitment:
    """A commitment; a department or person sees only their own (others' ids are not confirmed)."""
    found = session.get(Commitment, commitment_id)
    if (
        found is None
        or (requester_id is not None and found.requester_id != requester_id)
        or (subject_id is not None and found.subject_id != subject_id)
    ):
        raise NotFound("no commitment has this id", field="commitment_id")
    return found


def sealed_text(ctx: CommitmentContext, commitment: Commitment, column: str) -> str | None:
    token = getattr(commitment, column)
    return None if token is None else unseal(ctx.keys, TABLE, column, commitment.id, token)


def _department(session: Session, requester_id: uuid.UUID) -> Requester:
    requester = session.get(Requester, requester_id)
    if requester is None or requester.kind is not RequesterKind.GOVERNMENT_DEPARTMENT:
        raise Forbidden("only a government department records commitments", field="requester",
                        rule="department")  # fmt: skip
    return requester


def _own_check(
    session: Session, check_id: uuid.UUID, requester_id: uuid.UUID, subject_id: uuid.UUID | None
) -> None:
    check = session.get(Check, check_id)
    if check is None or check.requester_id != requester_id:  # another's check is not confirmed
        raise NotFound("no check of this department has this id", field="check_id")
    if check.subject_id is not None and check.subject_id != subject_id:
        raise InvalidInput("is a check of another person", field="check_id", rule="other-person")


def _advance(session: Session, commitment: Commitment, values: dict[str, Any]) -> None:
    """Write the new state only if nobody changed the commitment since it was read."""
    done = session.execute(
        update(Commitment)
        .where(Commitment.id == commitment.id, Commitment.version == commitment.version)
        .values({**values, "version": commitment.version + 1})
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("the commitment changed meanwhile; read it again", field="commitment",
                       rule="stale")  # fmt: skip
    session.refresh(commitment)


def _close(
    session: Session, ctx: CommitmentContext, now: dt.datetime, commitment: Commitment, *,
    event: CommitmentEvent, actor: str, on: dt.date, reason: str | None = None,
) -> None:  # fmt: skip
    sealed = None if reason is None else seal(ctx.keys, TABLE, "reason_enc", commitment.id, reason)
    _advance(session, commitment, {
        "state": next_state(commitment.state, event), "closed_on": on, "closed_at": now,
        "closed_by": actor[:100], "reason_enc": sealed,
    })  # fmt: skip


def _made_record(session: Session, commitment: Commitment) -> Record:
    record = session.get_one(Record, commitment.record_id)
    if record.status is RecordStatus.REVOKED:  # e.g. by an objection: a correction would revive it
        raise Conflict("the commitment's record was revoked; only cancelling is possible",
                       field="record_id", rule="record-revoked")  # fmt: skip
    return record


def _correct_made(
    session: Session, ctx: CommitmentContext, now: dt.datetime, commitment: Commitment, *,
    source: Source, fulfilment: str, actor: str,
) -> Record:  # fmt: skip
    record = _made_record(session, commitment)
    values = {**identity_of(session, ctx, commitment.subject_id), "item": MADE_ITEM,
              "record_id": record.source_record_id, "action": "correct",
              **current_content(record), "fulfilment": fulfilment}  # fmt: skip
    return submit_row(session, ctx, now, source=source, values=values, actor=actor)


# --- make --------------------------------------------------------------------------------------


def make_commitment(
    session: Session,
    ctx: CommitmentContext,
    now: dt.datetime,
    *,
    requester_id: uuid.UUID,
    id_number: str,
    name: str,
    kind: CommitmentKind,
    document_number: str,
    matter: str,
    terms: str,
    made_on: dt.date,
    deadline: dt.date,
    actor: str,
    check_id: uuid.UUID | None = None,
) -> Commitment:
    """Record a commitment and its COMMITMENT-MADE record (fulfilment pending, fulfil by the
    deadline); the person is told. The row is refused as the collection path would refuse it."""
    today = china_today(now)
    document = clean_text(document_number, "document_number", limit=MAX_DOCUMENT)
    what = clean_text(matter, "matter", limit=MAX_MATTER)
    text = clean_text(terms, "terms", limit=MAX_TERMS, lines=True)
    check_dates(made_on, deadline, today)
    department = _department(session, requester_id)
    taken = select(Commitment.id).where(Commitment.requester_id == requester_id,
                                        Commitment.document_number == document)  # fmt: skip
    if session.scalar(taken) is not None:
        raise Conflict("a commitment with this letter number is already recorded",
                       field="document_number", rule="unique")  # fmt: skip
    if check_id is not None:
        known = find_person(session, ctx.keys, id_number, today)
        _own_check(session, check_id, requester_id, known)
    source = platform_source(session, ctx.catalog, now, region=ctx.region)
    commitment_id = uuid.uuid4()
    values = {"id_number": id_number, "name": name, "item": MADE_ITEM,
              "record_id": record_key(commitment_id), "action": "add",
              "commitment_type": kind.value, "matter": what, "accepting_body": department.name,
              "decision_date": made_on.isoformat(), "fulfil_by": deadline.isoformat(),
              "fulfilment": "pending"}  # fmt: skip
    try:
        record = submit_row(session, ctx, now, source=source, values=values, actor=actor)
    except ChengxinError as exc:
        exc.field = _REQUEST_FIELDS.get(exc.field or "", exc.field)
        raise
    commitment = Commitment(
        id=commitment_id, subject_id=record.subject_id, requester_id=requester_id, kind=kind,
        document_number=document, made_on=made_on, deadline=deadline,
        matter_enc=seal(ctx.keys, TABLE, "matter_enc", commitment_id, what),
        terms_enc=seal(ctx.keys, TABLE, "terms_enc", commitment_id, text),
        state=CommitmentState.PENDING, version=1, check_id=check_id, record_id=record.id,
        created_at=now, created_by=actor[:100],
    )  # fmt: skip
    session.add(commitment)
    session.flush()
    notices.tell_made(session, ctx.keys, now, commitment, department=department.name, matter=what)
    return commitment


# --- fulfil, cancel --------------------------------------------------------------------------


def fulfil(
    session: Session,
    ctx: CommitmentContext,
    now: dt.datetime,
    *,
    commitment_id: uuid.UUID,
    requester_id: uuid.UUID,
    actor: str,
    fulfilled_on: dt.date | None = None,
) -> Commitment:
    """The department confirms the commitment was kept (on or before its deadline); the record
    is corrected to fulfilled. No bad record comes of it."""
    commitment = get_commitment(session, commitment_id, requester_id=requester_id)
    today = china_today(now)
    on = fulfilled_on or today
    check_fulfilment(commitment.state, made_on=commitment.made_on, deadline=commitment.deadline,
                     on=on, today=today)  # fmt: skip
    _close(session, ctx, now, commitment, event=CommitmentEvent.FULFIL, actor=actor, on=on)
    source = platform_source(session, ctx.catalog, now, region=ctx.region)
    _correct_made(session, ctx, now, commitment, source=source, fulfilment="fulfilled",
                  actor=actor)  # fmt: skip
    department = session.get_one(Requester, commitment.requester_id).name
    notices.tell_closed(session, ctx.keys, now, commitment, department=department, fulfilled=True)
    return commitment


def cancel(
    session: Session,
    ctx: CommitmentContext,
    now: dt.datetime,
    *,
    commitment_id: uuid.UUID,
    requester_id: uuid.UUID,
    reason: str,
    actor: str,
) -> Commitment:
    """The department withdraws a pending commitment (the application was withdrawn, recorded in
    error …); its COMMITMENT-MADE record is revoked (撤销), history kept."""
    commitment = get_commitment(session, commitment_id, requester_id=requester_id)
    text = clean_text(reason, "reason", limit=MAX_REASON, lines=True)
    _close(session, ctx, now, commitment, event=CommitmentEvent.CANCEL, actor=actor,
           on=china_today(now), reason=text)  # fmt: skip
    source = platform_source(session, ctx.catalog, now, region=ctx.region)
    record = session.get_one(Record, commitment.record_id)
    values = {**identity_of(session, ctx, commitment.subject_id), "item": MADE_ITEM,
              "record_id": record.source_record_id, "action": "revoke"}  # fmt: skip
    submit_row(session, ctx, now, source=source, values=values, actor=actor)
    department = session.get_one(Requester, commitment.requester_id).name
    notices.tell_closed(session, ctx.keys, now, commitment, department=department, fulfilled=False)
    return commitment


# --- breach ----------------------------------------------------------------------------------


def _breach(
    session: Session, ctx: CommitmentContext, now: dt.datetime, commitment: Commitment, *,
    actor: str, reported: str | None,
) -> Commitment:  # fmt: skip
    """Pending → breached: the made record corrected, the COMMITMENT-BREACH record added (the
    finding: established today by the accepting department, on the letter's number)."""
    today = china_today(now)
    _made_record(session, commitment)  # refuse before claiming
    _close(session, ctx, now, commitment, event=CommitmentEvent.BREACH, actor=actor, on=today,
           reason=reported)  # fmt: skip
    source = platform_source(session, ctx.catalog, now, region=ctx.region)
    _correct_made(session, ctx, now, commitment, source=source, fulfilment="breached",
                  actor=actor)  # fmt: skip
    matter = sealed_text(ctx, commitment, "matter_enc") or ""
    department = session.get_one(Requester, commitment.requester_id).name
    values = {**identity_of(session, ctx, commitment.subject_id), "item": BREACH_ITEM,
              "record_id": record_key(commitment.id, breach=True), "action": "add",
              "decision_date": today.isoformat(), "authority": department,
              "document_number": commitment.document_number,
              "summary": breach_summary(matter, commitment.deadline, reported),
              "commitment_matter": matter,
              "commitment_date": commitment.made_on.isoformat()}  # fmt: skip
    breach = submit_row(session, ctx, now, source=source, values=values, actor=actor)
    session.execute(update(Commitment).where(Commitment.id == commitment.id)
                    .values(breach_record_id=breach.id)
                    .execution_options(synchronize_session=False))  # fmt: skip
    session.refresh(commitment)
    notices.tell_breached(session, ctx.keys, now, commitment, department=department,
                          matter=matter, by_deadline=reported is None)  # fmt: skip
    return commitment


def report_breach(
    session: Session,
    ctx: CommitmentContext,
    now: dt.datetime,
    *,
    commitment_id: uuid.UUID,
    requester_id: uuid.UUID,
    summary: str,
    actor: str,
) -> Commitment:
    """The department establishes that a pending commitment was broken — before its deadline
    (e.g. a document found false) or after it, ahead of the job."""
    commitment = get_commitment(session, commitment_id, requester_id=requester_id)
    text = clean_text(summary, "summary", limit=MAX_SUMMARY, lines=True, minimum=5)
    return _breach(session, ctx, now, commitment, actor=actor, reported=text)


def breach_overdue(
    session: Session, ctx: CommitmentContext, now: dt.datetime, *, commitment_id: uuid.UUID,
    actor: str,
) -> bool:  # fmt: skip
    """The deadline passed with the commitment still pending: it becomes a breach, the platform
    establishing it on the department's behalf. False if it is not (or no longer) overdue; a
    Conflict if another worker changed it meanwhile."""
    commitment = session.get(Commitment, commitment_id)
    if commitment is None or not overdue(commitment.state, commitment.deadline, china_today(now)):
        return False
    _breach(session, ctx, now, commitment, actor=actor, reported=None)
    return True


def retrying(factory: sessionmaker[Session], work: Callable[[Session], T]) -> T:
    """Run `work` in one transaction; again if a concurrent one took a unique key first (a new
    person registered, the same letter number) — the retry then sees the other's row."""
    for attempt in range(ATTEMPTS):
        try:
            with factory() as session, session.begin():
                return work(session)
        except (IntegrityError, OperationalError):
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
