"""Properties of the masked forms shown by default (R-1.4, R-3.6, R-6.5): a mask keeps the
length and never shows more than the characters it is allowed to."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chengxin.identity.masking import COMPOUND_SURNAMES, mask_id_number, mask_name, mask_uscc

# Characters that are never "*" themselves, so a visible character is one the mask kept.
id_texts = st.text("0123456789X", max_size=24)
hanzi = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
names = st.one_of(
    st.text(hanzi, min_size=1, max_size=6),
    st.tuples(st.sampled_from(sorted(COMPOUND_SURNAMES)), st.text(hanzi, max_size=3)).map("".join),
    st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="*"),
        min_size=1,
        max_size=12,
    ),
    st.lists(
        st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8), min_size=2, max_size=3
    ).map(" ".join),
)


def shown(masked: str) -> int:
    return sum(1 for c in masked if c != "*")


@given(id_texts)
def test_r1_4_an_id_number_shows_at_most_its_region_and_last_four(number: str) -> None:
    """R-1.4: `110105********123X`: at most 6 + 4 characters shown, each in its own place, and
    nothing at all of a value too short to hide the birth date."""
    masked = mask_id_number(number)
    assert len(masked) == len(number)
    assert shown(masked) <= 10
    assert all(m in ("*", c) for m, c in zip(masked, number, strict=True))
    if len(number) == 18:
        assert masked == number[:6] + "*" * 8 + number[-4:]
    if len(number) <= 10:
        assert shown(masked) == 0
    assert mask_id_number(masked) == masked  # masking a masked value reveals nothing new


@given(names)
def test_r1_4_a_name_shows_at_most_its_surname(name: str) -> None:
    """R-1.4, R-6.5: `张*`, `欧阳**`: one character (two for a compound surname) stays; every
    character of the given name is starred."""
    masked = mask_name(name)
    clean = name.strip()
    assert len(masked) == len(clean)
    keep = 2 if clean[:2] in COMPOUND_SURNAMES and len(clean) > 2 else 1
    assert shown(masked) <= keep
    assert masked[:keep] in (clean[:keep], "*" * keep)
    if len(clean) > 1:
        assert masked.endswith("*")  # the last character of a name is never shown


@given(st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", max_size=24))
def test_r1_4_a_uscc_hides_its_body(code: str) -> None:
    """R-1.4: a code keeps authority, category, region and last four (12 of 18 at most)."""
    masked = mask_uscc(code)
    assert len(masked) == len(code)
    assert shown(masked) <= 12
    assert all(m in ("*", c) for m, c in zip(masked, code, strict=True))
    if len(code) == 18:
        assert masked[8:14] == "******"
