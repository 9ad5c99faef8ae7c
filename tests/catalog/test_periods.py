"""R-4.2: display periods under NDRC Order 58 (before 2026-04-01) and Order 36 (from then on)."""

from __future__ import annotations

import datetime as dt

import pytest

from chengxin.catalog.fields import Bilingual
from chengxin.catalog.periods import (
    ANY_SEVERITY,
    DisplayPeriod,
    DisplayRule,
    NotPublicised,
    PenaltyRegime,
    Term,
    add_months,
    display_period,
    regime_for,
)
from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import DisplayKind, Domain, PenaltyType, Severity
from chengxin.errors import InvalidInput

D = dt.date
FINE = [PenaltyType.FINE]
TEXT = Bilingual("测试", "test")


@pytest.fixture
def penalty(shipped: Catalog) -> DisplayRule:
    return shipped.display_rules["administrative_penalty"]


def period(shipped: Catalog, rule: DisplayRule, **kwargs: object) -> DisplayPeriod | NotPublicised:
    return display_period(rule, shipped.regimes, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2026, 3, 31), 3, D(2026, 6, 30)),
        (D(2025, 12, 15), 3, D(2026, 3, 15)),
        (D(2026, 4, 1), 0, D(2026, 4, 1)),
        (D(2026, 8, 31), 18, D(2028, 2, 29)),
    ],
)
def test_r4_2_month_arithmetic_clamps_to_the_month_end(
    start: dt.date, months: int, end: dt.date
) -> None:
    assert add_months(start, months) == end


def test_r4_2_negative_months_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_months(D(2026, 1, 1), -1)


def test_r4_2_order_58_on_2026_03_31(shipped: Catalog, penalty: DisplayRule) -> None:
    got = period(shipped, penalty, start=D(2026, 3, 31), penalty_types=FINE)
    assert got == DisplayPeriod(
        start=D(2026, 3, 31),
        earliest_end=D(2026, 6, 30),
        latest_end=D(2029, 3, 31),
        rule="administrative_penalty",
        regime="ndrc-order-58",
        basis=shipped.regimes[0].source,
    )


def test_r4_2_order_58_ignores_severity(shipped: Catalog, penalty: DisplayRule) -> None:
    got = period(
        shipped, penalty, start=D(2026, 3, 31), penalty_types=FINE, severity=Severity.MINOR
    )
    assert isinstance(got, DisplayPeriod)
    assert (got.earliest_end, got.latest_end) == (D(2026, 6, 30), D(2029, 3, 31))


@pytest.mark.parametrize(
    ("severity", "earliest", "latest"),
    [
        (Severity.GENERAL, D(2026, 7, 1), D(2027, 4, 1)),
        (Severity.SERIOUS, D(2027, 4, 1), D(2029, 4, 1)),
    ],
)
def test_r4_2_order_36_from_2026_04_01(
    shipped: Catalog,
    penalty: DisplayRule,
    severity: Severity,
    earliest: dt.date,
    latest: dt.date,
) -> None:
    got = period(shipped, penalty, start=D(2026, 4, 1), penalty_types=FINE, severity=severity)
    assert isinstance(got, DisplayPeriod)
    assert got.regime == "ndrc-order-36"
    assert (got.start, got.earliest_end, got.latest_end) == (D(2026, 4, 1), earliest, latest)


def test_r4_2_order_36_minor_is_not_publicised(shipped: Catalog, penalty: DisplayRule) -> None:
    got = period(shipped, penalty, start=D(2026, 4, 1), penalty_types=FINE, severity=Severity.MINOR)
    assert isinstance(got, NotPublicised)
    assert got.regime == "ndrc-order-36"
    assert "minor" in got.reason
    assert not got.is_shown(D(2026, 4, 1))


def test_r4_2_order_36_minor_publicised_by_exception_at_most_3_months(
    shipped: Catalog, penalty: DisplayRule
) -> None:
    got = period(
        shipped,
        penalty,
        start=D(2026, 5, 31),
        penalty_types=FINE,
        severity=Severity.MINOR,
        publicise_minor=True,
    )
    assert isinstance(got, DisplayPeriod)
    assert (got.earliest_end, got.latest_end) == (D(2026, 5, 31), D(2026, 8, 31))


def test_r4_2_order_36_needs_a_severity(shipped: Catalog, penalty: DisplayRule) -> None:
    with pytest.raises(InvalidInput) as info:
        period(shipped, penalty, start=D(2026, 4, 1), penalty_types=FINE)
    assert (info.value.field, info.value.rule) == ("severity", "required")
    assert "ndrc-order-36" in info.value.message


@pytest.mark.parametrize(
    "types",
    [
        [PenaltyType.WARNING],
        [PenaltyType.CIRCULATED_CRITICISM],
        [PenaltyType.WARNING, PenaltyType.CIRCULATED_CRITICISM],
    ],
)
def test_r4_2_order_58_warning_or_criticism_alone_is_not_publicised(
    shipped: Catalog, penalty: DisplayRule, types: list[PenaltyType]
) -> None:
    got = period(shipped, penalty, start=D(2025, 6, 1), penalty_types=types)
    assert isinstance(got, NotPublicised)
    assert got.regime == "ndrc-order-58"


