"""Properties of citizen ID numbers (R-1.1, GB 11643-1999) and unified social credit codes
(R-1.3, GB 32100-2015): every well-formed number is accepted, every single-character slip is
refused. The check characters are computed here independently of python-stdnum."""

from __future__ import annotations

import datetime as dt
import re
from importlib.resources import files

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from chengxin.errors import InvalidInput
from chengxin.identity.numbers import (
    EARLIEST_BIRTH,
    USCC_AUTHORITIES,
    IdPart,
    InvalidIdNumber,
    parse_id_number,
    parse_uscc,
)

TODAY = dt.date(2026, 11, 26)
ID_CHARS = "0123456789X"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _region_codes() -> list[str]:
    """Every six-digit division code in python-stdnum's table (the one the parser reads)."""
    text = (files("stdnum.cn") / "loc.dat").read_text(encoding="utf-8")
    codes, province = [], ""
    for line in text.splitlines():
        if m := re.match(r"(\d\d) ", line):
            province = m.group(1)
        elif (m := re.match(r"  (\d{4}) ", line)) and province:
            codes.append(province + m.group(1))
    return codes


REGIONS = _region_codes()


def mod11_2(first17: str) -> str:
    """ISO 7064 MOD 11-2 as GB 11643 §5.5 states it: weights 2^(17-i) mod 11."""
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def gb32100_check(first17: str) -> str:
    """GB 32100 §4.3: weights 3^i mod 31, check = 31 - (Σ mod 31), 31 written as 0."""
    total = sum(USCC_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return USCC_CHARS[(31 - total % 31) % 31]


births = st.dates(min_value=EARLIEST_BIRTH, max_value=TODAY)
sequences = st.integers(0, 999).map(lambda n: f"{n:03d}")


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    first17 = draw(st.sampled_from(REGIONS)) + draw(births).strftime("%Y%m%d") + draw(sequences)
    return first17 + mod11_2(first17)


@st.composite
def usccs(draw: st.DrawFn) -> str:
    authority = draw(st.sampled_from(sorted(USCC_AUTHORITIES)))
    category = draw(st.sampled_from(USCC_AUTHORITIES[authority]))
    region = draw(st.text("0123456789", min_size=6, max_size=6))
    body = draw(st.text(USCC_CHARS, min_size=9, max_size=9))
    first17 = authority + category + region + body
    return first17 + gb32100_check(first17)


@given(id_numbers())
def test_r1_1_every_well_formed_id_number_is_accepted_as_it_is(number: str) -> None:
    """R-1.1: region, birth date, sequence and check character are read back unchanged."""
    parsed = parse_id_number(number, TODAY)
    assert parsed.normalized == number
    assert parsed.region.code == number[:6]
    assert parsed.birth_date.strftime("%Y%m%d") == number[6:14]
    assert parsed.sex == ("M" if int(number[16]) % 2 else "F")
    assert parsed.upgraded_from is None
    # Spaces and a lower-case x are only spelling.
    assert parse_id_number(f" {number[:6]} {number[6:].lower()} ", TODAY).normalized == number


@given(id_numbers(), st.integers(0, 17), st.sampled_from(ID_CHARS))
def test_r1_1_any_single_character_change_is_refused(number: str, at: int, new: str) -> None:
    """R-1.1: MOD 11-2 catches every single substitution; the refusal names a part."""
    assume(number[at] != new)
    changed = number[:at] + new + number[at + 1 :]
    with pytest.raises(InvalidIdNumber) as refused:
        parse_id_number(changed, TODAY)
    if at == 17:
        assert refused.value.part is IdPart.CHECK


@given(id_numbers(), st.integers(0, 16))
def test_r1_1_swapping_two_neighbouring_characters_is_refused(number: str, at: int) -> None:
    """R-1.1: MOD 11-2 also catches every transposition of adjacent characters."""
    assume(number[at] != number[at + 1])
    swapped = number[:at] + number[at + 1] + number[at] + number[at + 2 :]
    with pytest.raises(InvalidIdNumber):
        parse_id_number(swapped, TODAY)


@given(
    st.sampled_from(REGIONS),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)),
    sequences,
)
def test_r1_1_a_legacy_number_is_upgraded_to_a_valid_18_character_one(
    region: str, birth: dt.date, seq: str
) -> None:
    """R-1.1: 15 digits (two-digit year, no check) become 18 with 19 inserted and the check."""
    legacy = region + birth.strftime("%y%m%d") + seq
    parsed = parse_id_number(legacy, TODAY)
    assert parsed.upgraded_from == legacy
    assert parsed.normalized == region + birth.strftime("%Y%m%d") + seq + mod11_2(
        region + birth.strftime("%Y%m%d") + seq
    )
    assert parsed.birth_date == birth
    assert parse_id_number(parsed.normalized, TODAY).normalized == parsed.normalized


@given(st.sampled_from(REGIONS), st.dates(min_value=TODAY + dt.timedelta(days=1)), sequences)
def test_r1_1_a_birth_date_after_today_is_refused_as_such(
    region: str, birth: dt.date, seq: str
) -> None:
    """R-1.1: a number whose birth date lies after `today` names the birth date."""
    first17 = region + birth.strftime("%Y%m%d") + seq
    with pytest.raises(InvalidIdNumber) as refused:
        parse_id_number(first17 + mod11_2(first17), TODAY)
    assert refused.value.part is IdPart.BIRTH_DATE


@given(st.text(ID_CHARS + "abc- ", max_size=20))
def test_r1_1_what_is_accepted_always_has_a_matching_check_character(raw: str) -> None:
    """R-1.1: whatever the input, an accepted number is 18 characters with a valid check."""
    try:
        parsed = parse_id_number(raw, TODAY)
    except InvalidIdNumber:
        return
    assert len(parsed.normalized) == 18
    assert parsed.normalized[17] == mod11_2(parsed.normalized[:17])


@given(usccs())
def test_r1_3_every_well_formed_uscc_is_accepted(code: str) -> None:
    """R-1.3: authority, category, region and check character as GB 32100 sets them."""
    parsed = parse_uscc(code)
    assert parsed.normalized == code
    assert (parsed.registration_authority, parsed.region_code) == (code[:2], code[2:8])
    spelled = f"{code[:8].lower()}-{code[8:17]} {code[17]}"
    assert parse_uscc(spelled).normalized == code


@given(usccs(), st.integers(0, 17), st.sampled_from(USCC_CHARS))
def test_r1_3_any_single_character_change_is_refused(code: str, at: int, new: str) -> None:
    """R-1.3: the mod-31 check catches every single substitution (31 is prime)."""
    assume(code[at] != new)
    with pytest.raises(InvalidInput) as refused:
        parse_uscc(code[:at] + new + code[at + 1 :])
    assert refused.value.field == "uscc"
    assert str(refused.value.rule).startswith("GB 32100 ")
