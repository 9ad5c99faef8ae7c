"""R-5.5 (§6(二) of the opinions): serious dishonesty that the financial credit database or a
credit agency sent is queued once for the national platform, with a record share so that its
later changes reach the national node as change events (R-4.4)."""

from __future__ import annotations

import json

from sqlalchemy import select

from chengxin.catalog.schema import validate_fields
from chengxin.clock import china_today
from chengxin.exchange.jobs import queue_all
from chengxin.exchange.models import NationalPush
from chengxin.exchange.push import NATIONAL, Cursor, mark_failed, mark_sent, pending, queue_upward
from chengxin.records.changes import change_record
from chengxin.records.models import Change, ChangeEvent, Record, RecordShare, RecordStatus
from chengxin.records.rules import record_facts
from chengxin.workdays.loader import load_calendar
from tests.conftest import NOW
from tests.exchange.conftest import Node, evasion, loan_default, tax_listing

LOAN_LINE = "STUDENT-LOAN-DEFAULT.overdue_days>=90"


def queued(node: Node) -> dict[str, tuple[str, int]]:
    """Source record id → (criterion, version) of every queued row."""
    with node.sessions() as session:
        rows = session.execute(
            select(Record.source_record_id, NationalPush.criterion, NationalPush.version)
            .join(Record, Record.id == NationalPush.record_id)
        )  # fmt: skip
        return {rid: (criterion, version) for rid, criterion, version in rows}


def shared_with(node: Node) -> list[tuple[str, str]]:
    with node.sessions() as session:
        rows = session.execute(
            select(Record.source_record_id, RecordShare.recipient)
            .join(Record, Record.id == RecordShare.record_id).order_by(Record.source_record_id)
        )  # fmt: skip
        return [(rid, recipient) for rid, recipient in rows]


def push(node: Node) -> int:
    return queue_all(node.sessions, node.criteria, NOW).queued


def test_r5_5_serious_records_of_the_credit_database_and_agencies_are_queued(node: Node) -> None:
    """R-5.5: a serious record from the financial credit database, or a credit agency, is
    queued with the criterion it met, its version, and a share for `national`."""
    node.send("PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION", [evasion(1)])
    node.send("AGENCY-BH", "FINANCE-MALICIOUS-DEBT-EVASION", [evasion(2, record_id="A2")])
    assert push(node) == 2
    assert queued(node) == {"E1": ("category:serious", 1), "A2": ("category:serious", 1)}
    assert shared_with(node) == [("A2", NATIONAL), ("E1", NATIONAL)]
    with node.sessions() as session:
        row = session.scalars(select(NationalPush).order_by(NationalPush.queued_at)).first()
        assert row is not None
        assert (row.queued_at, row.sent_at, row.attempts) == (NOW, None, 0)


def test_r5_5_a_student_loan_default_is_serious_from_90_days_overdue(node: Node) -> None:
    """R-5.5: STUDENT-LOAN-DEFAULT is bad information; the criteria file makes it serious at 90
    days overdue. Below the line, or without the field, it is not queued."""
    node.send("PBOC-CRC", "STUDENT-LOAN-DEFAULT", [
        loan_default(1, 120), loan_default(2, 90), loan_default(3, 89), loan_default(4, None)])  # fmt: skip
    assert push(node) == 2
    assert queued(node) == {"L1": (LOAN_LINE, 1), "L2": (LOAN_LINE, 1)}
    assert [rid for rid, _ in shared_with(node)] == ["L1", "L2"]


def test_r5_5_only_records_of_the_financial_sources_are_queued(node: Node) -> None:
    """R-5.5: a government department's records are not pushed this way, serious or not: a
    major-tax-violation listing (category serious), a penalty whose tier is serious, a student
    loan default far past the line."""
    node.send("TAX-BJ", "LIST-TAX-MAJOR-VIOLATION", [tax_listing(1)])
    node.send("STUDENT-AID", "STUDENT-LOAN-DEFAULT", [loan_default(2, 400)])
    assert push(node) == 0
    assert queued(node) == {}
    assert shared_with(node) == []


def test_r5_5_revoked_records_are_not_queued(node: Node) -> None:
    """R-5.5, R-2.3: a record its source revoked before the job ran is not pushed."""
    node.send("PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION", [evasion(1), evasion(2)])
    node.send("PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION", [evasion(1, action="revoke")])
    assert node.record("E1").status is RecordStatus.REVOKED
    assert push(node) == 1
    assert queued(node) == {"E2": ("category:serious", 1)}


