"""Scheduled exports to credit agencies (征信机构), R-5.5: for each agreement in force and due by
its frequency, a package in the exchange format (docs/exchange-format.md), signed with this
node's key and addressed to the agency, holding the records of the agreed items that changed
since the agreement's last export.

A record goes out when it is this node's own (`origin IS NULL`: copies of other nodes' records
are theirs to disclose), public, of an agreed item, and displayed today (queries.rules
.is_displayed) — as its current version (`record_version`). A record an earlier export carried
that is no longer displayed (revoked, expired, repaired, made unpublic) goes out once more as
the message of its last change, so that the agency stops using it. `agency_sent` remembers the
version each agreement last carried; every run compares all candidates with it rather than
trusting a clock watermark, so a batch that commits late is never missed and a second run the
same day finds nothing new.

Files: `<data dir>/exports/<agency>/<sequence>.jsonl.gz`, sequences per agency without gaps
(unique key), written to a temporary name and renamed once the database rows are flushed. If
the commit still fails, the next export takes the same sequence and replaces the file."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from chengxin.agencies.models import Agency, AgencyExport, AgencySent, Agreement
from chengxin.agencies.rules import Frequency, in_force, is_due
from chengxin.catalog.vocab import DisclosureLevel
from chengxin.clock import CHINA_TZ, china_today
from chengxin.errors import Conflict
from chengxin.exchange.messages import Message
from chengxin.exchange.outbox_messages import change_message, current_message
from chengxin.exchange.packages import pack
from chengxin.keys import KeyRing
from chengxin.ledger.service import append_entry
from chengxin.queries.rules import RecordFacts, is_displayed
from chengxin.records.models import Change, Record, RecordStatus, RecordVersion

CHUNK = 1000  # records per package: well inside the format's limits (10,000 messages, 8 MiB)
_IDS = uuid.UUID("6f1d3c52-4b1e-4a51-9a43-9d2f0c7e5a10")  # namespace of export message ids


class Owed(NamedTuple):
    record_id: uuid.UUID
    version: int
    change: Change  # the change that made this version
    shown: bool  # displayed today


@dataclass(frozen=True)
class Exported:
    agency: str
    agreement: uuid.UUID
    sequence: int
    records: int
    path: Path
    sha256: str
    last_record: uuid.UUID  # the next package of the same run starts after it (id order)


def due_agreements(
    session: Session, today: dt.date, *, agency: str | None = None
) -> list[tuple[uuid.UUID, str]]:
    """(agreement, agency code) of the agreements in force today whose export is due."""
    last = (select(AgencyExport.agreement_id, func.max(AgencyExport.created_at).label("at"))
            .group_by(AgencyExport.agreement_id).subquery())  # fmt: skip
    query = (
        select(Agreement, Agency.code, last.c.at)
        .join(Agency, Agency.id == Agreement.agency_id)
        .outerjoin(last, last.c.agreement_id == Agreement.id)
        .order_by(Agency.code, Agreement.created_at)
    )
    if agency is not None:
        query = query.where(Agency.code == agency)
    due = []
    for agreement, code, at in session.execute(query):
        if not in_force(agreement.valid_from, agreement.valid_until, today,
                        ended=agreement.ended_at is not None):  # fmt: skip
            continue
        last_day = at.astimezone(CHINA_TZ).date() if at is not None else None
        if is_due(Frequency(agreement.frequency), last_day, today):
            due.append((agreement.id, code))
    return due


def export_due(
    factory: sessionmaker[Session], keys: KeyRing, now: dt.datetime, *, sender: str,
    folder: Path, agency: str | None = None,
) -> list[Exported]:  # fmt: skip
    """Every due agreement's export (of `agency` only, if given), one package per transaction."""
    with factory() as session:
        due = due_agreements(session, china_today(now), agency=agency)
    done = []
    for agreement_id, _code in due:
        after = None
        while True:
            with factory() as session, session.begin():
                exported = export_agreement(session, keys, now, agreement_id=agreement_id,
                                            sender=sender, folder=folder, after=after)  # fmt: skip
            if exported is None:
                break
            done.append(exported)
            if exported.records < CHUNK:
                break
            after = exported.last_record
    return done