def test_r4_2_order_58_warning_with_a_fine_is_publicised(
    shipped: Catalog, penalty: DisplayRule
) -> None:
    got = period(shipped, penalty, start=D(2025, 6, 1), penalty_types=[PenaltyType.WARNING, *FINE])
    assert isinstance(got, DisplayPeriod)
    assert got.latest_end == D(2028, 6, 1)


def test_r4_2_order_58_summary_procedure_is_not_publicised(
    shipped: Catalog, penalty: DisplayRule
) -> None:
    got = period(shipped, penalty, start=D(2026, 3, 31), penalty_types=FINE, summary_procedure=True)
    assert isinstance(got, NotPublicised)
    assert "summary procedure" in got.reason
    later = period(
        shipped,
        penalty,
        start=D(2026, 4, 1),
        penalty_types=FINE,
        summary_procedure=True,
        severity=Severity.GENERAL,
    )
    assert isinstance(later, DisplayPeriod)


@pytest.mark.parametrize(
    ("domain", "topics"),
    [
        (Domain.WORK_SAFETY, ()),
        (Domain.FIRE_SAFETY, ()),
        (Domain.PRODUCT_QUALITY, ("special_equipment",)),
    ],
)
def test_r4_2_order_58_special_domains_at_least_one_year(
    shipped: Catalog, penalty: DisplayRule, domain: Domain, topics: tuple[str, ...]
) -> None:
    got = period(
        shipped, penalty, start=D(2026, 3, 31), penalty_types=FINE, domain=domain, topics=topics
    )
    assert isinstance(got, DisplayPeriod)
    assert (got.earliest_end, got.latest_end) == (D(2027, 3, 31), D(2029, 3, 31))
    under_36 = period(
        shipped,
        penalty,
        start=D(2026, 4, 1),
        penalty_types=FINE,
        domain=domain,
        topics=topics,
        severity=Severity.GENERAL,
    )
    assert isinstance(under_36, DisplayPeriod)
    assert under_36.earliest_end == D(2026, 7, 1)


def test_r4_2_product_quality_without_the_topic_keeps_three_months(
    shipped: Catalog, penalty: DisplayRule
) -> None:
    got = period(
        shipped, penalty, start=D(2026, 3, 31), penalty_types=FINE, domain=Domain.PRODUCT_QUALITY
    )
    assert isinstance(got, DisplayPeriod)
    assert got.earliest_end == D(2026, 6, 30)


def test_r4_2_decisions_before_order_58_are_judged_by_it(
    shipped: Catalog, penalty: DisplayRule
) -> None:
    got = period(shipped, penalty, start=D(2022, 11, 30), penalty_types=FINE)
    assert isinstance(got, DisplayPeriod)
    assert got.regime == "ndrc-order-58"
    assert got.latest_end == D(2025, 11, 30)


def test_r4_2_regime_is_chosen_by_decision_date(shipped: Catalog) -> None:
    assert regime_for(shipped.regimes, D(2026, 3, 31)).code == "ndrc-order-58"
    assert regime_for(shipped.regimes, D(2026, 4, 1)).code == "ndrc-order-36"
    assert regime_for(shipped.regimes, D(2030, 1, 1)).code == "ndrc-order-36"


def _regime(code: str, start: dt.date, **kwargs: object) -> PenaltyRegime:
    return PenaltyRegime(
        code=code,
        title=TEXT,
        source="test",
        effective_from=start,
        tiers={ANY_SEVERITY: Term(max_months=12, min_months=3)},
        **kwargs,  # type: ignore[arg-type]
    )


def test_r4_2_no_regime_in_force_is_an_error() -> None:
    with pytest.raises(InvalidInput) as info:
        regime_for([_regime("later", D(2030, 1, 1))], D(2026, 1, 1))
    assert info.value.rule == "no_regime"


def test_r4_2_several_penalty_types_take_the_longest_period(penalty: DisplayRule) -> None:
    regime = _regime(
        "typed",
        D(2020, 1, 1),
        type_terms={
            PenaltyType.LICENCE_REVOCATION: Term(max_months=36, min_months=6),
            PenaltyType.DETENTION: Term(max_months=24, min_months=12),
        },
    )
    got = display_period(
        penalty,
        [regime],
        start=D(2026, 1, 31),
        penalty_types=[PenaltyType.FINE, PenaltyType.DETENTION, PenaltyType.LICENCE_REVOCATION],
    )
    assert isinstance(got, DisplayPeriod)
    assert (got.earliest_end, got.latest_end) == (D(2026, 7, 31), D(2029, 1, 31))
    fine_only = display_period(penalty, [regime], start=D(2026, 1, 31), penalty_types=FINE)
    assert isinstance(fine_only, DisplayPeriod)
    assert fine_only.latest_end == D(2027, 1, 31)


