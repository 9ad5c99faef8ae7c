"""R-5.4, the score's verbs on both databases: opting in computes, opting out deletes, only opted-in
people are ever scored, the SQL batch and the Python path agree, and the incremental path picks
up the people whose records changed."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from chengxin.ledger.models import LedgerEntry
from chengxin.records.models import Record, RecordStatus
from chengxin.scoring import service
from chengxin.scoring.model import ScoreModel
from chengxin.scoring.models import RunKind, Score, ScoreOptIn, ScoreRun
from tests.conftest import NOW
from tests.scoring.conftest import add_person, add_record, add_source

TODAY = NOW.date()
ITEMS = ["PENALTY-TAX", "PENALTY-TRAFFIC", "CONTRACT-BREACH", "LIST-SERIOUS-DISHONESTY",
         "JUDICIAL-DISHONEST-DEBTOR", "HONOUR-MORAL-MODEL", "HONOUR-BLOOD-DONATION",
         "VOLUNTEER-SERVICE-HOURS", "DONATION-CHARITABLE", "QUAL-LAWYER"]  # fmt: skip


def populate(session: Session, people: int, seed: int) -> list[uuid.UUID]:
    """People with random records of every kind, status, severity and age."""
    rnd = random.Random(seed)  # noqa: S311  (reproducible test data)
    source = add_source(session)
    ids = []
    for _ in range(people):
        person = add_person(session)
        ids.append(person)
        for _ in range(rnd.randint(0, 25)):
            item = rnd.choice(ITEMS)
            odd = rnd.choice(["1e3", "", "abc", " 12", "-40", 17, 2.5, None, True])
            value = f"{rnd.randint(0, 300)}.{rnd.randint(0, 9)}" if rnd.random() < 0.8 else odd
            content = {"hours": value} if item.startswith("VOL") else (
                {"amount": value} if item.startswith("DON") else {})  # fmt: skip
            add_record(session, person, source, item,
                       TODAY - dt.timedelta(days=rnd.randint(-2, 3000)),
                       severity=rnd.choice([None, "minor", "general", "serious"]),
                       status=rnd.choice(list(RecordStatus)), content=content)  # fmt: skip
    return ids


def scores(session: Session) -> dict[uuid.UUID, tuple[int, str, dict[str, object]]]:
    return {s.subject_id: (s.total, s.grade, s.breakdown) for s in session.scalars(select(Score))}


def score_events(session: Session, subject: uuid.UUID) -> list[str]:
    rows = session.scalars(
        select(LedgerEntry).where(LedgerEntry.subject_id == subject).order_by(LedgerEntry.idx)
    )
    return [body["event"] for body in (json.loads(r.body) for r in rows)
            if body.get("purpose") == "integrity_score"]  # fmt: skip


def test_opt_in_computes_and_opt_out_deletes(
    sessions: sessionmaker[Session], model: ScoreModel
) -> None:
    with sessions() as session, session.begin():
        source, person = add_source(session), add_person(session)
        tax = add_record(session, person, source, "PENALTY-TAX", dt.date(2026, 5, 10),
                         severity="general")  # fmt: skip
        assert service.compute_for(session, model, NOW, [person]) == 0  # not opted in
        assert service.stored_score(session, person) is None
        with pytest.raises(service.NotOptedIn):
            service.explain(session, model, NOW, person)
        with pytest.raises(service.NotOptedIn):
            service.what_if(session, model, NOW, subject_id=person, record_id=tax)
        service.opt_in(session, NOW, subject_id=person, model=model, actor="account:alice")
        stored = service.stored_score(session, person)
        assert stored is not None
        # 6 whole months of 36: -20 × 30/36 = -16.67, toward zero -16.
        assert (stored.total, stored.grade, stored.model_code) == (584, "A", "CX-PERSONAL")
        assert stored.breakdown == {"base": 600, "rules": {"bad-record": -16},
                                    "categories": {"bad": -16}, "bounds": 0}  # fmt: skip
        explained = service.explain(session, model, NOW, person)
        assert [(x.record_id, x.final) for x in explained.lines] == [(tax, -16)]
        what = service.what_if(session, model, NOW, subject_id=person, record_id=tax)
        assert (what.before.total, what.after.total) == (584, 600)
        service.opt_in(session, NOW + dt.timedelta(days=1), subject_id=person)  # again: no change
        assert session.get_one(ScoreOptIn, person).opted_in_at == NOW
    with sessions() as session, session.begin():
        assert service.opt_out(session, NOW, subject_id=person, actor="account:alice") is True
    with sessions() as session, session.begin():
        assert session.get(ScoreOptIn, person) is None
        assert session.get(Score, person) is None
        assert service.stored_score(session, person) is None
        with pytest.raises(service.NotOptedIn):
            service.explain(session, model, NOW, person)
        assert service.opt_out(session, NOW, subject_id=person) is False
        assert score_events(session, person) == ["score_opted_in", "score_opted_out"]


def test_the_score_cannot_outlive_its_opt_in(
    sessions: sessionmaker[Session], model: ScoreModel
) -> None:
    """The foreign key cascades: deleting the opt-in by any means deletes the score."""
    with sessions() as session, session.begin():
        person = add_person(session)
        service.opt_in(session, NOW, subject_id=person, model=model)
        assert session.get(Score, person) is not None
        session.delete(session.get_one(ScoreOptIn, person))
        session.flush()
        session.expire_all()
        assert session.scalar(select(Score).where(Score.subject_id == person)) is None


def test_only_persons_can_opt_in(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin(), pytest.raises(service.NotFound):
        service.opt_in(session, NOW, subject_id=uuid.uuid4())


@pytest.mark.parametrize("in_sql", [None, False])
def test_recompute_all_scores_only_the_opted_in(
    sessions: sessionmaker[Session], model: ScoreModel, in_sql: bool | None
) -> None:
    with sessions() as session, session.begin():
        people = populate(session, 30, seed=5)
        for person in people[:20]:
            service.opt_in(session, NOW, subject_id=person)
    report = service.recompute_all(sessions, model, NOW, in_sql=in_sql)
    assert report.subjects == 20
    with sessions() as session:
        found = scores(session)
        assert set(found) == set(people[:20])
        for person in people[:20]:  # the batch stores what an explanation adds up to
            explained = service.explain(session, model, NOW, person)
            assert found[person][:2] == (explained.total, explained.grade.code)
            assert found[person][2] == explained.summary()
        runs = list(session.scalars(select(ScoreRun)))
        assert [(r.kind, r.subjects) for r in runs] == [(RunKind.FULL, 20)]


@pytest.mark.postgres
@pytest.mark.parametrize("sessions", ["postgres"], indirect=True)
def test_the_sql_batch_and_the_python_path_agree(
    sessions: sessionmaker[Session], model: ScoreModel
) -> None:
    with sessions() as session, session.begin():
        people = populate(session, 120, seed=7)
        for person in people[:100]:
            service.opt_in(session, NOW, subject_id=person)
    for today in (NOW, NOW + dt.timedelta(days=400), NOW.replace(month=2, day=28)):
        assert service.recompute_all(sessions, model, today, in_sql=True).path == "sql"
        with sessions() as session:
            in_sql = scores(session)
        assert service.recompute_all(sessions, model, today, in_sql=False).path == "python"
        with sessions() as session:
            in_python = scores(session)
        assert len(in_sql) == 100
        assert in_sql == in_python


def test_the_incremental_path_picks_up_changed_people(
    sessions: sessionmaker[Session], model: ScoreModel
) -> None:
    with sessions() as session, session.begin():
        source = add_source(session)
        alice, bob, carol = (add_person(session) for _ in range(3))
        record = add_record(session, alice, source, "PENALTY-TAX", TODAY, severity="serious",
                            at=NOW - dt.timedelta(days=3))  # fmt: skip
        add_record(session, bob, source, "PENALTY-TAX", TODAY, at=NOW - dt.timedelta(days=3))
        for person in (alice, bob):
            service.opt_in(session, NOW - dt.timedelta(days=2), subject_id=person)
    first = service.recompute_changed(sessions, model, NOW - dt.timedelta(days=2))
    assert (first.kind, first.subjects) == (RunKind.FULL, 2)  # no run before: everyone
    later = NOW - dt.timedelta(hours=2)
    with sessions() as session, session.begin():
        session.execute(update(Record).where(Record.id == record)
                        .values(status=RecordStatus.REPAIRED, updated_at=later))  # fmt: skip
        add_record(session, carol, source, "PENALTY-TAX", TODAY, at=later)  # not opted in
        assert service.changed_subjects_since(session, NOW - dt.timedelta(days=1)) == {alice}
        assert service.changed_subjects_since(session, NOW - dt.timedelta(days=4)) == {alice, bob}
    again = service.recompute_changed(sessions, model, NOW)
    assert (again.kind, again.subjects) == (RunKind.INCREMENTAL, 1)
    with sessions() as session:
        repaired = session.get_one(Score, alice)
        assert (repaired.total, repaired.computed_at) == (600, NOW)
        assert session.get_one(Score, bob).computed_at == NOW - dt.timedelta(days=2)
        assert session.get(Score, carol) is None
    with sessions() as session, session.begin():
        service.opt_in(session, NOW, subject_id=carol)  # no model given: not computed yet
    third = service.recompute_changed(sessions, model, NOW + dt.timedelta(hours=3))
    assert third.subjects == 1  # carol, who had no score; alice's change is older than the run
    with sessions() as session:
        assert session.get_one(Score, carol).total == 570
