"""R-5.2, R-4.4: a copy of another node's record changes only when its origin sends the change.
Here nothing changes it: the expiry job leaves it to the origin, a person's objection (异议) or
credit repair application (信用修复) about it is refused with the node to apply to, and no local
source can send for it (its source is a mirror without grants, keys or members)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from chengxin.access.models import ApiKey
from chengxin.collection import service as collection
from chengxin.collection.models import Source, SourceGrant, SourceMember
from chengxin.collection.readers import Limits
from chengxin.disputes.models import CaseStep, Objection, RepairCase
from chengxin.errors import Forbidden
from chengxin.exchange.copies import Outcome, apply_message
from chengxin.exchange.messages import PersonRef
from chengxin.ledger.models import LedgerEntry
from chengxin.notifications.models import Notification
from chengxin.records.expiry import expire_records
from chengxin.records.models import Record, RecordStatus, RecordVersion
from tests.collection.conftest import PENALTY_HEADERS, penalty_row, write_csv
from tests.exchange.examples import EXAMPLES, ORIGIN, state
from tests.platform import ALICE, BOB, Platform, platform

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HELD = "record-held-elsewhere"
COPY = uuid.UUID("0190a3c4-5e6f-7a8b-9c0d-000000000001")  # a public tax penalty, shown till 2029
OVERDUE = uuid.UUID("0190a3c4-5e6f-7a8b-9c0d-000000000002")  # its last display day has passed


def hold(p: Platform, record_id: uuid.UUID, **state_change: Any) -> None:
    """Apply region CN-330000's record version about Alice (张一) here."""
    example = EXAMPLES["record_version"]
    message = dataclasses.replace(
        example, id=uuid.uuid4(), record_id=record_id, subject=PersonRef(ALICE, "张一"),
        state=dataclasses.replace(state(), **state_change),
    )  # fmt: skip
    with p.rt.sessions() as session, session.begin():
        applied = apply_message(session, p.rt.keys, p.rt.workdays, p.clock(), sender=ORIGIN,
                                message=message)  # fmt: skip
    assert applied.outcome == Outcome.APPLIED, applied


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def here(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """A regional node holding two copies of CN-330000's records about Alice, and an own
    record about Bob whose display period ended before today."""
    with platform(tmp_path_factory.mktemp("guards"), request.param) as p:
        hold(p, COPY)
        hold(p, OVERDUE, display_earliest_end=dt.date(2026, 6, 2),
             display_latest_end=dt.date(2026, 9, 2))  # fmt: skip
        p.ingest([penalty_row(9, number=BOB, name="张二", record="OLD", decided="2021-03-01")],
                 "PENALTY-TAX", "old.csv")  # fmt: skip
        yield p


def written(p: Platform) -> dict[str, int]:
    """Rows a refused filing must not add."""
    with p.rt.sessions() as session:
        return {model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Objection, RepairCase, CaseStep, LedgerEntry, Notification,
                              RecordVersion)}  # fmt: skip


def copy_state(p: Platform, record_id: uuid.UUID) -> tuple[int, RecordStatus, str | None]:
    with p.rt.sessions() as session:
        record = session.get_one(Record, record_id)
        return record.version, record.status, record.origin


def test_r4_4_the_copies_are_alices_records_here(here: Platform) -> None:
    """R-5.2: the copies appear among Alice's records (so she sees what she would object to)."""
    mine = here.call("GET", "/api/v1/me/records", "alice").json()["records"]
    assert {str(COPY), str(OVERDUE)} <= {r["record_id"] for r in mine}
    assert copy_state(here, COPY) == (1, RecordStatus.ACTIVE, ORIGIN)


def test_r4_4_an_objection_to_a_copy_is_filed_at_its_origin(here: Platform) -> None:
    """R-4.1 with R-4.4: an objection about a copy is refused naming record_id, the rule and
    the node that holds the original; nothing is written, the copy is not marked."""
    before = written(here)
    answer = here.call("POST", "/api/v1/me/objections", "alice",
                       data={"record_id": str(COPY), "reason": "罚款金额与决定书不符"})  # fmt: skip
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert (problem["field"], problem["rule"]) == ("record_id", HELD)
    assert ORIGIN in problem["detail"]
    assert written(here) == before
    assert copy_state(here, COPY) == (1, RecordStatus.ACTIVE, ORIGIN)
    assert here.call("GET", "/api/v1/me/disputes", "alice").json() == []


