"""R-5.5: exports to a credit agency (征信机构) under an agreement — only the agreed public items
displayed today, never another node's records, signed so the agency can verify them, numbered
per agency without gaps, incremental and idempotent, each one registered in the ledger."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid

import pytest
from sqlalchemy import select

from chengxin.agencies.export import export_agreement
from chengxin.agencies.models import AgencyExport
from chengxin.agencies.rules import Frequency
from chengxin.agencies.service import end_agreement
from chengxin.collection import service as collection
from chengxin.collection.readers import Limits
from chengxin.exchange.copies import Outcome, apply_message
from chengxin.exchange.messages import RecordVersionMessage, Revocation
from chengxin.exchange.outbox_messages import current_message
from chengxin.exchange.packages import PackageRefused, unpack
from chengxin.records.models import Record
from tests.agencies.conftest import agree, export, files, ledger, read
from tests.collection.conftest import PENALTY_HEADERS, penalty_row, person, write_csv
from tests.platform import ALICE, BOB, Platform

OTHER_NODE = "CN-310000"


def own_records(p: Platform, item: str) -> set[uuid.UUID]:
    with p.rt.sessions() as session:
        return set(session.scalars(select(Record.id).where(Record.item_code == item,
                                                           Record.origin.is_(None))))  # fmt: skip


def copy_from_another_node(p: Platform) -> uuid.UUID:
    """A copy of a PENALTY-TAX record of node CN-310000, about Alice, held here."""
    record_id = uuid.uuid4()
    with p.rt.sessions() as session, session.begin():
        own = session.scalars(select(Record.id).where(Record.item_code == "PENALTY-TAX")).first()
        assert own is not None
        message = current_message(session, p.rt.keys, origin="CN-110000", message_id=uuid.uuid4(),
                                  record_id=own)  # fmt: skip
        foreign = dataclasses.replace(message, id=uuid.uuid4(), origin=OTHER_NODE,
                                      record_id=record_id)  # fmt: skip
        applied = apply_message(session, p.rt.keys, p.rt.workdays, p.clock(), sender=OTHER_NODE,
                                message=foreign)  # fmt: skip
        assert applied.outcome is Outcome.APPLIED, applied
    return record_id


def test_r5_5_an_export_holds_the_agreed_public_displayed_records_of_this_node(
    whole: Platform,
) -> None:
    """R-5.5: the package holds this node's own PENALTY-TAX records (Alice's and Bob's), not
    the traffic penalty (authorised, not agreed) nor a copy of another node's record; it
    verifies with this node's public key and is addressed to the agency."""
    copy = copy_from_another_node(whole)
    agree(whole, "BAIHANG")
    [done] = export(whole, "BAIHANG")
    assert (done.agency, done.sequence, done.records) == ("BAIHANG", 1, 2)
    assert done.path == whole.rt.settings.data_dir / "exports" / "BAIHANG" / "1.jsonl.gz"
    assert files(whole, "BAIHANG") == ["1.jsonl.gz"]  # no temporary file left behind
    package = read(whole, done)
    assert package.header.receiver == "BAIHANG"
    assert package.header.sequence == 1
    assert all(isinstance(m, RecordVersionMessage) for m in package.messages)
    sent = {m.record_id for m in package.messages}
    assert sent == own_records(whole, "PENALTY-TAX")
    assert copy not in sent
    assert {m.item_code for m in package.messages} == {"PENALTY-TAX"}  # type: ignore[attr-defined]
    people = {m.subject.id_number for m in package.messages}  # type: ignore[attr-defined]
    assert people == {ALICE, BOB}
    assert hashlib.sha256(done.path.read_bytes()).hexdigest() == done.sha256
    with whole.rt.sessions() as session:
        row = session.scalars(select(AgencyExport).where(AgencyExport.agency_code == "BAIHANG")
                              ).one()  # fmt: skip
    assert (row.sequence, row.record_count, row.sha256) == (1, 2, done.sha256)


def test_r5_5_a_package_altered_or_checked_with_another_key_is_refused(whole: Platform) -> None:
    """R-5.5: the agency's check fails on a changed byte or a key that is not this node's."""
    agree(whole, "PENGYUAN")
    [done] = export(whole, "PENGYUAN")
    data = done.path.read_bytes()
    sender = whole.rt.settings.resolved_node_code
    with pytest.raises(PackageRefused) as wrong:
        unpack(data, sender=sender, sender_key=bytes(32 * [7]), receiver="PENGYUAN")
    assert wrong.value.rule in {"signature-key", "signature"}
    with pytest.raises(PackageRefused) as other:
        unpack(data, sender=sender, sender_key=whole.rt.keys.public_key_raw, receiver="BAIHANG")
    assert other.value.rule == "receiver"


