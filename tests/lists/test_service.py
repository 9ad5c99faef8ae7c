"""Listing verbs on a real database (R-6.1, R-6.3): the notice window in working days, the
person's answer, designation (谁认定), the organisation's reach to its people (§6.2), early
removal, withdrawal, and which entries bind on a date."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from chengxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from chengxin.identity.models import OrgRole
from chengxin.ledger.models import LedgerEntry
from chengxin.lists import service
from chengxin.lists.models import ListEntry
from chengxin.lists.queries import in_effect_on, list_members, listings_of, steps_of
from chengxin.lists.rules import Condition, ListingState, RemovalReason
from chengxin.notifications.models import Notification
from tests.lists.conftest import World

NOTICE_DAY = dt.date(2026, 9, 28)  # a Monday before the National Day holiday
LAST_ANSWER_DAY = dt.date(2026, 10, 16)  # the tenth working day after it
FIRST_LISTING_DAY = dt.date(2026, 10, 17)


def topics(world: World, subject_id: uuid.UUID) -> list[str]:
    with world.sessions() as session:
        return list(session.scalars(select(Notification.topic).where(
            Notification.subject_id == subject_id).order_by(Notification.created_at)))  # fmt: skip


def test_r6_3_listing_waits_for_the_notice_window_counted_in_working_days(world: World) -> None:
    entry_id = world.propose("qian", "WAGE-ARREARS", NOTICE_DAY)
    entry = world.entry(entry_id)
    assert entry.state is ListingState.NOTICED
    assert (entry.answer_deadline, entry.answer_deadline_provisional) == (LAST_ANSWER_DAY, False)
    for day in (NOTICE_DAY, dt.date(2026, 10, 8), LAST_ANSWER_DAY):
        with pytest.raises(Conflict) as refused:
            world.do(service.confirm_listing, day, entry_id=entry_id)
        assert refused.value.rule == "answer-window-open"
        assert "2026-10-16" in refused.value.message
    listed = world.do(service.confirm_listing, FIRST_LISTING_DAY, entry_id=entry_id,
                      source_id=world.sources["HRSS-BJ"], document_number="京人社欠薪决〔2026〕8号")  # fmt: skip
    assert listed.state is ListingState.LISTED
    assert (listed.effective_from, listed.term_end) == (FIRST_LISTING_DAY, dt.date(2029, 10, 17))
    assert topics(world, world.people["qian"]) == ["listing.noticed", "listing.listed"]
    with world.sessions() as session:
        assert [s.event for s in steps_of(session, entry_id)] == ["propose", "notice", "confirm"]
        ledger = session.scalars(select(LedgerEntry.body)).all()
        mine = [b for b in ledger if '"kind":"listing"' in b and str(entry_id) in b]
        assert len(mine) == 3
        assert "拖欠" not in "".join(mine)  # the reasons are sealed, only their hash is logged
    with pytest.raises(Conflict) as again:
        world.do(service.confirm_listing, FIRST_LISTING_DAY, entry_id=entry_id)
    assert again.value.rule == "listing-transition"


def test_r6_3_the_persons_answer_lets_the_source_decide_before_the_window_ends(
    world: World,
) -> None:
    entry_id = world.propose("qian", "WAGE-ARREARS", NOTICE_DAY)
    qian = world.people["qian"]
    with pytest.raises(NotFound):  # another's listing is not confirmed to exist
        world.do(service.answer_notice, NOTICE_DAY, entry_id=entry_id,
                 subject_id=world.people["li"], statement="不是我拖欠的工资")  # fmt: skip
    answered = world.do(service.answer_notice, dt.date(2026, 9, 29), entry_id=entry_id,
                        subject_id=qian, statement="工资已于9月27日全部支付，附银行回单")  # fmt: skip
    assert answered.state is ListingState.ANSWERED
    with pytest.raises(Conflict) as twice:
        world.do(service.answer_notice, dt.date(2026, 9, 30), entry_id=entry_id,
                 subject_id=qian, statement="再补充一点说明")  # fmt: skip
    assert twice.value.rule == "listing-transition"
    listed = world.do(service.confirm_listing, dt.date(2026, 9, 30), entry_id=entry_id)
    assert (listed.state, listed.effective_from) == (ListingState.LISTED, dt.date(2026, 9, 30))

    late = world.propose("zhao", "WAGE-ARREARS", NOTICE_DAY)
    with pytest.raises(Conflict) as closed:
        world.do(service.answer_notice, FIRST_LISTING_DAY, entry_id=late,
                 subject_id=world.people["zhao"], statement="逾期提交的陈述申辩")  # fmt: skip
    assert closed.value.rule == "answer-window-closed"


def test_r6_3_only_the_designating_source_of_the_right_kind_lists(world: World) -> None:
    with pytest.raises(Forbidden) as no_grant:  # a tax office holds no wage-arrears item
        world.propose("qian", "WAGE-ARREARS", NOTICE_DAY, source="TAX-BJ")
    assert (no_grant.value.rule, no_grant.value.field) == ("designated-by", "list_type")
    with pytest.raises(Forbidden, match="designated by government_department only"):
        world.propose("qian", "MAJOR-TAX-VIOLATOR", NOTICE_DAY, source="COURT-BJ")
    with pytest.raises(InvalidInput) as kind:
        world.propose("org", "KEY-TAX-DISHONESTY", NOTICE_DAY, source="TAX-BJ")
    assert kind.value.rule == "subject-kind"
    with pytest.raises(NotFound):
        world.propose("qian", "NO-SUCH-LIST", NOTICE_DAY)
    with pytest.raises(InvalidInput) as future:
        world.propose("qian", "WAGE-ARREARS", NOTICE_DAY, decision_date=dt.date(2026, 9, 29))
    assert future.value.rule == "future"
    entry_id = world.propose("qian", "WAGE-ARREARS", NOTICE_DAY)
    with pytest.raises(Conflict) as twice:
        world.propose("qian", "WAGE-ARREARS", NOTICE_DAY)
    assert twice.value.rule == "already-listed"
    with pytest.raises(NotFound):  # another source cannot touch it
        world.do(service.withdraw_listing, NOTICE_DAY, entry_id=entry_id,
                 source_id=world.sources["TAX-BJ"], reason="不是我们认定的")  # fmt: skip


def test_r6_3_an_organisations_listing_reaches_its_people_as_separate_entries(
    world: World,
) -> None:
    org_entry = world.propose("org", "WAGE-ARREARS", NOTICE_DAY)
    with world.sessions() as session:
        reached = service.derived_entries(session, org_entry)
        by_person = {e.subject_id: e for e in reached}
    wang, li, zhao = (world.people[n] for n in ("wang", "li", "zhao"))
    # Wang is legal representative and responsible person: one entry; Zhao left in 2025.
    assert set(by_person) == {wang, li}
    assert by_person[wang].org_role is OrgRole.LEGAL_REPRESENTATIVE
    assert by_person[li].org_role is OrgRole.RESPONSIBLE_PERSON
    for entry in reached:
        assert (entry.via_organisation_id, entry.org_entry_id) == (world.org, org_entry)
        assert entry.state is ListingState.NOTICED
        assert entry.answer_deadline == LAST_ANSWER_DAY
        assert topics(world, entry.subject_id) == ["listing.noticed"]  # each told on their own
    assert topics(world, zhao) == []
    with world.sessions() as session:  # each separately traceable: own steps, own ledger leaves
        assert all([s.event for s in steps_of(session, e.id)] == ["propose", "notice"]
                   for e in reached)  # fmt: skip
        leaves = session.scalar(select(func.count()).select_from(LedgerEntry))
        assert leaves == 6  # propose + notice for the organisation and for each person

    # Li answers; the organisation's confirmation carries to Wang, Li is decided on his own.
    world.do(service.answer_notice, dt.date(2026, 10, 9), entry_id=by_person[li].id,
             subject_id=li, statement="本人已于2026年3月离职，不负责工资发放")  # fmt: skip
    with pytest.raises(Conflict) as first_the_org:
        world.do(service.confirm_listing, FIRST_LISTING_DAY, entry_id=by_person[wang].id)
    assert first_the_org.value.rule == "organisation-not-listed"
    world.do(service.confirm_listing, FIRST_LISTING_DAY, entry_id=org_entry)
    assert world.entry(by_person[wang].id).state is ListingState.LISTED
    assert world.entry(by_person[li].id).state is ListingState.ANSWERED
    world.do(service.withdraw_listing, FIRST_LISTING_DAY, entry_id=by_person[li].id,
             source_id=world.sources["HRSS-BJ"], reason="经核实已离职，不予列入")  # fmt: skip
    with world.sessions() as session:
        on = dt.date(2026, 11, 1)
        assert set(list_members(session, "WAGE-ARREARS", on)) == {world.org, wang}
        [wangs] = in_effect_on(session, wang, on)
        assert (wangs.via_organisation_id, wangs.list_type) == (world.org, "WAGE-ARREARS")
        assert in_effect_on(session, li, on) == []
        assert [e.state for e in listings_of(session, li)] == [ListingState.WITHDRAWN]


def test_r1_3_the_reach_follows_who_held_the_role_on_the_date_of_the_conduct(
    world: World,
) -> None:
    org_entry = world.propose("org", "WAGE-ARREARS", NOTICE_DAY, conduct_date=dt.date(2025, 6, 1))
    with world.sessions() as session:
        reached = {e.subject_id for e in service.derived_entries(session, org_entry)}
    assert reached == {world.people[n] for n in ("wang", "li", "zhao")}


def test_r6_3_wage_arrears_early_removal_six_months_after_correction_with_commitment(
    world: World,
) -> None:
    org_entry = world.propose("org", "WAGE-ARREARS", NOTICE_DAY)
    world.do(service.confirm_listing, FIRST_LISTING_DAY, entry_id=org_entry)
    both = [Condition.CORRECTION, Condition.COMMITMENT]
    corrected = dt.date(2026, 11, 2)  # wages paid; six months run out on 2027-05-02
    early = {"entry_id": org_entry, "why": RemovalReason.EARLY_REMOVAL,
             "reason": "已足额支付拖欠工资并作出信用承诺", "corrected_on": corrected}  # fmt: skip
    for day, conditions, rule in (
        (dt.date(2027, 5, 2), both, "too-early"),
        (dt.date(2027, 5, 3), [Condition.CORRECTION], "missing-commitment"),
    ):
        with pytest.raises(Conflict) as refused:
            world.do(service.remove_listing, day, conditions=conditions, **early)
        assert refused.value.rule == rule
    with pytest.raises(Conflict) as no_date:
        world.do(service.remove_listing, dt.date(2027, 5, 3), conditions=both,
                 **{**early, "corrected_on": None})  # fmt: skip
    assert no_date.value.rule == "missing-correction-date"
    removed = world.do(service.remove_listing, dt.date(2027, 5, 3), conditions=both,
                       source_id=world.sources["HRSS-BJ"], document_number="京人社移〔2027〕3号",
                       **early)  # fmt: skip
    assert (removed.state, removed.removal_reason) == (ListingState.REMOVED,
                                                       RemovalReason.EARLY_REMOVAL)  # fmt: skip
    with world.sessions() as session:
        people = service.derived_entries(session, org_entry)
        assert {e.state for e in people} == {ListingState.REMOVED}  # the reach ends with it
        [step] = [s for s in steps_of(session, org_entry) if s.event == "remove"]
        assert step.conditions == "commitment,correction corrected_on=2026-11-02"
        assert step.document_number == "京人社移〔2027〕3号"
        assert list_members(session, "WAGE-ARREARS", dt.date(2027, 5, 3)) == []
        assert len(list_members(session, "WAGE-ARREARS", dt.date(2027, 5, 2))) == 3
    assert topics(world, world.people["wang"])[-1] == "listing.removed"


def test_r6_3_removal_by_decision_and_the_date_a_listing_stops_binding(world: World) -> None:
    entry_id = world.propose("qian", "MAJOR-TAX-VIOLATOR", NOTICE_DAY, source="TAX-BJ",
                             document_number="京税稽告〔2026〕5号")  # fmt: skip
    with pytest.raises(Conflict):  # nothing to remove before it takes effect
        world.do(service.remove_listing, NOTICE_DAY, entry_id=entry_id,
                 why=RemovalReason.DECISION, reason="复议撤销")  # fmt: skip
    world.do(service.confirm_listing, FIRST_LISTING_DAY, entry_id=entry_id)
    with pytest.raises(InvalidInput):
        world.do(service.remove_listing, dt.date(2027, 1, 10), entry_id=entry_id,
                 why=RemovalReason.TERM_EXPIRED, reason="期满")  # fmt: skip
    world.do(service.remove_listing, dt.date(2027, 1, 10), entry_id=entry_id,
             why=RemovalReason.DECISION, reason="行政复议决定撤销原认定",
             document_number="京复决〔2027〕2号")  # fmt: skip
    qian = world.people["qian"]
    with world.sessions() as session:
        assert in_effect_on(session, qian, dt.date(2026, 10, 16)) == []
        assert [e.id for e in in_effect_on(session, qian, dt.date(2027, 1, 9))] == [entry_id]
        assert in_effect_on(session, qian, dt.date(2027, 1, 10)) == []
        assert session.get_one(ListEntry, entry_id).removal_reason is RemovalReason.DECISION


def test_r6_1_a_red_listing_informs_and_takes_effect_when_confirmed(world: World) -> None:
    entry_id = world.propose("qian", "RED-MORAL-MODEL", NOTICE_DAY, source="WMB-BJ",
                             document_number="京文明〔2026〕1号", reasons="评选为诚信道德模范")  # fmt: skip
    assert world.entry(entry_id).answer_deadline is None
    with pytest.raises(Conflict) as no_window:
        world.do(service.answer_notice, NOTICE_DAY, entry_id=entry_id,
                 subject_id=world.people["qian"], statement="我想说明一下情况")  # fmt: skip
    assert no_window.value.rule == "no-answer-window"
    listed = world.do(service.confirm_listing, NOTICE_DAY, entry_id=entry_id)
    assert (listed.state, listed.term_end, listed.list_kind) == (ListingState.LISTED, None, "red")
