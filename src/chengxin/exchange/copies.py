"""Copies of other nodes' records (issue H, R-5.2, R-4.4): one message from a peer applied here.

A copy lives in `records` beside this node's own records, under the original's id, with
`origin` naming the node that holds the original; its source is a mirror of the origin's unit
("<origin>/<code>"). So a copy is found by every local reader (queries, reports, score, checks)
and, being a record, passes its own changes on to the nodes it was shared with in turn: the
national node relays a repair from region A to region B that way.

Only the origin changes a record: a message about a copy must come from its origin or from the
national node (which relays), and must not be older than the copy. Versions keep the origin's
numbers; a copy that missed some loses nothing, since every message carries the whole state it
sets. The person or organisation is found, or registered, in this node's identity registry under
this node's own blind-index key: that is the subject index (regional keys never travel)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.collection.models import Source
from chengxin.errors import ChengxinError
from chengxin.exchange.messages import (
    Correction,
    Expiry,
    Message,
    OrganisationRef,
    RecordState,
    RecordVersionMessage,
    Repair,
    Revocation,
    SourceRef,
    SubjectRef,
)
from chengxin.exchange.node_rules import NATIONAL_NODE_CODE
from chengxin.identity.organisations import register_organisation
from chengxin.identity.service import register_person
from chengxin.keys import KeyRing
from chengxin.ledger.service import append_entry
from chengxin.records.changes import change_record
from chengxin.records.models import Change, Record, RecordStatus, RecordVersion
from chengxin.records.rules import RecordFacts
from chengxin.records.service import ledger_entry
from chengxin.workdays.rules import Calendar

RecordMessage = RecordVersionMessage | Correction | Revocation | Repair | Expiry
RECORD_MESSAGES = (RecordVersionMessage, Correction, Revocation, Repair, Expiry)


class Outcome(StrEnum):
    APPLIED = "applied"  # the copy was created or changed
    STALE = "stale"  # the copy holds this version or a later one: nothing to do
    UNKNOWN = "unknown"  # a change to a record this node holds no copy of: nothing to change
    REFUSED = "refused"  # not applicable here (named by field and rule); nothing written


@dataclass(frozen=True, slots=True)
class Applied:
    outcome: Outcome
    field: str | None = None
    rule: str | None = None
    message: str = ""


def mirror_code(origin: str, code: str) -> str:
    return f"{origin}/{code}"


def actor_of(sender: str) -> str:
    return f"node:{sender}"


def apply_message(
    session: Session, keys: KeyRing, calendar: Calendar, now: dt.datetime, *, sender: str,
    message: Message,
) -> Applied:  # fmt: skip
    """Apply one record message from `sender` in the caller's transaction, in a savepoint: a
    refused message writes nothing, and the ones beside it in its package still apply."""
    if not isinstance(message, RECORD_MESSAGES):
        return Applied(Outcome.REFUSED, "type", "kind-unsupported",
                       f"{message.KIND} messages are not applied by this node")  # fmt: skip
    if sender not in {message.origin, NATIONAL_NODE_CODE}:  # the national node relays
        return Applied(Outcome.REFUSED, "origin", "origin-is-sender",
                       f"{sender} may send its own records only")  # fmt: skip
    try:
        with session.begin_nested():
            return _apply(session, keys, calendar, now, sender=sender, message=message)
    except ChengxinError as exc:  # a subject this node's registry refuses, say
        return Applied(Outcome.REFUSED, exc.field or "message", exc.rule or "invalid", str(exc))


def _apply(
    session: Session, keys: KeyRing, calendar: Calendar, now: dt.datetime, *, sender: str,
    message: RecordMessage,
) -> Applied:  # fmt: skip
    copy = session.get(Record, message.record_id, with_for_update=True)
    if copy is not None and (refused := _refusal(copy, message)) is not None:
        return refused
    if copy is None:
        if isinstance(message, RecordVersionMessage):
            _create(session, keys, now, sender=sender, message=message)
            return Applied(Outcome.APPLIED)
        return Applied(Outcome.UNKNOWN, message=f"no copy of record {message.record_id} here")
    if message.version <= copy.version:
        return Applied(Outcome.STALE, message=f"the copy is at version {copy.version}")
    status, change, reason, facts = _change_of(message, copy)
    done = change_record(
        session, calendar, now, record=copy, change=change, status=status, reason=reason,
        actor=actor_of(sender), facts=facts, version=message.version,
    )  # fmt: skip
    if done is None:  # another applier moved the copy between our read and write
        return Applied(Outcome.STALE, message="changed by another worker")
    return Applied(Outcome.APPLIED)


def _refusal(copy: Record, message: RecordMessage) -> Applied | None:
    if copy.origin is None:
        return Applied(Outcome.REFUSED, "record_id", "own-record",
                       "this node holds the original of that record")  # fmt: skip
    if copy.origin != message.origin:
        return Applied(Outcome.REFUSED, "origin", "origin-matches-copy",
                       f"the copy here comes from {copy.origin}")  # fmt: skip
    return None


def _change_of(
    message: RecordMessage, copy: Record
) -> tuple[RecordStatus, Change, str, RecordFacts | None]:
    """The status, change, reason and (when the message states them) facts a message sets."""
    if isinstance(message, RecordVersionMessage):
        return message.status, message.change, message.reason, _facts(message.state)
    if isinstance(message, Correction):
        return copy.status, message.change, message.reason, _facts(message.state)
    if isinstance(message, Revocation):
        return RecordStatus.REVOKED, message.change, message.reason, None
    if isinstance(message, Repair):
        return RecordStatus.REPAIRED, Change.REPAIRED, message.reason, None
    reason = f"展示期满 display period ended {message.display_ended_on}"
    return RecordStatus.EXPIRED, Change.EXPIRED, reason, None


def _facts(state: RecordState) -> RecordFacts:
    content = json.dumps(state.content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return RecordFacts(
        content=content, content_hash=state.content_hash, item_version=state.item_version,
        document_number=state.document_number, decision_date=state.decision_date,
        occurrence_date=state.occurrence_date, severity=state.severity,
        publicised=state.publicised, display_start=state.display_start,
        display_earliest_end=state.display_earliest_end,
        display_latest_end=state.display_latest_end,
    )  # fmt: skip


def _create(
    session: Session, keys: KeyRing, now: dt.datetime, *, sender: str,
    message: RecordVersionMessage,
) -> None:  # fmt: skip
    actor = actor_of(sender)
    subject_id = _subject(session, keys, now, message.subject, actor=actor)
    source_id = _mirror(session, now, origin=message.origin, source=message.source, actor=actor)
    facts = _facts(message.state)
    columns = {
        "content": facts.content, "content_hash": facts.content_hash,
        "item_version": facts.item_version, "document_number": facts.document_number,
        "decision_date": facts.decision_date, "occurrence_date": facts.occurrence_date,
        "severity": facts.severity, "publicised": facts.publicised,
        "display_start": facts.display_start, "display_earliest_end": facts.display_earliest_end,
        "display_latest_end": facts.display_latest_end, "batch_id": None,
        "version": message.version, "status": message.status,
    }  # fmt: skip
    session.add(Record(
        id=message.record_id, subject_id=subject_id, item_code=message.item_code,
        source_id=source_id, source_record_id=str(message.record_id),
        category=message.category.value, disclosure=message.disclosure.value, created_at=now,
        updated_at=now, origin=message.origin, **columns,
    ))  # fmt: skip
    session.flush()  # the version row refers to the record
    session.add(RecordVersion(
        id=uuid.uuid4(), record_id=message.record_id, subject_id=subject_id,
        change=message.change, reason=message.reason[:500], actor=actor, created_at=now,
        **columns,
    ))  # fmt: skip
    session.flush()
    append_entry(session, now, ledger_entry({
        "subject_id": subject_id, "record_id": message.record_id, "version": message.version,
        "change": message.change, "status": message.status, "item_code": message.item_code,
        "content_hash": facts.content_hash, "actor": actor, "batch_id": None,
    }))  # fmt: skip


def _subject(
    session: Session, keys: KeyRing, now: dt.datetime, subject: SubjectRef, *, actor: str
) -> uuid.UUID:
    """This node's subject for the person or organisation, registered if new. A person known
    here under another name is the same person (the ID number decides); the registry opens an
    identity review for the name, as it does for any unit's data."""
    if isinstance(subject, OrganisationRef):
        return register_organisation(session, keys, now, subject.uscc, subject.name).subject_id
    return register_person(session, keys, now, subject.id_number, subject.name,
                          actor=actor).subject_id  # fmt: skip


def _mirror(
    session: Session, now: dt.datetime, *, origin: str, source: SourceRef, actor: str
) -> uuid.UUID:
    """The mirror of the origin's unit: no grants, no keys, so it can send nothing here."""
    code = mirror_code(origin, source.code)
    found = session.scalar(select(Source.id).where(Source.code == code))
    if found is not None:
        return found
    mirror = Source(id=uuid.uuid4(), code=code, name=source.name, region_code=source.region_code,
                    kind=source.kind, created_at=now, created_by=actor)  # fmt: skip
    session.add(mirror)
    session.flush()
    return mirror.id