def test_r4_2_a_penalty_needs_a_type(shipped: Catalog, penalty: DisplayRule) -> None:
    with pytest.raises(InvalidInput) as info:
        period(shipped, penalty, start=D(2026, 4, 1), severity=Severity.GENERAL)
    assert info.value.field == "penalty_types"


def _rule(kind: DisplayKind, **kwargs: object) -> DisplayRule:
    return DisplayRule(name=f"t_{kind}", kind=kind, description=TEXT, source="test", **kwargs)  # type: ignore[arg-type]


def test_r4_2_fixed_term_runs_from_the_start(shipped: Catalog) -> None:
    rule = shipped.display_rules["bad_record_5y"]
    got = period(shipped, rule, start=D(2024, 2, 29))
    assert isinstance(got, DisplayPeriod)
    assert (got.earliest_end, got.latest_end) == (None, D(2029, 2, 28))


def test_r4_2_while_valid_ends_with_the_record(shipped: Catalog) -> None:
    rule = shipped.display_rules["while_valid"]
    got = period(shipped, rule, start=D(2024, 1, 1), end=D(2028, 12, 31))
    assert isinstance(got, DisplayPeriod)
    assert got.latest_end == D(2028, 12, 31)
    open_ended = period(shipped, rule, start=D(2024, 1, 1))
    assert isinstance(open_ended, DisplayPeriod)
    assert open_ended.latest_end is None
    assert open_ended.is_shown(D(2099, 1, 1))


def test_r4_2_list_terms_are_capped(shipped: Catalog) -> None:
    rule = shipped.display_rules["list_3y"]
    capped = period(shipped, rule, start=D(2026, 1, 31), end=D(2035, 1, 1))
    assert isinstance(capped, DisplayPeriod)
    assert capped.latest_end == D(2029, 1, 31)
    shorter = period(shipped, rule, start=D(2026, 1, 31), end=D(2027, 1, 1))
    assert isinstance(shorter, DisplayPeriod)
    assert shorter.latest_end == D(2027, 1, 1)
    open_list = period(shipped, shipped.display_rules["list_until_removed"], start=D(2026, 1, 1))
    assert isinstance(open_list, DisplayPeriod)
    assert open_list.latest_end is None


def test_r4_2_end_before_start_is_refused(shipped: Catalog) -> None:
    with pytest.raises(InvalidInput) as info:
        period(
            shipped, shipped.display_rules["while_valid"], start=D(2026, 1, 2), end=D(2026, 1, 1)
        )
    assert (info.value.field, info.value.rule) == ("valid_until", "before_start")


def test_r4_2_not_displayed_rule() -> None:
    got = display_period(_rule(DisplayKind.NOT_DISPLAYED), [], start=D(2026, 1, 1))
    assert isinstance(got, NotPublicised)


def test_r4_2_is_shown_includes_the_last_day_and_stops_at_an_early_end() -> None:
    shown = DisplayPeriod(D(2026, 4, 1), D(2026, 7, 1), D(2027, 4, 1), "r")
    assert not shown.is_shown(D(2026, 3, 31))
    assert shown.is_shown(D(2026, 4, 1))
    assert shown.is_shown(D(2027, 4, 1))
    assert not shown.is_shown(D(2027, 4, 2))
    assert not shown.is_shown(D(2026, 8, 1), ended_on=D(2026, 8, 1))
    assert shown.is_shown(D(2026, 7, 31), ended_on=D(2026, 8, 1))


def test_r4_2_catalog_reads_the_period_inputs_from_a_record(shipped: Catalog) -> None:
    item = shipped.item("PENALTY-FIRE-SAFETY", D(2026, 3, 31))
    content = {
        "decision_date": D(2026, 3, 31),
        "penalty_types": ("fine",),
        "summary_procedure": False,
    }
    got = shipped.display_period(item, content)
    assert isinstance(got, DisplayPeriod)
    assert (got.earliest_end, got.latest_end) == (D(2027, 3, 31), D(2029, 3, 31))
    with pytest.raises(InvalidInput) as info:
        shipped.display_period(item, {"penalty_types": ("fine",)})
    assert info.value.field == "decision_date"


def test_r4_2_item_display_fields_override_the_rule(shipped: Catalog) -> None:
    item = shipped.item("VOLUNTEER-SERVICE-HOURS", D(2026, 4, 1))
    got = shipped.display_period(item, {"recorded_on": D(2026, 5, 6)})
    assert isinstance(got, DisplayPeriod)
    assert got.start == D(2026, 5, 6)
    wages = shipped.item("LIST-WAGE-ARREARS", D(2026, 4, 1))
    listed = shipped.display_period(wages, {"listed_on": D(2026, 4, 30)})
    assert isinstance(listed, DisplayPeriod)
    assert listed.latest_end == D(2029, 4, 30)
