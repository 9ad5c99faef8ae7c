"""Recording a reload and asking for the newest."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.errors import InvalidInput
from chengxin.reloads.models import RulesReload

MAX_ACTOR_CHARS = 100  # the column's width


def newest_reload(session: Session) -> int:
    """The generation of the node's rules: the newest reload's id, 0 before the first."""
    latest = latest_reload(session)
    return 0 if latest is None else latest.id


def record_reload(session: Session, now: dt.datetime, *, actor: str) -> int:
    """A reload that passed its checks: the node's new generation."""
    if not 0 < len(actor) <= MAX_ACTOR_CHARS:
        raise InvalidInput(
            f"must be 1 to {MAX_ACTOR_CHARS} characters", field="actor", rule="length"
        )
    row = RulesReload(reloaded_at=now, actor=actor)
    session.add(row)
    session.flush()
    return row.id


def latest_reload(session: Session) -> RulesReload | None:
    """The newest reload (who, when), or None before the first."""
    return session.scalars(select(RulesReload).order_by(RulesReload.id.desc()).limit(1)).first()