def test_r5_5_every_export_is_a_ledger_entry_without_personal_data(whole: Platform) -> None:
    """R-5.5: a disclosure to a third party is registered: agency, agreement, sequence, counts
    and the file's digest — no names, no ID numbers."""
    agreement = agree(whole, "QIANHAI")
    [done] = export(whole, "QIANHAI")
    [added] = ledger(whole, "add", "QIANHAI")
    [agreed] = ledger(whole, "agree", "QIANHAI")
    [entry] = ledger(whole, "export", "QIANHAI")
    assert added["name"] == "QIANHAI 征信有限公司"
    assert (agreed["agreement"], agreed["items"], agreed["frequency"]) == (
        agreement, ["PENALTY-TAX"], "daily")  # fmt: skip
    assert (entry["agreement"], entry["sequence"], entry["records"], entry["displayed"],
            entry["sha256"]) == (agreement, 1, 2, 2, done.sha256)  # fmt: skip
    text = str(entry)
    for personal in (ALICE, BOB, "张"):
        assert personal not in text


def test_r5_5_exports_are_due_by_frequency_incremental_and_idempotent(whole: Platform) -> None:
    """R-5.5: a second run the same day exports nothing; a day later nothing is due for a
    weekly agreement; a week later a new record and a revoked one go out — the revoked one as
    a revocation, once — under the next sequence number of that agency."""
    start = whole.clock.now
    try:
        agree(whole, "SHUZHI", frequency=Frequency.WEEKLY)
        agree(whole, "DAILYCO")
        assert [e.sequence for e in export(whole, "SHUZHI")] == [1]
        assert export(whole, "SHUZHI") == []  # same day: nothing
        assert [e.sequence for e in export(whole, "DAILYCO")] == [1]

        whole.clock.now = start + dt.timedelta(days=1)
        assert export(whole, "DAILYCO") == []  # due, but nothing changed: no package

        whole.clock.now = start + dt.timedelta(days=2)
        whole.ingest([penalty_row(5, number=person(5), name="张五")], "PENALTY-TAX", "more.csv")
        revoke = write_csv(whole.tmp / "revoke.csv", [*PENALTY_HEADERS, "action"],
                           [[*penalty_row(2, number=BOB, name="张二"), "revoke"]])  # fmt: skip
        collection.ingest_file(
            whole.rt.sessions, whole.rt.keys, whole.rt.catalog, whole.clock, path=revoke,
            source_code="TAX-BJ", item_code="PENALTY-TAX", actor="test", limits=Limits(),
        )  # fmt: skip
        assert export(whole, "SHUZHI") == []  # weekly: not due before a week

        [daily] = export(whole, "DAILYCO")
        assert (daily.sequence, daily.records) == (2, 2)
        kinds = sorted(type(m).__name__ for m in read(whole, daily).messages)
        assert kinds == ["RecordVersionMessage", "Revocation"]

        whole.clock.now = start + dt.timedelta(days=7)
        [weekly] = export(whole, "SHUZHI")
        assert (weekly.sequence, weekly.records) == (2, 2)
        messages = read(whole, weekly).messages
        [revoked] = [m for m in messages if isinstance(m, Revocation)]
        [new] = [m for m in messages if isinstance(m, RecordVersionMessage)]
        assert new.subject.id_number == person(5)  # type: ignore[union-attr]
        assert revoked.record_id != new.record_id
        assert files(whole, "SHUZHI") == ["1.jsonl.gz", "2.jsonl.gz"]

        whole.clock.now = start + dt.timedelta(days=14)
        assert export(whole, "SHUZHI") == []  # the revocation went out once

        agree(whole, "NEWCO")  # a newcomer never hears of Bob's revoked record
        [first] = export(whole, "NEWCO")
        got = read(whole, first).messages
        assert all(isinstance(m, RecordVersionMessage) for m in got)
        assert {m.subject.id_number for m in got} == {ALICE, person(5)}  # type: ignore[attr-defined]
    finally:
        whole.clock.now = start


def test_r5_5_an_ended_agreement_or_one_not_yet_in_force_exports_nothing(whole: Platform) -> None:
    """R-5.5: no export before valid_from, none after the agreement was ended."""
    agree(whole, "LATER", valid_from=dt.date(2027, 1, 1))
    assert export(whole, "LATER") == []
    agreement = agree(whole, "ENDED")
    with whole.rt.sessions() as session, session.begin():
        end_agreement(session, whole.clock(), uuid.UUID(agreement), actor="test")
    assert export(whole, "ENDED") == []
    assert len(ledger(whole, "end", "ENDED")) == 1


def test_r5_5_a_large_export_is_split_into_packages_numbered_in_order(whole: Platform) -> None:
    """R-5.5: records beyond a package's limit go into the next package, the next number."""
    agreement = uuid.UUID(agree(whole, "SPLITCO"))
    sender = whole.rt.settings.resolved_node_code
    folder = whole.rt.settings.data_dir / "exports"
    done = []
    while True:
        with whole.rt.sessions() as session, session.begin():
            one = export_agreement(session, whole.rt.keys, whole.clock(), agreement_id=agreement,
                                   sender=sender, folder=folder, limit=1,
                                   after=done[-1].last_record if done else None)  # fmt: skip
        if one is None:
            break
        done.append(one)
    assert [(e.sequence, e.records) for e in done] == [(1, 1), (2, 1)]
    carried = [m.record_id for e in done for m in read(whole, e).messages]
    assert len(set(carried)) == 2
