"""Tip-off verbs on both databases (R-6.5): a step taken on a tip-off read before someone else
moved it is refused (a conditional update on its version), and nothing of it is written."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.errors import Conflict
from chengxin.keys import KeyRing
from chengxin.tipoffs import service
from chengxin.tipoffs.models import TipoffStep
from chengxin.tipoffs.rules import TipoffCategory, TipoffState
from tests.tipoffs.conftest import FORM


def test_r6_5_a_stale_step_is_refused_and_writes_nothing(
    committing_sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> None:
    with committing_sessions() as session, session.begin():
        filed = service.file_tipoff(session, keys, now, category=TipoffCategory.OTHER,
                                    region_code="110105", subject=FORM["subject"],
                                    text=FORM["text"], contact=None, files=[])  # fmt: skip
    tipoff_id = filed.tipoff.id
    slow = committing_sessions()
    with slow.begin():
        seen = service.get_tipoff(slow, tipoff_id)  # read, kept (not expired) after commit
    with committing_sessions() as fast, fast.begin():
        service.reject_tipoff(fast, keys, now, tipoff_id=tipoff_id, reason="重复举报",
                              actor="account:a")  # fmt: skip
    assert seen.state is TipoffState.RECEIVED
    with pytest.raises(Conflict) as refused, slow.begin():
        service.accept_tipoff(slow, keys, now, tipoff_id=tipoff_id, reason="受理",
                              actor="account:b")  # fmt: skip
    assert (refused.value.field, refused.value.rule) == ("tipoff", "stale")
    slow.close()
    with committing_sessions() as session:
        assert service.get_tipoff(session, tipoff_id).state is TipoffState.REJECTED
        steps = select(func.count()).select_from(TipoffStep).where(
            TipoffStep.tipoff_id == tipoff_id)  # fmt: skip
        assert session.scalar(steps) == 2
    with committing_sessions() as session:
        found = service.find_by_tracking(session, keys, filed.tracking)
        assert found.id == tipoff_id
