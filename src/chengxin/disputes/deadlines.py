"""Open cases by deadline (the operators' queue, overdue first) and the job that flags overdue
steps and tells the reviewers."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from chengxin.access.models import Account
from chengxin.access.permissions import Role
from chengxin.clock import china_today
from chengxin.disputes.models import CaseKind, Objection, RepairCase
from chengxin.disputes.rules import OBJECTION_OPEN, REPAIR_OPEN
from chengxin.keys import KeyRing
from chengxin.notifications.service import notify

log = logging.getLogger("chengxin.disputes")
CaseModel = type[Objection] | type[RepairCase]
KINDS: tuple[tuple[CaseModel, frozenset[str], CaseKind], ...] = (
    (Objection, frozenset(OBJECTION_OPEN), CaseKind.OBJECTION),
    (RepairCase, frozenset(REPAIR_OPEN), CaseKind.REPAIR),
)


@dataclass(frozen=True)
class CaseRow:
    kind: CaseKind
    id: uuid.UUID
    state: str
    record_id: uuid.UUID
    source_id: uuid.UUID
    filed_at: dt.datetime
    deadline_step: str | None
    deadline: dt.date | None
    deadline_provisional: bool
    overdue: bool


def case_queue(
    session: Session,
    today: dt.date,
    *,
    kind: CaseKind | None = None,
    source_id: uuid.UUID | None = None,
    state: str | None = None,
    limit: int = 200,
) -> list[CaseRow]:
    """Open cases, the most urgent first (overdue ones lead); `state` keeps one open state."""
    rows: list[CaseRow] = []
    for model, open_states, case_kind in KINDS:
        if kind is not None and kind is not case_kind:
            continue
        wanted = open_states if state is None else open_states & {state}
        if not wanted:
            continue
        query = select(model).where(model.state.in_(wanted))
        if source_id is not None:
            query = query.where(model.source_id == source_id)
        cases: list[Objection | RepairCase] = list(
            session.scalars(query.order_by(model.deadline).limit(limit))
        )
        for case in cases:
            rows.append(
                CaseRow(
                    case_kind,
                    case.id,
                    str(case.state),
                    case.record_id,
                    case.source_id,
                    case.filed_at,
                    case.deadline_step,
                    case.deadline,
                    case.deadline_provisional,
                    overdue=case.deadline is not None and case.deadline < today,
                )
            )
    rows.sort(key=lambda r: (r.deadline or dt.date.max, r.filed_at))
    return rows[:limit]


def flag_overdue(factory: sessionmaker[Session], keys: KeyRing, now: dt.datetime) -> int:
    """Mark every open step past its deadline once, and tell each reviewer (idempotent: a step
    already flagged is not flagged again; two workers flag it once)."""
    today = china_today(now)
    flagged = 0
    with factory() as session, session.begin():
        reviewers = list(
            session.scalars(
                select(Account.id).where(
                    Account.role == Role.REVIEWER, Account.disabled_at.is_(None)
                )
            )
        )
        for model, open_states, _kind in KINDS:
            due = session.scalars(
                select(model).where(
                    model.state.in_(open_states),
                    model.deadline < today,
                    model.overdue_flagged_at.is_(None),
                )
            )
            due_cases = cast("list[Objection | RepairCase]", list(due))
            for case in due_cases:
                done = session.execute(
                    update(model)
                    .where(model.id == case.id, model.overdue_flagged_at.is_(None))
                    .values(overdue_flagged_at=now)
                    .execution_options(synchronize_session=False)
                )
                if done.rowcount != 1:  # type: ignore[attr-defined]
                    continue
                flagged += 1
                kind = "objection" if model is Objection else "repair"
                for account_id in reviewers:
                    notify(
                        session,
                        keys,
                        now,
                        account_id=account_id,
                        topic=f"{kind}.overdue",
                        title_zh=f"逾期：{case.deadline_step}（{case.deadline}）",
                        title_en=f"Overdue: {case.deadline_step} (due {case.deadline})",
                        body_zh=f"案件 {case.id} 的“{case.deadline_step}”步骤已超过期限。",
                        body_en=f"Step '{case.deadline_step}' of case {case.id} is overdue.",
                        ref=str(case.id),
                    )
    if flagged:
        log.warning("%d dispute steps are overdue", flagged)
    return flagged
