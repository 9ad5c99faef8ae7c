"""Typical cases on the pages (R-7.1): staff write a case on the console, the person reads and
consents on the portal, staff publish, the public sees it with the masked name; the person
withdraws and it is gone. The form refuses bad input at the field and writes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from chengxin.access.permissions import Role
from chengxin.access.ratelimit import RateLimiter
from chengxin.typicalcases.models import TypicalCase
from tests.platform import ALICE, BOB, Platform, platform
from tests.web.sessions import page_as, post_form

CASE = {
    "kind": "honour", "id_number": ALICE, "region_code": "110105",
    "title_zh": "补缴税款后守信经营", "title_en": "Back taxes paid, trade kept honest",
    "story_zh": "张某在受到税务处罚后及时补缴税款，此后三年按期申报纳税，主动作出信用承诺。",
    "story_en": "After a tax penalty Ms Zhang paid what she owed and filed on time for three years.",
}  # fmt: skip


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """One SQLite node for the module (each test writes its own case): the verbs under these
    pages are tested on both databases."""
    with platform(tmp_path_factory.mktemp("cases"), "sqlite") as p:
        p.client.app.state.rate_limiter = RateLimiter(1000)  # type: ignore[attr-defined]
        p.account("bob", Role.CITIZEN, subject_id=p.subject(BOB))
        p.login("bob")
        yield p


def _count(node: Platform) -> int:
    with node.rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(TypicalCase)) or 0


def _case_id(answer: object) -> str:
    location = answer.headers["location"]  # type: ignore[attr-defined]
    found = re.fullmatch(r"/console/cases/([0-9a-f-]{36})", location)
    assert found is not None, location
    return found.group(1)


def test_r7_1_a_case_goes_from_the_console_through_consent_to_the_public_site(
    node: Platform,
) -> None:
    before = page_as(node, "/public/cases", None).text.count('class="entry"')
    asked = post_form(node, "/console/cases", "the.reviewer", CASE)
    assert asked.status_code == 303, asked.text
    case_id = _case_id(asked)
    assert page_as(node, "/public/cases", None).text.count('class="entry"') == before

    mine = page_as(node, "/me/cases", "alice")
    assert "待本人同意" in mine.text
    assert CASE["story_zh"] in mine.text
    assert f'action="/me/cases/{case_id}/consent"' in mine.text
    assert post_form(node, f"/me/cases/{case_id}/consent", "alice", {}).status_code == 303
    staff_view = page_as(node, f"/console/cases/{case_id}", "the.operator").text
    assert "本人已同意，待发布" in staff_view
    published = post_form(node, f"/console/cases/{case_id}/publish", "the.operator",
                          {"months": "6"})  # fmt: skip
    assert published.status_code == 303

    for lang, title, story in (("zh", "title_zh", "story_zh"), ("en", "title_en", "story_en")):
        listing = page_as(node, f"/public/cases?lang={lang}", None).text
        assert CASE[title] in listing
        assert "张*" in listing
        entry = page_as(node, f"/public/cases/{case_id}?lang={lang}", None).text
        assert CASE[story] in entry
        assert "张一" not in entry
        assert ALICE not in entry
    assert case_id not in page_as(node, "/public/cases?kind=warning", None).text

    assert post_form(node, f"/me/cases/{case_id}/withdraw", "alice", {}).status_code == 303
    assert page_as(node, f"/public/cases/{case_id}", None).status_code == 404
    assert case_id not in page_as(node, "/public/cases", None).text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "hero", "请选择所列类别之一"),
        ("id_number", "11010119850315001X", "请填写有效的18位居民身份证号码"),
        ("id_number", BOB[:-1] + "0" if BOB[-1] != "0" else BOB[:-1] + "1",
         "请填写有效的18位居民身份证号码"),
        ("region_code", "999999", "请填写存在的 6 位行政区划代码"),
        ("title_zh", "短", "标题应为4至100个字符"),
        ("story_zh", CASE["story_zh"] + "电话13812345678", "请删除身份证号码或电话号码"),
        ("story_en", "<script>alert(1)</script>\x07" + "x" * 30, "文字中不得含有控制字符"),
        ("story_zh", "张一" + CASE["story_zh"], "请勿写出本人全名"),
    ],
)  # fmt: skip
def test_r7_1_the_case_form_refuses_bad_input_at_the_field_and_writes_nothing(
    node: Platform, field: str, value: str, message: str
) -> None:
    before = _count(node)
    answer = post_form(node, "/console/cases", "the.reviewer", {**CASE, field: value})
    assert answer.status_code == 422
    assert f'id="error-{field}"' in answer.text
    assert message in answer.text
    assert "<script>" not in answer.text
    assert ALICE not in answer.text  # the number is never sent back
    assert _count(node) == before


def test_r7_1_an_unknown_person_an_oversized_body_and_a_missing_token_write_nothing(
    node: Platform,
) -> None:
    before = _count(node)
    unknown = post_form(node, "/console/cases", "the.reviewer",
                        {**CASE, "id_number": "110101199001011237"})  # fmt: skip
    assert unknown.status_code == 422
    assert "没有登记此身份证号码的自然人" in unknown.text
    huge = post_form(node, "/console/cases", "the.reviewer", {**CASE, "story_zh": "长" * 20_000})
    assert huge.status_code == 422
    forged = post_form(node, "/console/cases", "the.reviewer", CASE, csrf=False)
    assert forged.status_code == 403
    assert _count(node) == before


def test_r3_1_only_staff_write_cases_only_the_person_answers_and_the_auditor_reads(
    node: Platform,
) -> None:
    case_id = _case_id(post_form(node, "/console/cases", "the.reviewer", CASE))
    auditor = page_as(node, f"/console/cases/{case_id}", "the.auditor")
    assert auditor.status_code == 200
    assert "/publish" not in auditor.text
    assert "/retire" not in auditor.text
    assert "/console/cases/new" not in page_as(node, "/console/cases", "the.auditor").text
    assert post_form(node, "/console/cases", "the.auditor", CASE).status_code == 403
    assert page_as(node, "/console/cases", "alice").status_code == 403
    public = page_as(node, "/me/cases", None)
    assert unquote(public.headers["location"]) == "/login?next=/me/cases"
    assert post_form(node, f"/me/cases/{case_id}/consent", "bob", {}).status_code == 404
    assert "补缴税款后守信经营" not in page_as(node, "/me/cases", "bob").text


def test_r7_1_staff_publish_for_one_to_thirty_six_months_and_take_down_with_a_reason(
    node: Platform,
) -> None:
    case_id = _case_id(post_form(node, "/console/cases", "the.reviewer", CASE))
    post_form(node, f"/me/cases/{case_id}/consent", "alice", {})
    refused = post_form(node, f"/console/cases/{case_id}/publish", "the.reviewer",
                        {"months": "37"})  # fmt: skip
    assert refused.status_code == 422
    assert 'id="error-months"' in refused.text
    post_form(node, f"/console/cases/{case_id}/publish", "the.reviewer", {"months": "1"})
    no_reason = post_form(node, f"/console/cases/{case_id}/retire", "the.reviewer",
                          {"reason": "  "})  # fmt: skip
    assert no_reason.status_code == 422
    assert 'id="error-reason"' in no_reason.text
    assert page_as(node, f"/public/cases/{case_id}", None).status_code == 200
    post_form(node, f"/console/cases/{case_id}/retire", "the.reviewer",
              {"reason": "当事人所在单位提出更正"})  # fmt: skip
    assert page_as(node, f"/public/cases/{case_id}", None).status_code == 404
    assert "已撤下" in page_as(node, f"/console/cases/{case_id}", "the.reviewer").text
