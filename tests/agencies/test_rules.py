"""R-5.5: what an agreement with a credit agency may hold, and when its export is due. Pure."""

from __future__ import annotations

import datetime as dt

import pytest

from chengxin.agencies.rules import (
    Frequency,
    Purpose,
    add_month,
    check_items,
    check_period,
    in_force,
    is_due,
    parse_frequency,
    parse_purposes,
)
from chengxin.catalog.schema import Catalog
from chengxin.errors import InvalidInput
from tests.collection.conftest import catalog

__all__ = ["catalog"]
DAY = dt.date(2026, 11, 26)


def test_r5_5_only_public_items_in_force_may_be_agreed(catalog: Catalog) -> None:
    """R-5.5: an agency is a market actor: public items only; unknown codes are refused."""
    assert check_items(catalog, [" PENALTY-TAX ", "PENALTY-TAX"], DAY) == ("PENALTY-TAX",)
    cases = {("PENALTY-TRAFFIC",): "disclosure-public",  # authorised (授权查询)
             ("FINANCE-MALICIOUS-DEBT-EVASION",): "disclosure-public",
             ("NO-SUCH-ITEM",): "catalog-item", (): "required", ("",): "required"}  # fmt: skip
    for codes, rule in cases.items():
        with pytest.raises(InvalidInput) as refused:
            check_items(catalog, codes, DAY)
        assert (refused.value.field, refused.value.rule) == ("items", rule), codes


def test_r5_5_purposes_frequency_and_period_are_checked() -> None:
    """R-5.5: a closed list of purposes and frequencies; the period must not run backwards."""
    assert parse_purposes(["anti_fraud", "credit_report", "anti_fraud"]) == (
        Purpose.CREDIT_REPORT, Purpose.ANTI_FRAUD)  # fmt: skip
    assert parse_frequency(" weekly ") is Frequency.WEEKLY
    for call, field, rule in (
        (lambda: parse_purposes(["marketing"]), "purposes", "purpose"),
        (lambda: parse_purposes([]), "purposes", "required"),
        (lambda: parse_frequency("hourly"), "frequency", "frequency"),
        (lambda: check_period(DAY, DAY - dt.timedelta(days=1)), "valid_until", "period-order"),
    ):  # fmt: skip
        with pytest.raises(InvalidInput) as refused:
            call()
        assert (refused.value.field, refused.value.rule) == (field, rule)


def test_r5_5_an_export_is_due_by_its_frequency() -> None:
    """R-5.5: daily the next day, weekly seven days on, monthly the same day next month (or the
    month's last day); the first export is due at once."""
    assert is_due(Frequency.MONTHLY, None, DAY)
    assert not is_due(Frequency.DAILY, DAY, DAY)
    assert is_due(Frequency.DAILY, DAY, DAY + dt.timedelta(days=1))
    assert not is_due(Frequency.WEEKLY, DAY, DAY + dt.timedelta(days=6))
    assert is_due(Frequency.WEEKLY, DAY, DAY + dt.timedelta(days=7))
    assert not is_due(Frequency.MONTHLY, DAY, dt.date(2026, 12, 25))
    assert is_due(Frequency.MONTHLY, DAY, dt.date(2026, 12, 26))
    assert add_month(dt.date(2027, 1, 31)) == dt.date(2027, 2, 28)
    assert add_month(dt.date(2026, 12, 15)) == dt.date(2027, 1, 15)


def test_r5_5_an_agreement_is_in_force_from_its_first_to_its_last_day_until_ended() -> None:
    """R-5.5: valid_from and valid_until are inclusive; an ended agreement is never in force."""
    until = DAY + dt.timedelta(days=10)
    assert in_force(DAY, until, DAY, ended=False)
    assert in_force(DAY, until, until, ended=False)
    assert not in_force(DAY, until, until + dt.timedelta(days=1), ended=False)
    assert not in_force(DAY, None, DAY - dt.timedelta(days=1), ended=False)
    assert not in_force(DAY, None, DAY, ended=True)
