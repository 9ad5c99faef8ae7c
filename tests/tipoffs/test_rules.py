"""Tip-off rules without a database (R-6.5): the state machine, tracking numbers that cannot be
guessed and whose typing errors are caught, the checks of what the public sends."""

from __future__ import annotations

import itertools
import secrets

import pytest

from chengxin.errors import Conflict, InvalidInput
from chengxin.tipoffs.rules import (
    ALPHABET,
    RANDOM_BITS,
    TRANSITIONS,
    TipoffEvent,
    TipoffState,
    check_region,
    clean_contact,
    clean_text,
    make_tracking,
    next_state,
    parse_tracking,
    region_prefix,
)

S, E = TipoffState, TipoffEvent


def test_r6_5_states_move_received_accepted_referred_closed_or_rejected() -> None:
    assert next_state(S.RECEIVED, E.ACCEPT) is S.ACCEPTED
    assert next_state(S.RECEIVED, E.REJECT) is S.REJECTED
    assert next_state(S.ACCEPTED, E.REFER) is S.REFERRED
    assert next_state(S.ACCEPTED, E.CLOSE) is S.CLOSED
    assert next_state(S.REFERRED, E.CLOSE) is S.CLOSED
    for state, event in itertools.product(S, E):
        if (state, event) in TRANSITIONS:
            continue
        with pytest.raises(Conflict) as refused:
            next_state(state, event)
        assert (refused.value.field, refused.value.rule) == ("state", "tipoff-transition")
    # Nothing leaves a decided tip-off.
    assert not [k for k in TRANSITIONS if k[0] in {S.REJECTED, S.CLOSED}]


def test_r6_5_tracking_numbers_are_jb_and_12_characters_with_a_check() -> None:
    numbers = {make_tracking(secrets.randbits(RANDOM_BITS)) for _ in range(2000)}
    assert len(numbers) == 2000
    for number in numbers:
        assert number.startswith("JB-")
        assert len(number) == 15
        assert set(number[3:]) <= set(ALPHABET)
        assert parse_tracking(number) == number
    assert make_tracking(0) == "JB-000000000000"
    assert make_tracking((1 << RANDOM_BITS) - 1)[3:14] == "Z" * 11
    with pytest.raises(ValueError, match="random bits"):
        make_tracking(1 << RANDOM_BITS)


def test_r6_5_tracking_numbers_are_read_leniently() -> None:
    number = make_tracking(0x1234_5678_9ABC_DE)
    body = number[3:]
    assert parse_tracking(f"  jb {body[:4]} {body[4:8]}-{body[8:]} ") == number
    assert parse_tracking("JB" + body.lower()) == number
    zeros = make_tracking(0)  # JB-000…0: O is read as 0
    assert parse_tracking("JB-OOOOOOOOOOOO") == zeros


def test_r6_5_every_single_wrong_character_and_most_swaps_are_caught() -> None:
    number = make_tracking(secrets.randbits(RANDOM_BITS))
    body = number[3:]
    for i, char in itertools.product(range(12), ALPHABET):
        if char == body[i]:
            continue
        with pytest.raises(InvalidInput) as refused:
            parse_tracking("JB-" + body[:i] + char + body[i + 1 :])
        assert refused.value.rule == "tracking-check"
    swaps = caught = 0
    for _ in range(500):
        body = make_tracking(secrets.randbits(RANDOM_BITS))[3:]
        i = secrets.randbelow(11)
        if body[i] == body[i + 1]:
            continue
        swaps += 1
        try:
            parse_tracking("JB-" + body[:i] + body[i + 1] + body[i] + body[i + 2 :])
        except InvalidInput:
            caught += 1
    assert caught / swaps > 0.9


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("", "tracking-prefix"),
        ("XX-000000000000", "tracking-prefix"),
        ("JB-00000000000", "tracking-format"),  # 11 characters
        ("JB-0000000000000", "tracking-format"),  # 13
        ("JB-00000000000U", "tracking-format"),  # U is not Crockford
        ("JB-00000000000*", "tracking-format"),
        ("JB-" + "0" * 40, "max-length"),
        ("JB-000000000001", "tracking-check"),
    ],
)
def test_r6_5_malformed_tracking_numbers_name_the_rule(raw: str, rule: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_tracking(raw)
    assert (refused.value.field, refused.value.rule) == ("tracking", rule)


def test_r6_5_texts_contacts_and_regions_are_checked() -> None:
    assert clean_text("  事实\n经过  ", "text", limit=10, lines=True) == "事实\n经过"
    for raw, rule in (("", "length"), ("x" * 11, "length"), ("a\x1bb", "control")):
        with pytest.raises(InvalidInput) as refused:
            clean_text(raw, "text", limit=10)
        assert (refused.value.field, refused.value.rule) == ("text", rule)
    with pytest.raises(InvalidInput, match="control"):
        clean_text("第一行\n第二行", "subject", limit=100)  # one line only
    assert clean_contact(None) is None
    assert clean_contact("   ") is None
    assert clean_contact(" 13800000000 ") == "13800000000"
    assert check_region("110105") == "110105"
    for bad in ("999999", "11010", "1101050", "11O105", "000000"):
        with pytest.raises(InvalidInput) as refused:
            check_region(bad)
        assert (refused.value.field, refused.value.rule) == ("region_code", "region")
    assert [region_prefix(c) for c in ("110000", "110100", "110105")] == ["11", "1101", "110105"]
