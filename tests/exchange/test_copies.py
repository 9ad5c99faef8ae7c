"""Copies of other nodes' records (issue H, R-5.2, R-4.4): a record version from a peer becomes
a copy under the original's id, found by this node's readers; only its origin changes it, in
its version order; a copy shared onward passes each change on."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from chengxin.collection.models import Source
from chengxin.exchange.copies import Applied, Outcome, apply_message
from chengxin.exchange.messages import Message, PersonRef
from chengxin.identity.models import Subject
from chengxin.identity.service import find_person
from chengxin.ledger.models import LedgerEntry
from chengxin.records.models import (
    Change,
    ChangeEvent,
    Record,
    RecordShare,
    RecordStatus,
    RecordVersion,
)
from tests.conftest import NOW
from tests.exchange.examples import EXAMPLES, ID_NUMBER, NATIONAL, ORIGIN, RECORD
from tests.platform import ALICE, Platform, platform


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def here(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """The national node, holding copies of regions' records."""
    with platform(tmp_path_factory.mktemp("national"), request.param,
                  CHENGXIN_NODE_ROLE="national") as p:  # fmt: skip
        yield p


def _apply(p: Platform, message: Message, *, sender: str = ORIGIN) -> Applied:
    with p.rt.sessions() as session, session.begin():
        return apply_message(session, p.rt.keys, p.rt.workdays, p.clock(), sender=sender,
                             message=message)  # fmt: skip


def _copy(p: Platform) -> tuple[Record | None, list[tuple[int, Change, RecordStatus]]]:
    with p.rt.sessions() as session:
        record = session.get(Record, RECORD)
        versions = session.execute(
            select(RecordVersion.version, RecordVersion.change, RecordVersion.status)
            .where(RecordVersion.record_id == RECORD).order_by(RecordVersion.version)
        ).all()  # fmt: skip
        return record, [(v, c, s) for v, c, s in versions]


def test_h_a_record_version_becomes_a_copy_in_order(here: Platform) -> None:
    """R-5.2: the first version creates the copy — the person registered under this node's own
    blind index, the unit mirrored as "<origin>/<code>", the origin's version number kept, a ledger
    entry; the same version again and older ones change nothing; later ones apply."""
    ledger_before = _ledger_size(here)
    assert _apply(here, EXAMPLES["record_version"]).outcome is Outcome.APPLIED
    record, versions = _copy(here)
    assert record is not None
    assert (record.origin, record.version, record.status) == (ORIGIN, 1, RecordStatus.ACTIVE)
    assert versions == [(1, Change.CREATED, RecordStatus.ACTIVE)]
    with here.rt.sessions() as session:
        subject = find_person(session, here.rt.keys, ID_NUMBER, NOW.date())
        source = session.get_one(Source, record.source_id)
    assert record.subject_id == subject
    assert (source.code, source.name) == ("CN-330000/ZJ-TAX", "国家税务总局浙江省税务局")
    assert _ledger_size(here) == ledger_before + 1

    assert _apply(here, EXAMPLES["record_version"]).outcome is Outcome.STALE
    assert _apply(here, EXAMPLES["correction"]).outcome is Outcome.APPLIED
    record, _ = _copy(here)
    assert record is not None
    assert "1500.00" in record.content
    assert _apply(here, EXAMPLES["correction"]).outcome is Outcome.STALE
    assert _apply(here, EXAMPLES["revocation"]).outcome is Outcome.APPLIED
    _, versions = _copy(here)
    assert versions == [(1, Change.CREATED, RecordStatus.ACTIVE),
                        (2, Change.CORRECTED, RecordStatus.ACTIVE),
                        (3, Change.OBJECTION_REVOKED, RecordStatus.REVOKED)]  # fmt: skip
    assert _apply(here, EXAMPLES["repair"]).outcome is Outcome.STALE  # version 3 is held


