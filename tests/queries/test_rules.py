"""What a caller may see and when a query looks unusual (R-3.2, R-4.2): pure rules."""

from __future__ import annotations

import datetime as dt

import pytest

from chengxin.catalog.vocab import Category, DisclosureLevel
from chengxin.queries.rules import (
    GOVERNMENT_VIEW,
    SELF_VIEW,
    Flag,
    RecordFacts,
    View,
    flags_for,
    is_displayed,
    off_hours,
    visible,
)

TODAY = dt.date(2026, 11, 26)
SHOWN = RecordFacts("active", "authorised", "bad", publicised=True,
                    display_start=dt.date(2026, 5, 10), display_latest_end=dt.date(2029, 5, 9))  # fmt: skip
CONSENTED = View(frozenset({DisclosureLevel.PUBLIC, DisclosureLevel.AUTHORISED}), None,
                 unpublicised=False, expired=False)  # fmt: skip


def facts(**changes: object) -> RecordFacts:
    return RecordFacts(**{**SHOWN.__dict__, **changes})  # type: ignore[arg-type]


def test_r4_2_a_record_is_displayed_from_its_start_to_its_last_day_inclusive() -> None:
    assert is_displayed(SHOWN, TODAY)
    assert is_displayed(SHOWN, dt.date(2029, 5, 9))
    assert not is_displayed(SHOWN, dt.date(2029, 5, 10))
    assert not is_displayed(SHOWN, dt.date(2026, 5, 9))
    assert is_displayed(facts(display_latest_end=None), dt.date(2040, 1, 1))
    assert not is_displayed(facts(publicised=False), TODAY)


def test_r3_4_a_consent_view_sees_its_levels_and_categories_only() -> None:
    assert visible(SHOWN, CONSENTED, TODAY)
    assert not visible(facts(disclosure="government"), CONSENTED, TODAY)
    assert not visible(facts(status="revoked"), CONSENTED, TODAY)
    assert not visible(facts(publicised=False), CONSENTED, TODAY)  # kept, never displayed
    assert not visible(SHOWN, CONSENTED, dt.date(2029, 5, 10))  # past its display period
    good_only = View(CONSENTED.levels, frozenset({Category.GOOD}), unpublicised=False,
                     expired=False)  # fmt: skip
    assert not visible(SHOWN, good_only, TODAY)
    assert visible(facts(category="good"), good_only, TODAY)


def test_r3_2_government_and_self_views() -> None:
    assert visible(facts(disclosure="government", publicised=False), GOVERNMENT_VIEW, TODAY)
    assert not visible(SHOWN, GOVERNMENT_VIEW, dt.date(2030, 1, 1))  # period over: not shown
    assert visible(SHOWN, SELF_VIEW, dt.date(2030, 1, 1))  # a person sees their own history
    assert not visible(facts(status="revoked"), SELF_VIEW, TODAY)


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (dt.datetime(2026, 11, 26, 0, 0, tzinfo=dt.UTC), False),  # Thu 08:00 Beijing
        (dt.datetime(2026, 11, 25, 23, 59, tzinfo=dt.UTC), True),  # Thu 07:59 Beijing
        (dt.datetime(2026, 11, 26, 11, 59, tzinfo=dt.UTC), False),  # Thu 19:59
        (dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC), True),  # Thu 20:00
        (dt.datetime(2026, 11, 28, 3, 0, tzinfo=dt.UTC), True),  # Sat 11:00
    ],
)
def test_r3_2_off_hours_are_judged_in_beijing_time(utc: dt.datetime, expected: bool) -> None:
    assert off_hours(utc) is expected


def test_r3_2_flags_trip_just_past_their_thresholds() -> None:
    at = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
    calm = {"at": at, "max_subjects": 3, "max_refusals": 2, "consent_missing": False}
    assert flags_for(subjects_last_hour=3, refusals_last_hour=1, **calm) == []  # type: ignore[arg-type]
    assert flags_for(subjects_last_hour=4, refusals_last_hour=2, **calm) == [  # type: ignore[arg-type]
        Flag.BULK, Flag.REPEATED_REFUSALS,
    ]  # fmt: skip
    assert flags_for(subjects_last_hour=1, refusals_last_hour=0, at=at, max_subjects=3,
                     max_refusals=2, consent_missing=True) == [Flag.NO_CONSENT]  # fmt: skip
