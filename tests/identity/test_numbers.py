"""R-1.1 citizen ID numbers and R-1.3 unified social credit codes."""

from __future__ import annotations

import datetime as dt

import pytest

from chengxin.errors import InvalidInput
from chengxin.identity.numbers import (
    IdPart,
    InvalidIdNumber,
    check_character,
    parse_id_number,
    parse_uscc,
)

TODAY = dt.date(2026, 11, 26)


def make(region: str, birth: str, seq: str) -> str:
    first17 = region + birth + seq
    return first17 + check_character(first17)


def test_r1_1_valid_number_is_normalised_with_region_birth_sex_and_mask() -> None:
    parsed = parse_id_number("11010519491231002X", TODAY)
    assert parsed.normalized == "11010519491231002X"
    assert (parsed.region.province, parsed.region.city, parsed.region.county) == (
        "北京市",
        "北京市",
        "朝阳区",
    )
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "F"  # sequence 002: even
    assert parsed.masked == "110105********002X"


def test_r1_1_prefecture_city_is_named() -> None:
    parsed = parse_id_number(make("440305", "19800101", "123"), TODAY)
    assert (parsed.region.province, parsed.region.city, parsed.region.county) == (
        "广东省",
        "深圳市",
        "南山区",
    )
    assert parsed.sex == "M"  # sequence 123: odd


def test_r1_1_lower_case_x_and_spaces_are_normalised() -> None:
    assert parse_id_number(" 11010519491231002x ", TODAY).normalized == "11010519491231002X"


def test_r1_1_x_check_character_is_computed_and_checked() -> None:
    assert check_character("11010519491231002") == "X"
    with pytest.raises(InvalidIdNumber) as info:
        parse_id_number("110105194912310020", TODAY)
    assert info.value.part is IdPart.CHECK


def test_r1_1_fifteen_digit_legacy_number_is_upgraded() -> None:
    parsed = parse_id_number("110105491231002", TODAY)
    assert parsed.normalized == "11010519491231002X"
    assert parsed.upgraded_from == "110105491231002"
    assert parsed.birth_date == dt.date(1949, 12, 31)


@pytest.mark.parametrize(
    ("number", "part"),
    [
        ("1101051949123100", IdPart.LENGTH),
        ("11010519491231002X1", IdPart.LENGTH),
        ("", IdPart.LENGTH),
        ("1101051949123100A2", IdPart.CHARACTERS),
        ("11010519491231002Y", IdPart.CHARACTERS),
        ("11010549123100A", IdPart.CHARACTERS),
        ("１１０１０５１９４９１２３１００２Ｘ", IdPart.CHARACTERS),
        (make("990105", "19800101", "123"), IdPart.REGION),
        (make("110199", "19800101", "123"), IdPart.REGION),
        (make("110105", "19801301", "123"), IdPart.BIRTH_DATE),
        (make("110105", "18991231", "123"), IdPart.BIRTH_DATE),
        ("110105198001011230", IdPart.CHECK),
        ("' OR 1=1 --", IdPart.CHARACTERS),
        ("1" * 10_000, IdPart.LENGTH),
    ],
)
def test_r1_1_each_invalid_part_is_named(number: str, part: IdPart) -> None:
    with pytest.raises(InvalidIdNumber) as info:
        parse_id_number(number, TODAY)
    assert info.value.part is part
    assert part.value in str(info.value)
    assert info.value.field == "id_number"


def test_r1_1_29_february_only_in_leap_years() -> None:
    assert parse_id_number(make("110105", "20000229", "123"), TODAY).birth_date == dt.date(
        2000, 2, 29
    )
    assert parse_id_number(make("110105", "19960229", "123"), TODAY).birth_date == dt.date(
        1996, 2, 29
    )
    for not_leap in ("19000229", "19990229", "20230229"):
        with pytest.raises(InvalidIdNumber) as info:
            parse_id_number(make("110105", not_leap, "123"), TODAY)
        assert info.value.part is IdPart.BIRTH_DATE


def test_r1_1_future_birth_date_is_refused_but_today_is_accepted() -> None:
    with pytest.raises(InvalidIdNumber) as info:
        parse_id_number(make("110105", "20261127", "123"), TODAY)
    assert info.value.part is IdPart.BIRTH_DATE
    assert "future" in str(info.value)
    assert parse_id_number(make("110105", "20261126", "123"), TODAY).birth_date == TODAY


def test_r1_1_earliest_birth_date_is_1900() -> None:
    assert parse_id_number(make("110105", "19000101", "123"), TODAY).birth_date == dt.date(
        1900, 1, 1
    )


def test_r1_1_abolished_region_codes_stay_valid_for_people_born_with_them() -> None:
    # 110103 崇文区 was merged into 东城区 in 2010; numbers issued before stay valid.
    assert parse_id_number(make("110103", "19700101", "123"), TODAY).region.county == "崇文区"


def test_r1_3_valid_uscc() -> None:
    parsed = parse_uscc("91110000802100433b")
    assert parsed.normalized == "91110000802100433B"
    assert parsed.region_code == "110000"
    assert parsed.masked == "91110000******433B"


@pytest.mark.parametrize(
    ("code", "part"),
    [
        ("9111000080210043", "length"),
        ("91110000802100433BB", "length"),
        ("91110000802100I33B", "characters"),
        ("91110000802100433!", "characters"),
        ("B1110000802100433B", "registration authority"),
        ("9A110000802100433B", "organisation category"),
        ("91AB0000802100433B", "region code"),
        ("91110000802100433A", "check character"),
        ("x" * 100_000, "length"),
    ],
)
def test_r1_3_each_invalid_part_is_named(code: str, part: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_uscc(code)
    assert str(info.value).startswith(f"uscc: {part}:")


def test_r1_3_agricultural_and_other_authority_codes_are_accepted() -> None:
    from stdnum.cn import uscc  # noqa: PLC0415

    body = "N2110000MA0000000"
    assert parse_uscc(body + uscc.calc_check_digit(body)).registration_authority == "N2"