def export_agreement(
    session: Session, keys: KeyRing, now: dt.datetime, *, agreement_id: uuid.UUID, sender: str,
    folder: Path, limit: int = CHUNK, after: uuid.UUID | None = None,
) -> Exported | None:  # fmt: skip
    """One package of up to `limit` records owed under the agreement, in the caller's
    transaction; None when nothing changed since its last export."""
    agreement = session.get_one(Agreement, agreement_id)
    agency = session.get_one(Agency, agreement.agency_id).code
    owed = _owed(session, agreement, china_today(now), limit, after)
    if not owed:
        return None
    sequence = (session.scalar(select(func.max(AgencyExport.sequence))
                               .where(AgencyExport.agency_code == agency)) or 0) + 1  # fmt: skip
    messages = [_message(session, keys, sender=sender, agency=agency, owed=o) for o in owed]
    data = pack(messages, sender=sender, receiver=agency, sequence=sequence, created_at=now,
                signer=keys)  # fmt: skip
    digest = hashlib.sha256(data).hexdigest()
    row = AgencyExport(id=uuid.uuid4(), agreement_id=agreement.id, agency_code=agency,
                       sequence=sequence, record_count=len(owed), sha256=digest,
                       created_at=now)  # fmt: skip
    try:
        with session.begin_nested():  # another worker took this number first
            session.add(row)
    except IntegrityError:
        raise Conflict(f"export #{sequence} for {agency} was just made by another worker",
                       field="agency", rule="sequence") from None  # fmt: skip
    _remember(session, agreement.id, row.id, [(o.record_id, o.version) for o in owed])
    append_entry(session, now, {
        "kind": "agency", "event": "export", "agency": agency, "agreement": str(agreement.id),
        "sequence": sequence, "records": len(owed),
        "displayed": sum(1 for o in owed if o.shown), "sha256": digest,
    })  # fmt: skip
    session.flush()
    path = folder / agency / f"{sequence}.jsonl.gz"
    _write_atomically(path, data)
    return Exported(agency, agreement.id, sequence, len(owed), path, digest,
                    owed[-1].record_id)  # fmt: skip


def _owed(
    session: Session, agreement: Agreement, today: dt.date, limit: int,
    after: uuid.UUID | None = None,
) -> list[Owed]:  # fmt: skip
    """Up to `limit` records the agreement owes, in id order after `after`: displayed and not
    carried at this version, or carried and no longer displayed at a version not carried yet.
    Read `limit` rows at a time, so a large table is never loaded whole."""
    sent = AgencySent
    query = (
        select(Record.id, Record.version, Record.status, Record.disclosure, Record.category,
               Record.publicised, Record.display_start, Record.display_latest_end,
               sent.version.label("sent"), RecordVersion.change)
        .join(RecordVersion, and_(RecordVersion.record_id == Record.id,
                                  RecordVersion.version == Record.version))
        .outerjoin(sent, and_(sent.agreement_id == agreement.id, sent.record_id == Record.id))
        .where(Record.item_code.in_(json.loads(agreement.items)), Record.origin.is_(None),
               Record.disclosure == DisclosureLevel.PUBLIC.value,
               or_(sent.version.is_(None), sent.version < Record.version),
               # never displayed today unless active and publicised: the rest is not owed
               or_(sent.version.is_not(None),
                   and_(Record.status == RecordStatus.ACTIVE, Record.publicised.is_(True))))
        .order_by(Record.id)
        .limit(limit)
    )  # fmt: skip
    owed: list[Owed] = []
    while len(owed) < limit:
        rows = session.execute(query if after is None else query.where(Record.id > after)).all()
        for row in rows:
            facts = RecordFacts(str(row.status), row.disclosure, row.category, row.publicised,
                                row.display_start, row.display_latest_end)  # fmt: skip
            shown = is_displayed(facts, today)
            if (shown or row.sent is not None) and len(owed) < limit:
                owed.append(Owed(row.id, row.version, Change(row.change), shown))
        if len(rows) < limit:
            break
        after = rows[-1].id
    return owed


def _message(session: Session, keys: KeyRing, *, sender: str, agency: str, owed: Owed) -> Message:
    # The same id for the same record version to the same agency, whichever package carries it.
    message_id = uuid.uuid5(_IDS, f"{agency}/{owed.record_id}/{owed.version}")
    if owed.shown:
        return current_message(session, keys, origin=sender, message_id=message_id,
                               record_id=owed.record_id)  # fmt: skip
    return change_message(session, keys, origin=sender, message_id=message_id,
                          record_id=owed.record_id, version=owed.version,
                          change=owed.change)  # fmt: skip


def _remember(session: Session, agreement_id: uuid.UUID, export_id: uuid.UUID,
              carried: list[tuple[uuid.UUID, int]]) -> None:  # fmt: skip
    known = {
        row.record_id: row
        for row in session.scalars(select(AgencySent).where(
            AgencySent.agreement_id == agreement_id,
            AgencySent.record_id.in_([r for r, _v in carried])))
    }  # fmt: skip
    for record_id, version in carried:
        row = known.get(record_id)
        if row is None:
            session.add(AgencySent(agreement_id=agreement_id, record_id=record_id,
                                   version=version, export_id=export_id))  # fmt: skip
        else:
            row.version, row.export_id = version, export_id


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temp.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)
