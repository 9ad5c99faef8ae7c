"""Typical cases (R-7.1) as pure rules: published only after the person's consent, to exactly
the text they read; no identifiers in what the public will read."""

from __future__ import annotations

import datetime as dt

import pytest

from chengxin.errors import Conflict, InvalidInput
from chengxin.typicalcases import rules
from chengxin.typicalcases.rules import CaseEvent, CaseState
from chengxin.typicalcases.service import add_months

STORY = "王某明多年来坚持按期还款，在企业经营困难时仍优先支付员工工资，获评诚信道德模范。"


def test_r7_1_a_case_is_published_only_after_the_person_consents() -> None:
    assert rules.next_state(CaseState.ASKED, CaseEvent.CONSENT) == CaseState.CONSENTED
    assert rules.next_state(CaseState.CONSENTED, CaseEvent.PUBLISH) == CaseState.PUBLISHED
    with pytest.raises(Conflict) as refused:
        rules.next_state(CaseState.ASKED, CaseEvent.PUBLISH)
    assert refused.value.rule == "case-transition"
    for state in (CaseState.DECLINED, CaseState.ENDED):  # final: no way back to the site
        for event in CaseEvent:
            with pytest.raises(Conflict):
                rules.next_state(state, event)


def test_r7_1_the_person_may_withdraw_consent_before_or_after_publication() -> None:
    for state in (CaseState.CONSENTED, CaseState.PUBLISHED):
        assert rules.next_state(state, CaseEvent.WITHDRAW) == CaseState.ENDED
    assert rules.next_state(CaseState.ASKED, CaseEvent.DECLINE) == CaseState.DECLINED
    with pytest.raises(Conflict):
        rules.next_state(CaseState.PUBLISHED, CaseEvent.DECLINE)  # withdraw, not decline


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (STORY + "身份证号110101198503150011。", "no-identifiers"),
        (STORY + "电话13812345678", "no-identifiers"),
        (STORY + "\x00", "control"),
        ("太短了", "length"),
        ("长" * 5001, "length"),
    ],
)
def test_r7_1_a_story_refuses_identifiers_control_characters_and_odd_lengths(
    text: str, rule: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.clean_story(text, "story_zh")
    assert (refused.value.field, refused.value.rule) == ("story_zh", rule)


def test_a_story_keeps_its_paragraphs_and_numbers_that_are_not_identifiers() -> None:
    text = STORY + "\r\n\r\n2019年至2025年共捐款120000元。"
    assert rules.clean_story(text, "story_zh") == text.replace("\r\n", "\n")
    with pytest.raises(InvalidInput):
        rules.clean_title("第一行\n第二行", "title_zh")  # a title is one line


def test_r7_1_the_full_name_may_not_appear_but_a_one_character_name_is_no_clue() -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.check_not_named({"story_zh": STORY.replace("王某明", "王大明")}, "王大明")
    assert refused.value.rule == "no-full-name"
    rules.check_not_named({"story_zh": STORY}, "王大明")
    rules.check_not_named({"story_zh": STORY}, "王")


def test_the_digest_changes_with_any_text_and_not_with_key_order() -> None:
    texts = {"title_zh": "诚信经营", "title_en": "Honest trade", "story_zh": STORY, "story_en": "x"}
    same = dict(reversed(list(texts.items())))
    assert rules.digest(texts) == rules.digest(same)
    assert rules.digest(texts) != rules.digest({**texts, "title_en": "Honest trade."})


@pytest.mark.parametrize(("months", "ok"), [(0, False), (1, True), (36, True), (37, False)])
def test_a_publication_lasts_one_to_thirty_six_months(months: int, ok: bool) -> None:
    if ok:
        assert rules.check_months(months) == months
    else:
        with pytest.raises(InvalidInput):
            rules.check_months(months)


def test_months_are_added_by_the_calendar() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 26), 12) == dt.date(2027, 11, 26)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
