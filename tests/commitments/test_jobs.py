"""The deadline job and first use under concurrency (R-7.2): two workers breaching the same
overdue commitments make one breach record each, never two; two departments recording their
first commitments at once create the PLATFORM source and its grants once (R-2.2, R-2.3)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from chengxin.collection.models import Source, SourceGrant
from chengxin.commitments import service
from chengxin.commitments.jobs import BreachReport, breach_all_overdue
from chengxin.commitments.models import Commitment
from chengxin.commitments.rules import CommitmentKind, CommitmentState
from chengxin.commitments.submit import CommitmentContext
from chengxin.notifications.models import Notification
from chengxin.records.models import Record
from chengxin.requesters.models import Requester
from tests.commitments.conftest import BODY, add_department, beijing, counts, make
from tests.platform import BOB, Platform


def _together(work: Callable[[], Any], n: int = 2) -> list[Any]:
    """Run `work` in `n` threads released at the same moment; their results."""
    start = threading.Barrier(n)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            results.append(work())
        except BaseException as exc:  # noqa: BLE001  (reported by the test below)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return results


def _count(node: Platform, query: Any) -> int:
    with node.rt.sessions() as session:
        return session.scalar(query) or 0


def _ctx(node: Platform) -> CommitmentContext:
    return CommitmentContext(node.rt.keys, node.rt.catalog, node.rt.settings.region_code)


def test_r7_2_two_workers_breach_each_overdue_commitment_once(node: Platform) -> None:
    ids = [make(node, document_number=f"容缺〔2026〕{n}号")["id"] for n in range(4)]
    ids.append(make(node, id_number=BOB, name="张二", document_number="容缺〔2026〕9号")["id"])
    later = beijing(dt.date(2026, 12, 11), hour=0)

    reports: list[BreachReport] = _together(
        lambda: breach_all_overdue(node.rt.sessions, _ctx(node), later)
    )
    assert sum(r.breached for r in reports) == 5
    assert sum(r.refused for r in reports) == 0
    breach_items = select(func.count()).select_from(Record).where(
        Record.item_code == "COMMITMENT-BREACH")  # fmt: skip
    assert _count(node, breach_items) == 5
    told = select(func.count()).select_from(Notification).where(
        Notification.topic == "commitment.breached")  # fmt: skip
    assert _count(node, told) == 5
    with node.rt.sessions() as session:
        rows = session.scalars(select(Commitment)).all()
        assert {str(c.id) for c in rows} == set(ids)
        assert {(c.state, c.version) for c in rows} == {(CommitmentState.BREACHED, 2)}
        made = session.scalars(select(Record).where(Record.item_code == "COMMITMENT-MADE")).all()
        assert {r.version for r in made} == {2}  # corrected once each
    before = counts(node)
    again = breach_all_overdue(node.rt.sessions, _ctx(node), later + dt.timedelta(days=1))
    assert (again.breached, again.skipped, again.refused) == (0, 0, 0)
    assert counts(node) == before


def test_r7_2_first_commitments_at_once_create_the_platform_source_once(node: Platform) -> None:
    add_department(node)
    with node.rt.sessions() as session:
        departments = {code: session.scalars(select(Requester.id)
                                              .where(Requester.code == code)).one()
                       for code in ("DEPT-M", "DEPT-N")}  # fmt: skip
    codes = iter(["DEPT-M", "DEPT-N"])
    lock = threading.Lock()

    def first() -> Commitment:
        with lock:
            code = next(codes)
        return service.retrying(node.rt.sessions, lambda session: service.make_commitment(
            session, _ctx(node), node.clock(), requester_id=departments[code],
            id_number=BODY["id_number"], name=BODY["name"], kind=CommitmentKind.OTHER,
            document_number=f"{code}-1", matter=BODY["matter"], terms=BODY["terms"],
            made_on=dt.date(2026, 11, 20), deadline=dt.date(2026, 12, 10), actor="test"))  # fmt: skip

    made = _together(first)
    assert len(made) == 2
    assert _count(node, select(func.count()).select_from(Source)
                  .where(Source.code == "PLATFORM")) == 1  # fmt: skip
    grants = select(SourceGrant.item_code).join(Source).where(Source.code == "PLATFORM")
    with node.rt.sessions() as session:
        assert sorted(session.scalars(grants)) == ["COMMITMENT-BREACH", "COMMITMENT-MADE"]
