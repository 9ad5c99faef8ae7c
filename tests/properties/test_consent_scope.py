"""Properties of consents (授权, R-3.4, R-5.3): a scope means the same however it is written and
survives storage unchanged, never opens government-shared records, and a consent's validity is
a non-empty stretch of at most one year that starts no earlier than it was given."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chengxin.catalog.vocab import Category, DisclosureLevel
from chengxin.clock import CHINA_TZ, china_today
from chengxin.consents.rules import (
    Scope,
    parse_scope,
    scope_allows,
    scope_from_stored,
    validity,
)
from chengxin.errors import InvalidInput

OPENABLE = [DisclosureLevel.PUBLIC, DisclosureLevel.AUTHORISED]


pads = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def spelled(draw: st.DrawFn, values: list[str]) -> list[str]:
    """The values in any order, some twice, with blanks around them."""
    order = draw(st.permutations(values))
    repeats = draw(st.lists(st.sampled_from(values), max_size=3)) if values else []
    return [draw(pads) + v + draw(pads) for v in [*order, *repeats]]


def one_year_after(day: dt.date) -> dt.date:
    """The same day next year; 28 February for 29 February."""
    if (day.month, day.day) == (2, 29):
        return dt.date(day.year + 1, 2, 28)
    return day.replace(year=day.year + 1)


level_sets = st.lists(st.sampled_from(OPENABLE), min_size=1, unique=True)
category_sets = st.lists(st.sampled_from(list(Category)), unique=True)
# Hypothesis takes naive bounds and attaches the zone itself.
instants = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),  # noqa: DTZ001
    max_value=dt.datetime(2030, 12, 31),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)


@given(level_sets, category_sets, st.data())
def test_r3_4_a_scope_means_the_same_however_it_is_written_and_survives_storage(
    levels: list[DisclosureLevel], categories: list[Category], data: st.DataObject
) -> None:
    """R-3.4: order, repeats and blanks do not change a scope; its stored columns read back as
    the same scope, and equal scopes store equally."""
    plain = parse_scope([lv.value for lv in levels], [c.value for c in categories])
    written = parse_scope(
        data.draw(spelled([lv.value for lv in levels]), label="levels"),
        data.draw(spelled([c.value for c in categories]), label="categories"),
    )
    assert written == plain
    assert plain.levels == frozenset(levels)
    assert plain.categories == frozenset(categories)
    assert scope_from_stored(*plain.stored()) == plain
    assert written.stored() == plain.stored()


@given(level_sets, category_sets, st.sampled_from(list(DisclosureLevel)),
       st.sampled_from(list(Category)))  # fmt: skip
def test_r5_3_a_scope_opens_exactly_its_levels_and_categories_never_government(
    levels: list[DisclosureLevel],
    categories: list[Category],
    disclosure: DisclosureLevel,
    category: Category,
) -> None:
    """R-5.3: a consented report holds a record only if the consent covers its disclosure level
    and (when categories are named) its category; 政务共享 records never."""
    scope = Scope(frozenset(levels), frozenset(categories))
    allowed = scope_allows(scope, disclosure, category)
    assert allowed == (disclosure in levels and (not categories or category in categories))
    if disclosure is DisclosureLevel.GOVERNMENT:
        assert not allowed


@given(st.lists(st.sampled_from(list(DisclosureLevel)), min_size=1), category_sets)
def test_r3_4_no_scope_that_names_government_records_is_accepted(
    levels: list[DisclosureLevel], categories: list[Category]
) -> None:
    """R-3.4: naming government-shared records refuses the whole scope, naming the rule."""
    if DisclosureLevel.GOVERNMENT not in levels:
        parse_scope([lv.value for lv in levels], [c.value for c in categories])
        return
    with pytest.raises(InvalidInput) as refused:
        parse_scope([lv.value for lv in levels], [c.value for c in categories])
    assert (refused.value.field, refused.value.rule) == ("levels", "scope-government")


@given(instants, st.integers(0, 400), st.one_of(st.none(), st.integers(0, 400)))
@example(dt.datetime(2027, 2, 28, 16, 0, tzinfo=dt.UTC), 366, None)  # 1 March 2027 in China
@example(dt.datetime(2028, 2, 28, 16, 0, tzinfo=dt.UTC), 365, 0)  # 29 February 2028
def test_r3_4_a_consent_runs_from_when_it_is_given_for_at_most_a_year(
    now: dt.datetime, until_in: int, from_in: int | None
) -> None:
    """R-3.4: "for a purpose and period": accepted validity starts no earlier than `now`, ends
    at the end of a Beijing day after it starts, and its last day is at most one year after
    the day the consent is given; a last day further ahead is refused."""
    today = china_today(now)
    valid_until = today + dt.timedelta(days=until_in)
    valid_from = None if from_in is None else today + dt.timedelta(days=from_in)
    first = valid_from or today
    if valid_until < first or valid_until > one_year_after(today):
        with pytest.raises(InvalidInput) as refused:
            validity(now, valid_until=valid_until, valid_from=valid_from)
        assert refused.value.field == "valid_until"
        return
    start, end = validity(now, valid_until=valid_until, valid_from=valid_from)
    assert now <= start < end
    assert end.astimezone(CHINA_TZ).time() == dt.time(0)
    assert end.astimezone(CHINA_TZ).date() == valid_until + dt.timedelta(days=1)
    if valid_from is None or valid_from == today:
        assert start == now
    else:
        assert start == dt.datetime.combine(valid_from, dt.time(), CHINA_TZ)
