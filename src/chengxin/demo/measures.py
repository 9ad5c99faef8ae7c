"""Demo checks (R-6.4): the demo market regulator checks, for an administrative licence, a
person with a serious record (heightened scrutiny) and a person with no bad record (green
channel), and reports what it did with the first measure returned, so that the check and
feedback figures have something to show."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.access.permissions import Role
from chengxin.access.principal import Principal
from chengxin.catalog.schema import Catalog
from chengxin.keys import KeyRing
from chengxin.measures.checks import run_check
from chengxin.measures.feedback import FeedbackItem, give_feedback
from chengxin.measures.types import Measures, Scenario
from chengxin.queries.thresholds import Thresholds
from chengxin.records.models import Record
from chengxin.requesters.models import Requester

DEPARTMENT = "DEMO-MARKET"
BASIS = "《中华人民共和国行政许可法》第三十一条"
BAD = ("bad", "serious")


def load_checks_demo(
    factory: sessionmaker[Session],
    keys: KeyRing,
    catalog: Catalog,
    measures: Measures,
    now: dt.datetime,
) -> int:
    """The number of checks made (0 when there is no department or no person with records)."""
    with factory() as session:
        department = session.scalar(select(Requester.id).where(Requester.code == DEPARTMENT))
        bad = select(Record.subject_id).where(Record.category.in_(BAD))
        people = [
            session.scalar(select(Record.subject_id).where(Record.category == "serious")
                           .order_by(Record.subject_id).limit(1)),
            session.scalar(select(Record.subject_id).where(Record.subject_id.not_in(bad))
                           .order_by(Record.subject_id).limit(1)),
        ]  # fmt: skip
    if department is None:
        return 0
    principal = Principal(role=Role.DEPARTMENT, actor=f"demo:{DEPARTMENT}",
                          requester_id=department)  # fmt: skip
    thresholds = Thresholds(subjects_per_hour=100, refusals_per_hour=5)
    checked = [subject for subject in people if subject is not None]
    for subject in checked:
        answer = run_check(
            factory, keys, catalog, measures, now, principal=principal,
            scenario=Scenario.ADMINISTRATIVE_LICENSING, legal_basis=BASIS,
            thresholds=thresholds, subject_id=subject,
        )  # fmt: skip
        if answer.finding.applicable:
            first = answer.finding.applicable[0].measure.code
            with factory() as session, session.begin():
                give_feedback(session, keys, now, principal=principal, check_id=answer.check_id,
                              items=[FeedbackItem(first, "applied")])  # fmt: skip
    return len(checked)
