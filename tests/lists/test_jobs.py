"""Term expiry (期满移出, R-6.3): idempotent, and two workers at once remove each listing once."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import func, select

from chengxin.lists import service
from chengxin.lists.jobs import ListExpiryReport, expire_listings
from chengxin.lists.models import ListEntry, ListStep
from chengxin.lists.queries import list_members
from chengxin.lists.rules import ListingState, RemovalReason
from tests.lists.conftest import World, beijing

NOTICE_DAY = dt.date(2026, 9, 28)
LISTED_ON = dt.date(2026, 10, 19)
TERM_END = dt.date(2029, 10, 19)  # three years: the last day in effect


def test_r6_3_term_expiry_removes_each_listing_once_with_two_workers(
    committed_world: World,
) -> None:
    world = committed_world
    org_entry = world.propose("org", "WAGE-ARREARS", NOTICE_DAY)  # the org, Wang and Li
    single = world.propose("qian", "KEY-TAX-DISHONESTY", NOTICE_DAY, source="TAX-BJ")
    world.do(service.confirm_listing, LISTED_ON, entry_id=org_entry)
    world.do(service.confirm_listing, LISTED_ON, entry_id=single)
    assert world.entry(single).term_end == dt.date(2028, 10, 19)  # 24 months

    def expire(day: dt.date) -> ListExpiryReport:
        return expire_listings(world.sessions, world.ctx, beijing(day, hour=1))

    assert expire(TERM_END).expired == 1  # the 24-month one; the rest bind through their last day
    with world.sessions() as session:
        assert len(list_members(session, "WAGE-ARREARS", TERM_END)) == 3
    reports: list[ListExpiryReport] = []
    workers = [threading.Thread(target=lambda: reports.append(expire(TERM_END
                                                                      + dt.timedelta(days=1))))
               for _ in range(2)]  # fmt: skip
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert sum(r.expired for r in reports) == 3
    with world.sessions() as session:
        entries = session.scalars(select(ListEntry)).all()
        assert {(e.state, e.removal_reason) for e in entries} == {
            (ListingState.REMOVED, RemovalReason.TERM_EXPIRED)}  # fmt: skip
        expiries = session.scalar(select(func.count()).where(ListStep.event == "expire"))
        assert expiries == 4  # one each, never two
        assert list_members(session, "WAGE-ARREARS", TERM_END + dt.timedelta(days=1)) == []
        assert len(list_members(session, "WAGE-ARREARS", TERM_END)) == 3  # history stays
    again = expire(TERM_END + dt.timedelta(days=2))
    assert (again.expired, again.skipped) == (0, 0)
