"""The verbs of the integrity score (R-5.4): opt in, opt out, compute, explain, what-if, and the
recomputes — incremental (people whose records changed) and full (set-based on PostgreSQL).

The score is informational and exists only for people who opted in (PIPL art. 24): every verb
that computes checks the opt-in first, and opting out deletes the stored score in the same
transaction. Opting in and out are logged in the ledger; computed scores are not (they are
derived, and reproducible from the records and the model).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, case, delete, func, literal, select, text
from sqlalchemy.orm import Session, sessionmaker

from chengxin.clock import china_today
from chengxin.db import conflict_insert
from chengxin.errors import NotFound
from chengxin.identity.models import Person
from chengxin.ledger.service import append_entry
from chengxin.records.models import Record, RecordStatus
from chengxin.runtime import Runtime
from chengxin.scoring.batch import score_query
from chengxin.scoring.loader import cached_models, model_on
from chengxin.scoring.model import ScoreModel
from chengxin.scoring.models import RunKind, Score, ScoreOptIn, ScoreRun
from chengxin.scoring.rules import Breakdown, ScoredFacts, WhatIf, score, what_if_repaired

CHUNK = 500  # people per query on the Python path (bound parameters stay few)
BATCH_CHUNK = 2000  # people per transaction of the streamed full recompute
# Records carry their writer's clock, and a long batch commits minutes after it read the time:
# the incremental path looks back this far before the last run's start.
OVERLAP = dt.timedelta(hours=1)
PURPOSE = "integrity_score"


class NotOptedIn(NotFound):
    """The person has not opted in: there is no score, and none may be computed."""

    def __init__(self) -> None:
        super().__init__(
            "this person has not opted in to the integrity score",
            field="subject",
            rule="score-opt-in",
        )


@dataclass(frozen=True)
class RecomputeReport:
    kind: RunKind
    path: str  # "sql" (one statement on PostgreSQL) or "python" (streamed)
    subjects: int
    records: int  # records that fell under a rule
    seconds: float


def model_for(rt: Runtime, now: dt.datetime) -> ScoreModel:
    """The score model in force today, from the shipped files and CHENGXIN_SCORING_DIR."""
    return model_on(cached_models(rt.settings.scoring_dir, rt.catalog), china_today(now))


# --- opting in and out -----------------------------------------------------------------------


def _ledger(
    session: Session, now: dt.datetime, subject_id: uuid.UUID, event: str, actor: str
) -> None:
    # Logged as a consent: opting in is the person's authorisation (授权) to be scored.
    append_entry(session, now, {"kind": "consent", "event": event, "subject": str(subject_id),
                                "purpose": PURPOSE, "actor": actor})  # fmt: skip


def is_opted_in(session: Session, subject_id: uuid.UUID) -> bool:
    return session.get(ScoreOptIn, subject_id) is not None


def opt_in(
    session: Session,
    now: dt.datetime,
    *,
    subject_id: uuid.UUID,
    model: ScoreModel | None = None,
    actor: str = "subject",
) -> ScoreOptIn:
    """The person authorises their score; computed at once when `model` is given. Opting in
    again changes nothing."""
    if session.get(Person, subject_id) is None:
        raise NotFound("no person has this subject id", field="subject")
    # Two opt-ins at once (a double click): the second finds the row and changes nothing.
    statement = conflict_insert(session, ScoreOptIn).values(subject_id=subject_id, opted_in_at=now)
    added = session.execute(statement.on_conflict_do_nothing().returning(ScoreOptIn.subject_id))
    if added.first() is not None:
        _ledger(session, now, subject_id, "score_opted_in", actor)
    if model is not None:
        compute_for(session, model, now, [subject_id])
    return session.get_one(ScoreOptIn, subject_id)


def opt_out(
    session: Session, now: dt.datetime, *, subject_id: uuid.UUID, actor: str = "subject"
) -> bool:
    """Withdraw the authorisation and delete the stored score, at once; False if the person was
    not opted in. The opt-in row goes first (the score follows by the cascade and explicitly),
    the order the full recompute locks them in."""
    gone = session.execute(delete(ScoreOptIn).where(ScoreOptIn.subject_id == subject_id))
    session.execute(delete(Score).where(Score.subject_id == subject_id))
    session.expire_all()
    if not gone.rowcount:  # type: ignore[attr-defined]
        return False
    _ledger(session, now, subject_id, "score_opted_out", actor)
    return True


# --- computing -------------------------------------------------------------------------------


def facts_of(
    session: Session, model: ScoreModel, subject_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ScoredFacts]]:
    """The records the model has a rule for, per person (content only where a rule reads it)."""
    out: dict[uuid.UUID, list[ScoredFacts]] = {s: [] for s in subject_ids}
    items = list(model.item_rules)
    categories = list(model.category_rules)
    reads = [r.item for r in model.rules if r.per_unit is not None and r.item is not None]
    content = case((Record.item_code.in_(reads), Record.content), else_=literal("{}"))
    for start in range(0, len(subject_ids), CHUNK):
        chunk = list(subject_ids[start : start + CHUNK])
        rows = session.execute(
            select(Record.subject_id, Record.id, Record.item_code, Record.category,
                   Record.status, Record.severity, Record.decision_date, content)
            .where(Record.subject_id.in_(chunk), Record.status != RecordStatus.REVOKED,
                   Record.item_code.in_(items) | Record.category.in_(categories))
        )  # fmt: skip
        for subject, rid, item, category, status, severity, decided, body in rows:
            out[subject].append(
                ScoredFacts(rid, item, category, str(status), severity, decided, body)
            )
    return out


def _opted_in(session: Session, subject_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """The opted-in among these people, locked against opting out until the transaction ends."""
    wanted = sorted(set(subject_ids))
    found: list[uuid.UUID] = []
    for start in range(0, len(wanted), CHUNK):
        found.extend(
            session.scalars(
                select(ScoreOptIn.subject_id)
                .where(ScoreOptIn.subject_id.in_(wanted[start : start + CHUNK]))
                .order_by(ScoreOptIn.subject_id)
                .with_for_update(key_share=True)
            )
        )
    return found


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    statement = conflict_insert(session, Score)
    changed = {k: statement.excluded[k] for k in rows[0] if k != "subject_id"}
    # Parameters apart from the statement: compiled once, sent as one multi-row INSERT.
    session.execute(statement.on_conflict_do_update(index_elements=["subject_id"], set_=changed),
                    rows)  # fmt: skip


def _row(breakdown: Breakdown, subject_id: uuid.UUID, now: dt.datetime) -> dict[str, Any]:
    return {
        "subject_id": subject_id,
        "model_code": breakdown.model_code,
        "model_version": breakdown.model_version,
        "total": breakdown.total,
        "grade": breakdown.grade.code,
        "computed_at": now,
        "breakdown": breakdown.summary(),
    }


def compute_for(
    session: Session, model: ScoreModel, now: dt.datetime, subject_ids: Iterable[uuid.UUID]
) -> int:
    """Compute and store the scores of these people — those of them who opted in; the number
    stored. The incremental path, and the full one on SQLite."""
    return _compute(session, model, now, subject_ids)[0]


def _compute(
    session: Session, model: ScoreModel, now: dt.datetime, subject_ids: Iterable[uuid.UUID]
) -> tuple[int, int]:
    subjects = _opted_in(session, subject_ids)
    today = china_today(now)
    facts = facts_of(session, model, subjects)
    breakdowns = [(s, score(model, facts[s], today)) for s in subjects]
    rows = [_row(b, s, now) for s, b in breakdowns]
    for start in range(0, len(rows), CHUNK):
        _upsert(session, rows[start : start + CHUNK])
    session.expire_all()
    return len(rows), sum(len(b.lines) for _, b in breakdowns)


def stored_score(session: Session, subject_id: uuid.UUID) -> Score | None:
    """The stored score (None when not opted in or not computed yet); read only."""
    return session.get(Score, subject_id)


def explain(
    session: Session, model: ScoreModel, now: dt.datetime, subject_id: uuid.UUID
) -> Breakdown:
    """The score as of now, line by line; NotOptedIn when the person has not opted in. Reads
    only (no lock): the answer is as of the snapshot it read."""
    if not is_opted_in(session, subject_id):
        raise NotOptedIn
    return score(model, facts_of(session, model, [subject_id])[subject_id], china_today(now))


def current_score(
    session: Session, model: ScoreModel, now: dt.datetime, subject_id: uuid.UUID
) -> tuple[Score, Breakdown]:
    """The person's score as of now with its explanation; the stored score is brought up to
    date when it differs. NotOptedIn when the person has not opted in."""
    breakdown = explain(session, model, now, subject_id)
    stored = session.get(Score, subject_id)
    fresh = _row(breakdown, subject_id, now)
    if stored is None or any(
        getattr(stored, k) != fresh[k]
        for k in ("model_code", "model_version", "total", "grade", "breakdown")
    ):
        _upsert(session, [fresh])
        session.expire_all()
        stored = session.get_one(Score, subject_id)
    return stored, breakdown


def what_if(
    session: Session,
    model: ScoreModel,
    now: dt.datetime,
    *,
    subject_id: uuid.UUID,
    record_id: uuid.UUID,
) -> WhatIf:
    """The score now and were `record_id` repaired today; NotOptedIn when not opted in. Reads
    only, as `explain`."""
    if not is_opted_in(session, subject_id):
        raise NotOptedIn
    records = facts_of(session, model, [subject_id])[subject_id]
    return what_if_repaired(model, records, record_id, china_today(now))


# --- recomputing -----------------------------------------------------------------------------


def changed_subjects_since(session: Session, since: dt.datetime) -> set[uuid.UUID]:
    """Opted-in people with a record created or changed (corrected, revoked, expired, repaired)
    at or after `since` — the people the incremental path recomputes."""
    return set(
        session.scalars(
            select(Record.subject_id)
            .distinct()
            .join(ScoreOptIn, ScoreOptIn.subject_id == Record.subject_id)
            .where(Record.updated_at >= since)
        )
    )


def _factory(target: Engine | sessionmaker[Session]) -> sessionmaker[Session]:
    if isinstance(target, Engine):
        return sessionmaker(target, expire_on_commit=False)
    return target


def _log_run(
    sessions: sessionmaker[Session], model: ScoreModel, report: RecomputeReport, now: dt.datetime
) -> None:
    run = ScoreRun(
        kind=report.kind, model_code=model.code, model_version=model.version, started_at=now,
        finished_at=now + dt.timedelta(seconds=report.seconds), subjects=report.subjects,
    )  # fmt: skip
    with sessions() as session, session.begin():
        session.add(run)


def _recompute_sql(session: Session, model: ScoreModel, now: dt.datetime) -> tuple[int, int]:
    """The full recompute in two statements: the scores of everyone opted in into a temporary
    table (the long part, no locks beyond reading), then into `scores` under a SHARE lock on
    the opt-ins, so that no one opts out between the two and keeps a score."""
    query, params = score_query(model, china_today(now))
    session.execute(text("SET LOCAL work_mem = '256MB'"))
    session.execute(text("DROP TABLE IF EXISTS pg_temp.score_staging"))  # a savepoint's leftover
    session.execute(text(f"CREATE TEMPORARY TABLE score_staging ON COMMIT DROP AS {query}"), params)
    records = session.scalar(text("SELECT COALESCE(sum(records), 0) FROM score_staging")) or 0
    session.execute(text("LOCK TABLE score_opt_ins IN SHARE MODE"))
    done = session.execute(
        text("""