def test_r5_5_running_twice_queues_nothing_new(node: Node) -> None:
    """R-5.5: the job is idempotent; a record that arrives later is queued by the next run."""
    node.send("PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION", [evasion(1)])
    assert push(node) == 1
    assert push(node) == 0
    node.send("PBOC-CRC", "STUDENT-LOAN-DEFAULT", [loan_default(2, 95)])
    assert push(node) == 1
    assert push(node) == 0
    assert set(queued(node)) == {"E1", "L2"}
    assert len(shared_with(node)) == 2


def test_r5_5_a_watermark_reads_only_what_changed(node: Node) -> None:
    """R-5.5: from a watermark the job reads only records updated since, in chunks."""
    node.send("PBOC-CRC", "STUDENT-LOAN-DEFAULT", [loan_default(n, 10 * n) for n in range(1, 21)])
    everything = queue_all(node.sessions, node.criteria, NOW)
    assert (everything.scanned, everything.queued) == (20, 12)  # 90 days and more: n ≥ 9
    later = NOW.replace(hour=NOW.hour + 1)
    assert queue_all(node.sessions, node.criteria, later, since=later).scanned == 0
    with node.sessions() as session, session.begin():
        first = queue_upward(session, later, criteria=node.criteria, limit=3)
        assert (first.scanned, first.queued) == (3, 0)  # the 8 below the line stay candidates
        assert first.last is not None
        rest = queue_upward(session, later, criteria=node.criteria, after=first.last)
        assert rest.scanned == 5
        assert (
            queue_upward(session, later, criteria=node.criteria, after=Cursor(later)).last is None
        )


def test_r5_5_a_later_correction_reaches_the_national_node(node: Node) -> None:
    """R-5.5, R-4.4: once queued, a correction of the record (here an objection's outcome)
    makes a change event for `national`, due in three working days."""
    node.send("PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION", [evasion(1)])
    assert push(node) == 1
    with node.sessions() as session, session.begin():
        record = session.scalars(select(Record).where(Record.source_record_id == "E1")).one()
        item = node.catalog.item(record.item_code, record.item_version)
        content = {**json.loads(record.content), "outstanding_amount": "150000.00"}
        facts = record_facts(node.catalog, item, validate_fields(item, content), china_today(NOW))
        done = change_record(session, load_calendar(), NOW, record=record,
                             change=Change.OBJECTION_CORRECTED, status=RecordStatus.ACTIVE,
                             reason="异议更正", actor="test", facts=facts)  # fmt: skip
        assert done is not None
    with node.sessions() as session:
        events = session.scalars(select(ChangeEvent)).all()
        assert [(e.recipient, e.change, e.version) for e in events] == [
            (NATIONAL, Change.OBJECTION_CORRECTED, 2)]  # fmt: skip
    assert push(node) == 0  # queued once; the change travels as the event


def test_r5_5_a_batch_correction_by_the_source_reaches_the_national_node(node: Node) -> None:
    """R-5.5, R-4.4: the bank correcting the record in a batch should reach `national` too."""
    node.send("PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION", [evasion(1)])
    assert push(node) == 1
    node.send("PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION",
              [evasion(1, action="correct", outstanding_amount="150000.00")])  # fmt: skip
    with node.sessions() as session:
        assert session.scalars(select(ChangeEvent.recipient)).all() == [NATIONAL]


def test_r5_5_the_exchange_takes_pending_rows_and_marks_them_sent(node: Node) -> None:
    """R-5.5: the exchange (issue H) reads the oldest unsent rows with the record's current
    version and status, and marks them sent once; a failure counts an attempt."""
    node.send("PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION", [evasion(1), evasion(2)])
    assert push(node) == 2
    with node.sessions() as session, session.begin():
        rows = pending(session, 10)
        assert sorted(r.item_code for r in rows) == ["FINANCE-MALICIOUS-DEBT-EVASION"] * 2
        assert {(r.queued_version, r.current_version, r.status) for r in rows} == {(1, 1, "active")}
        first, second = rows
        assert mark_failed(session, [first.id]) == 1
        assert mark_sent(session, [first.id], NOW) == 1
        assert mark_sent(session, [first.id], NOW) == 0  # another worker's second try: no-op
        [left] = pending(session, 10)
        assert (left.id, left.attempts) == (second.id, 0)
        sent = session.get_one(NationalPush, first.id)
        assert (sent.sent_at, sent.attempts) == (NOW, 2)
