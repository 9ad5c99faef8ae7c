"""Free text people type (reasons, statements, facts, titles) is checked one way everywhere:
trimmed, within its length, and without control characters that would hide text in logs and
pages — line breaks and tabs only where the text may have several lines."""

from __future__ import annotations

import pytest

from chengxin import texts
from chengxin.disputes import cases
from chengxin.errors import InvalidInput
from chengxin.lists import steps


@pytest.mark.parametrize(
    ("clean", "limit"),
    [(lambda raw, **kw: texts.clean_text(raw, "reason", limit=2000, **kw), 2000),
     (lambda raw, **kw: cases.clean_text(raw, "reason", **kw), cases.MAX_TEXT),
     (lambda raw, **kw: steps.clean_text(raw, "reason", **kw), steps.MAX_TEXT)],
)  # fmt: skip
def test_texts_are_trimmed_bounded_and_free_of_control_characters(
    clean: object, limit: int
) -> None:
    check = clean  # type: ignore[assignment]
    assert check("  第一行\n第二行\t完  ", lines=True) == "第一行\n第二行\t完"
    for hostile, rule in (("罚款\x00金额", "control"), ("罚款\u202e额金", "control"), ("罚款\x1b[2J", "control"),
                          ("行一\u2028行二", "control"), ("  ", "length"),
                          ("长" * (limit + 1), "length")):  # fmt: skip
        with pytest.raises(InvalidInput) as refused:
            check(hostile, lines=True)
        assert (refused.value.field, refused.value.rule) == ("reason", rule), hostile
    with pytest.raises(InvalidInput) as one_line:
        check("（2026）京0105\n执88号", lines=False)  # a document number is one line
    assert one_line.value.rule == "control"