INSERT INTO scores (subject_id, model_code, model_version, total, grade, computed_at, breakdown)
SELECT st.subject_id, :code, :version, st.total, st.grade, :now, st.breakdown
FROM score_staging st JOIN score_opt_ins o ON o.subject_id = st.subject_id
ORDER BY st.subject_id
ON CONFLICT (subject_id) DO UPDATE SET
    model_code = excluded.model_code, model_version = excluded.model_version,
    total = excluded.total, grade = excluded.grade, computed_at = excluded.computed_at,
    breakdown = excluded.breakdown"""),
        {"code": model.code, "version": model.version, "now": now},
    )
    return int(done.rowcount), int(records)  # type: ignore[attr-defined]


def recompute_all(
    target: Engine | sessionmaker[Session],
    model: ScoreModel,
    now: dt.datetime,
    *,
    in_sql: bool | None = None,
) -> RecomputeReport:
    """Recompute the score of everyone opted in. On PostgreSQL one set-based statement does it
    (`batch.score_query`); on SQLite (or with `in_sql=False`) people are streamed through the
    Python path, `BATCH_CHUNK` to a transaction."""
    sessions = _factory(target)
    started = time.perf_counter()
    with sessions() as probe:
        use_sql = probe.get_bind().dialect.name == "postgresql" if in_sql is None else in_sql
    if use_sql:
        with sessions() as session, session.begin():
            subjects, records = _recompute_sql(session, model, now)
    else:
        subjects, records, after = 0, 0, None
        while True:
            with sessions() as session, session.begin():
                query = select(ScoreOptIn.subject_id).order_by(ScoreOptIn.subject_id)
                if after is not None:
                    query = query.where(ScoreOptIn.subject_id > after)
                chunk = list(session.scalars(query.limit(BATCH_CHUNK)))
                if not chunk:
                    break
                done, read = _compute(session, model, now, chunk)
            subjects, records = subjects + done, records + read
            after = chunk[-1]
    path = "sql" if use_sql else "python"
    report = RecomputeReport(RunKind.FULL, path, subjects, records, time.perf_counter() - started)
    _log_run(sessions, model, report, now)
    return report


def recompute_changed(
    target: Engine | sessionmaker[Session], model: ScoreModel, now: dt.datetime
) -> RecomputeReport:
    """The incremental path: everyone opted in whose records changed since the last run began
    (less OVERLAP), and everyone opted in without a stored score, `BATCH_CHUNK` people to a
    transaction. With no run before, the full recompute."""
    sessions = _factory(target)
    started = time.perf_counter()
    with sessions() as session:
        last = session.scalar(select(func.max(ScoreRun.started_at)))
    if last is None:
        return recompute_all(sessions, model, now)
    with sessions() as session:
        unscored = select(ScoreOptIn.subject_id).outerjoin(
            Score, Score.subject_id == ScoreOptIn.subject_id
        )
        wanted = set(session.scalars(unscored.where(Score.subject_id.is_(None))))
        wanted |= changed_subjects_since(session, last - OVERLAP)
    ordered = sorted(wanted)
    subjects = records = 0
    for start in range(0, len(ordered), BATCH_CHUNK):
        with sessions() as session, session.begin():
            done, read = _compute(session, model, now, ordered[start : start + BATCH_CHUNK])
        subjects, records = subjects + done, records + read
    seconds = time.perf_counter() - started
    report = RecomputeReport(RunKind.INCREMENTAL, "python", subjects, records, seconds)
    _log_run(sessions, model, report, now)
    return report


def run_score_job(rt: Runtime) -> str:
    """The periodic job: the full recompute on the first run of a China day or of a new model
    version (decay moves with the date), else the incremental one."""
    now = rt.clock()
    model = model_for(rt, now)
    with rt.reads() as session:
        last_full = session.scalar(
            select(ScoreRun).where(ScoreRun.kind == RunKind.FULL)
            .order_by(ScoreRun.started_at.desc()).limit(1)
        )  # fmt: skip
    stale = last_full is None or (
        china_today(last_full.started_at) != china_today(now)
        or (last_full.model_code, last_full.model_version) != (model.code, model.version)
    )
    report = recompute_all(rt.sessions, model, now) if stale else recompute_changed(
        rt.sessions, model, now
    )  # fmt: skip
    return (f"{report.kind} score recompute ({model.label}, {report.path}): "
            f"{report.subjects} people in {report.seconds:.1f} s")  # fmt: skip