def test_r4_4_an_agent_at_the_counter_is_refused_the_same_way(here: Platform) -> None:
    """R-4.1: the counter (代理人) files through the same verb: refused, nothing written."""
    before = written(here)
    answer = here.call("POST", "/api/v1/objections", "the.reviewer",
                       data={"id_number": ALICE, "record_id": str(COPY), "agent": "李律师",
                             "reason": "罚款金额与决定书不符"},
                       files=[("files", ("授权委托书.pdf", io.BytesIO(PDF), "application/pdf"))])  # fmt: skip
    assert answer.status_code == 422, answer.text
    assert (answer.json()["field"], answer.json()["rule"]) == ("record_id", HELD)
    assert written(here) == before


def test_r4_4_a_repair_of_a_copy_is_applied_for_at_its_origin(here: Platform) -> None:
    """R-4.3 with R-4.4: the designating source (谁认定、谁修复) is reached through the origin
    node; here the application is refused naming the field, the rule and that node."""
    before = written(here)
    answer = here.call("POST", "/api/v1/me/repairs", "alice", data={
        "record_id": str(COPY), "evidence": "performed_after", "statement": "已于2026年6月足额补缴税款",
        "commitment": "本人承诺今后依法诚信纳税，如有违反愿承担相应责任"})  # fmt: skip
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert (problem["field"], problem["rule"]) == ("record_id", HELD)
    assert ORIGIN in problem["detail"]
    assert written(here) == before
    assert copy_state(here, COPY) == (1, RecordStatus.ACTIVE, ORIGIN)


def test_r4_2_the_expiry_job_leaves_copies_to_their_origin(here: Platform) -> None:
    """R-4.2 with R-4.4: the job ends the display of this node's overdue record, not of an
    overdue copy; its origin sends the expiry."""
    report = expire_records(here.rt.sessions, here.rt.workdays, here.clock())
    assert report.expired == 1
    with here.rt.sessions() as session:
        old = session.scalars(select(Record).where(Record.source_record_id == "OLD")).one()
        assert old.status == RecordStatus.EXPIRED
    assert copy_state(here, OVERDUE) == (1, RecordStatus.ACTIVE, ORIGIN)
    assert expire_records(here.rt.sessions, here.rt.workdays, here.clock()).expired == 0


def test_r5_2_no_local_source_can_send_for_a_copy(here: Platform) -> None:
    """R-5.2: a copy's source is a mirror of the origin's unit: no items granted, no API keys,
    no members; a batch in its name is refused, and a local source's batch with the same
    record id makes that source's own record and leaves the copy as it was."""
    with here.rt.sessions() as session:
        mirror = session.scalars(select(Source).where(Source.code == f"{ORIGIN}/ZJ-TAX")).one()
        for model, column in ((SourceGrant, SourceGrant.source_id),
                              (SourceMember, SourceMember.source_id),
                              (ApiKey, ApiKey.owner_id)):  # fmt: skip
            found = session.scalar(
                select(func.count()).select_from(model).where(column == mirror.id)
            )
            assert found == 0, model.__name__
    rows = [penalty_row(1, number=ALICE, name="张一", record=str(COPY))]
    path = write_csv(here.tmp / "mirror.csv", PENALTY_HEADERS, rows)
    before = written(here)
    with pytest.raises(Forbidden) as refused:
        collection.ingest_file(
            here.rt.sessions, here.rt.keys, here.rt.catalog, here.clock, path=path,
            source_code=mirror.code, item_code="PENALTY-TAX", actor="test", limits=Limits(),
        )  # fmt: skip
    assert (refused.value.field, refused.value.rule) == ("item", "not-granted")
    assert written(here)["RecordVersion"] == before["RecordVersion"]
    here.ingest(rows, "PENALTY-TAX", "local.csv")  # TAX-BJ, the copy's id as its record id
    assert copy_state(here, COPY) == (1, RecordStatus.ACTIVE, ORIGIN)
    with here.rt.sessions() as session:
        same_id = session.scalars(select(Record).where(Record.source_record_id == str(COPY))).all()
        assert sorted((r.origin or "here") for r in same_id) == [ORIGIN, "here"]
