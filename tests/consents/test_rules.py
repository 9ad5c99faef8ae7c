"""Consent rules (R-3.4): purposes, scope, validity and the signed body. No database."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from chengxin.catalog.vocab import Category, DisclosureLevel
from chengxin.consents.rules import (
    CONSENTABLE,
    PURPOSE_LABELS,
    ConsentStatus,
    Purpose,
    Scope,
    consent_body,
    parse_purpose,
    parse_scope,
    scope_allows,
    scope_from_stored,
    validity,
)
from chengxin.errors import InvalidInput

NOW = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing


def test_r3_4_every_purpose_has_chinese_and_english_labels() -> None:
    assert set(PURPOSE_LABELS) == set(Purpose)
    assert PURPOSE_LABELS[Purpose.LOAN_APPROVAL] == ("贷款审批", "loan approval")
    assert PURPOSE_LABELS[Purpose.ADMINISTRATIVE_DUTY][0] == "依法履职"
    assert set(Purpose) - {Purpose.ADMINISTRATIVE_DUTY} == CONSENTABLE


def test_r3_4_administrative_duty_and_unknown_purposes_are_refused() -> None:
    assert parse_purpose(" tenancy ") is Purpose.TENANCY
    with pytest.raises(InvalidInput) as duty:
        parse_purpose("administrative_duty")
    assert (duty.value.field, duty.value.rule) == ("purpose", "purpose-not-consentable")
    with pytest.raises(InvalidInput) as unknown:
        parse_purpose("marketing")
    assert unknown.value.rule == "purpose"


def test_r3_4_scope_defaults_and_refusals() -> None:
    default = parse_scope(None, None)
    assert default.levels == {DisclosureLevel.PUBLIC, DisclosureLevel.AUTHORISED}
    assert default.categories == frozenset()
    assert parse_scope(["public"], ["bad", " serious"]).as_dict() == {
        "levels": ["public"],
        "categories": ["bad", "serious"],
    }
    for levels, categories, field, rule in (
        (["government"], None, "levels", "scope-government"),
        (["public", "government"], None, "levels", "scope-government"),
        ([], None, "levels", "scope-levels"),
        (["secret"], None, "levels", "disclosure-level"),
        (None, ["rumours"], "categories", "category"),
    ):
        with pytest.raises(InvalidInput) as refused:
            parse_scope(levels, categories)
        assert (refused.value.field, refused.value.rule) == (field, rule)


def test_r3_4_scope_allows_only_what_it_names() -> None:
    everything = parse_scope(None, None)
    assert scope_allows(everything, DisclosureLevel.AUTHORISED, Category.SERIOUS)
    assert not scope_allows(everything, DisclosureLevel.GOVERNMENT, Category.BAD)
    narrow = Scope(frozenset({DisclosureLevel.AUTHORISED}), frozenset({Category.BAD}))
    assert scope_allows(narrow, DisclosureLevel.AUTHORISED, Category.BAD)
    assert not scope_allows(narrow, DisclosureLevel.AUTHORISED, Category.GOOD)
    assert not scope_allows(narrow, DisclosureLevel.PUBLIC, Category.BAD)
    assert scope_from_stored(*narrow.stored()) == narrow
    assert scope_from_stored("authorised,public", "") == everything


def test_r3_4_validity_runs_from_now_to_the_end_of_the_last_day_in_china() -> None:
    start, end = validity(NOW, valid_until=dt.date(2026, 12, 31))
    assert start == NOW
    assert end == dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)  # 24:00 Beijing
    later_start, _ = validity(
        NOW, valid_until=dt.date(2026, 12, 31), valid_from=dt.date(2026, 12, 1)
    )
    assert later_start == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)
    one_day = validity(NOW, valid_until=dt.date(2026, 11, 26))
    assert one_day == (NOW, dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC))
    assert validity(NOW, valid_until=dt.date(2027, 11, 26))[1].date() == dt.date(2027, 11, 26)


@pytest.mark.parametrize(
    ("until", "start", "field", "rule"),
    [
        (dt.date(2026, 11, 25), None, "valid_until", "validity-past"),
        (dt.date(2026, 12, 31), dt.date(2026, 11, 25), "valid_from", "validity-past"),
        (dt.date(2026, 12, 1), dt.date(2026, 12, 2), "valid_until", "validity-order"),
        (dt.date(2027, 11, 27), None, "valid_until", "validity-max-one-year"),
        (dt.date(2030, 1, 1), dt.date(2029, 12, 1), "valid_until", "validity-max-one-year"),
    ],
)
def test_r3_4_validity_refusals(
    until: dt.date, start: dt.date | None, field: str, rule: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        validity(NOW, valid_until=until, valid_from=start)
    assert (refused.value.field, refused.value.rule) == (field, rule)


def test_r3_4_one_year_from_29_february_is_28_february() -> None:
    leap = dt.datetime(2028, 2, 29, 2, 0, tzinfo=dt.UTC)
    validity(leap, valid_until=dt.date(2029, 2, 28))
    with pytest.raises(InvalidInput):
        validity(leap, valid_until=dt.date(2029, 3, 1))


def test_r5_3_the_body_names_everything_that_is_signed() -> None:
    cid, sid = uuid.uuid4(), uuid.uuid4()
    body = consent_body(consent_id=cid, version=1, subject_id=sid, requester_code="BANK",
                        purpose=Purpose.LOAN_APPROVAL, scope=parse_scope(None, ["bad"]),
                        valid_from=NOW, valid_until=NOW + dt.timedelta(days=1),
                        status=ConsentStatus.ACTIVE, created_at=NOW, created_by="t")  # fmt: skip
    assert body["consent"] == str(cid)
    assert body["subject"] == str(sid)
    assert body["scope"] == {"levels": ["authorised", "public"], "categories": ["bad"]}
    assert body["valid_from"] == "2026-11-26T02:00:00+00:00"
    assert (body["status"], body["withdrawn_at"], body["format"]) == (
        "active",
        None,
        "chengxin-consent/1",
    )