def test_h_only_the_origin_or_the_national_node_changes_a_copy(here: Platform) -> None:
    """R-5.2: a region sends its own records only; nobody sends a change to this node's own
    record; a change to a record not held here changes nothing. Refusals write nothing."""
    other = dataclasses.replace(EXAMPLES["record_version"], record_id=_new_id(7))
    refused = _apply(here, other, sender="CN-440300")
    assert (refused.outcome, refused.field, refused.rule) == (
        Outcome.REFUSED,
        "origin",
        "origin-is-sender",
    )
    with here.rt.sessions() as session:
        own = session.scalars(select(Record).where(Record.origin.is_(None))).first()
    assert own is not None
    takeover = dataclasses.replace(EXAMPLES["correction"], record_id=own.id, version=99)
    assert _apply(here, takeover).rule == "own-record"
    unknown = dataclasses.replace(EXAMPLES["expiry"], record_id=_new_id(8))
    assert _apply(here, unknown).outcome is Outcome.UNKNOWN
    with here.rt.sessions() as session:
        assert session.get(Record, _new_id(7)) is None
        assert session.get_one(Record, own.id).version == own.version


def test_h_a_subject_the_registry_refuses_writes_nothing(here: Platform) -> None:
    """R-5.1: a record about an ID number with a wrong check digit is refused naming the field;
    no subject, no mirror, no record is left behind."""
    bad = dataclasses.replace(
        EXAMPLES["record_version"], record_id=_new_id(9),
        subject=PersonRef("110105194912310021", "张三"),
        source=dataclasses.replace(EXAMPLES["record_version"].source, code="ZJ-NEW"),  # type: ignore[union-attr]
    )  # fmt: skip
    with here.rt.sessions() as session:
        subjects = session.scalar(select(func.count()).select_from(Subject))
    result = _apply(here, bad)
    assert result.outcome is Outcome.REFUSED
    assert result.field is not None
    assert "id_number" in result.field
    with here.rt.sessions() as session:
        assert session.get(Record, _new_id(9)) is None
        assert session.scalar(select(func.count()).select_from(Subject)) == subjects
        assert session.scalar(select(Source).where(Source.code == "CN-330000/ZJ-NEW")) is None


def test_r4_4_a_copy_shared_onward_passes_its_changes_on(tmp_path: Path) -> None:
    """R-4.4: the national node holds a region's record and shared it with another region; the
    origin's repair, relayed, becomes a change event for that region, due in 3 working days."""
    with platform(tmp_path, "sqlite", CHENGXIN_NODE_ROLE="national") as p:
        record_id = _new_id(10)
        first = dataclasses.replace(EXAMPLES["record_version"], record_id=record_id)
        assert _apply(p, first).outcome is Outcome.APPLIED
        with p.rt.sessions() as session, session.begin():
            session.add(RecordShare(record_id=record_id, recipient="CN-440300", shared_at=NOW))
        repair = dataclasses.replace(EXAMPLES["repair"], record_id=record_id, version=2)
        assert _apply(p, repair).outcome is Outcome.APPLIED
        with p.rt.sessions() as session:
            (event,) = session.scalars(select(ChangeEvent))
            record = session.get_one(Record, record_id)
        assert (event.recipient, event.version, event.change) == ("CN-440300", 2, Change.REPAIRED)
        assert event.due_on > NOW.date()
        assert record.status is RecordStatus.REPAIRED
        # The relayed repair keeps the origin's number: a region B receiving it from the
        # national node applies it as the origin's version 2.
        assert _apply(p, repair, sender=NATIONAL).outcome is Outcome.STALE


def test_h_a_copy_is_found_by_this_nodes_readers(here: Platform) -> None:
    """R-5.2: a copy about a person known here joins the person's records in a query."""
    alice = here.subject(ALICE)
    message = dataclasses.replace(
        EXAMPLES["record_version"], record_id=_new_id(11),
        subject=PersonRef(ALICE, "张一"),
    )  # fmt: skip
    assert _apply(here, message).outcome is Outcome.APPLIED
    with here.rt.sessions() as session:
        record = session.get_one(Record, _new_id(11))
    assert record.subject_id == alice
    answer = here.call("GET", "/api/v1/me/records", who="alice")
    assert answer.status_code == 200, answer.text
    assert str(_new_id(11)) in answer.text


def _ledger_size(p: Platform) -> int:
    with p.rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(LedgerEntry)) or 0


def _new_id(n: int) -> uuid.UUID:
    return uuid.UUID(f"0190a3c4-5e6f-7a8b-9c0d-{n:012d}")
