"""What the outbox says about a record (R-4.4, R-5.5): a change event as the message of its kind,
built from the version the change made (every change carries the whole state it sets), and a
record owed to the national platform as the whole of its current version, with whom it is about.

Change kinds and messages: corrected, objection_corrected → `Correction`; revoked,
objection_revoked → `Revocation`; repaired → `Repair`; expired → `Expiry`; created has no change
message (a record reaches a recipient first as `record_version`), so an event of that kind is sent
as the record's version. Message ids are the ids of the rows they come from: a receiver sees the
same id for the same change, whichever package carries it. An ack (回执) owed to a peer is sent as
its `exchange_acks` row says, the refusals kept there as the message's own JSON."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.catalog.vocab import Category, DisclosureLevel
from chengxin.collection.models import Source
from chengxin.disputes.models import RepairCase
from chengxin.exchange.messages import (
    Ack,
    AckOutcome,
    AckRefusal,
    Correction,
    Expiry,
    Message,
    OrganisationRef,
    PersonRef,
    RecordState,
    RecordVersionMessage,
    Repair,
    Revocation,
    SourceRef,
    SubjectRef,
)
from chengxin.exchange.models import AckDue
from chengxin.identity.models import Organisation, Subject, SubjectKind
from chengxin.identity.service import reveal_person
from chengxin.keys import KeyRing
from chengxin.records.models import Change, Record, RecordVersion
from chengxin.records.models import _RecordState as StateColumns

CORRECTIONS = frozenset({Change.CORRECTED, Change.OBJECTION_CORRECTED})
REVOCATIONS = frozenset({Change.REVOKED, Change.OBJECTION_REVOKED})


def record_state(row: StateColumns) -> RecordState:
    """The shared columns of a record or one of its versions, as a message states them."""
    return RecordState(
        content=json.loads(row.content), content_hash=row.content_hash,
        item_version=row.item_version, document_number=row.document_number,
        decision_date=row.decision_date, occurrence_date=row.occurrence_date,
        severity=row.severity, publicised=row.publicised, display_start=row.display_start,
        display_earliest_end=row.display_earliest_end, display_latest_end=row.display_latest_end,
    )  # fmt: skip


def change_message(
    session: Session, keys: KeyRing, *, origin: str, message_id: uuid.UUID,
    record_id: uuid.UUID, version: int, change: Change,
) -> Message:  # fmt: skip
    """The message for one change event: the change `version` of the record made. `origin` is
    this node's code; a copy's change is relayed under its own origin's (R-4.4)."""
    row = session.scalars(
        select(RecordVersion).where(
            RecordVersion.record_id == record_id, RecordVersion.version == version
        )
    ).one()
    record = session.get_one(Record, record_id)
    origin = record.origin or origin
    at = row.created_at
    if change in CORRECTIONS:
        return Correction(id=message_id, origin=origin, at=at, record_id=record_id,
                          version=version, change=change, reason=row.reason,
                          item_code=record.item_code, state=record_state(row))  # fmt: skip
    if change in REVOCATIONS:
        return Revocation(id=message_id, origin=origin, at=at, record_id=record_id,
                          version=version, change=change, reason=row.reason)  # fmt: skip
    if change is Change.REPAIRED:
        return Repair(id=message_id, origin=origin, at=at, record_id=record_id, version=version,
                      reason=row.reason, rule_set=_rule_set(session, row.reason))  # fmt: skip
    if change is Change.EXPIRED:
        ended = row.display_latest_end or row.created_at.date()
        return Expiry(id=message_id, origin=origin, at=at, record_id=record_id, version=version,
                      display_ended_on=ended)  # fmt: skip
    return version_message(session, keys, origin=origin, message_id=message_id, record=record,
                           row=row)  # fmt: skip


def current_message(
    session: Session, keys: KeyRing, *, origin: str, message_id: uuid.UUID, record_id: uuid.UUID
) -> RecordVersionMessage:
    """The record's current version, whole (what the national platform is owed, R-5.5)."""
    record = session.get_one(Record, record_id)
    row = session.scalars(
        select(RecordVersion).where(
            RecordVersion.record_id == record_id, RecordVersion.version == record.version
        )
    ).one()
    return version_message(session, keys, origin=origin, message_id=message_id, record=record,
                           row=row)  # fmt: skip


def version_message(
    session: Session, keys: KeyRing, *, origin: str, message_id: uuid.UUID, record: Record,
    row: RecordVersion,
) -> RecordVersionMessage:  # fmt: skip
    source = session.get_one(Source, record.source_id)
    return RecordVersionMessage(
        id=message_id, origin=record.origin or origin, at=row.created_at, record_id=record.id,
        version=row.version, change=row.change, status=row.status, reason=row.reason,
        subject=subject_ref(session, keys, record.subject_id),
        source=SourceRef(code=source.code, name=source.name, kind=source.kind,
                         region_code=source.region_code),
        item_code=record.item_code, category=Category(record.category),
        disclosure=DisclosureLevel(record.disclosure), state=record_state(row),
    )  # fmt: skip


def subject_ref(session: Session, keys: KeyRing, subject_id: uuid.UUID) -> SubjectRef:
    """Whom a record is about, as the receiver needs it: a person's ID number and name from the
    identity registry (unsealed for this lawful sharing only), an organisation's USCC and name
    (public, stored in clear)."""
    subject = session.get_one(Subject, subject_id)
    if subject.kind is SubjectKind.ORGANISATION:
        org = session.get_one(Organisation, subject_id)
        return OrganisationRef(uscc=org.uscc, name=org.name)
    person = reveal_person(session, keys, subject_id)
    return PersonRef(id_number=person.id_number, name=person.name)


def _rule_set(session: Session, reason: str) -> str | None:
    """The repair rule set, from the case the version's reason names ("信用修复 repair <id>")."""
    try:
        case_id = uuid.UUID(reason.rsplit(" ", 1)[-1])
    except ValueError:
        return None
    case = session.get(RepairCase, case_id)
    return case.rule_set if case is not None else None


def refusals_json(refused: Sequence[AckRefusal]) -> str:
    """The refusals of an ack, as `exchange_acks.refused` keeps them."""
    return json.dumps(
        [{"message_id": str(r.message_id), "field": r.field, "rule": r.rule} for r in refused],
        ensure_ascii=False,
    )


def ack_message(row: AckDue) -> Ack:
    """The ack owed for a peer's package; its id is the row's, so a resent one is the same."""
    refused = tuple(
        AckRefusal(message_id=uuid.UUID(r["message_id"]), field=r["field"], rule=r["rule"])
        for r in json.loads(row.refused)
    )
    return Ack(id=row.id, at=row.created_at, sequence=row.sequence,
               messages_sha256=row.messages_sha256, outcome=AckOutcome(row.outcome),
               refused=refused)  # fmt: skip
