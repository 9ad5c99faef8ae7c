"""The portal's consents page (R-3.4, R-5.3): a consent given with its requester, purpose, scope
and days, shown as given and withdrawn with a reason; bad and hostile input refused at each
field with nothing written; CSRF, the citizen and her own consents enforced."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from chengxin.access.ratelimit import RateLimiter
from chengxin.consents.models import Consent
from tests.platform import BOB, Platform, platform
from tests.web.sessions import page_as
from tests.web.test_portal import post_form


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """One node for the module, on SQLite only (the consent verbs are tested on both)."""
    with platform(tmp_path_factory.mktemp("consents"), "sqlite") as p:
        p.client.app.state.rate_limiter = RateLimiter(10_000)  # type: ignore[attr-defined]
        yield p


def _consents(node: Platform) -> int:
    with node.rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(Consent)) or 0


def _grant(node: Platform, **fields: Any) -> Any:
    form = {"requester": "BANK-B", "purpose": "employment", "levels": ["public"],
            "categories": ["bad"], "valid_from": "", "valid_until": "2027-05-31"} | fields  # fmt: skip
    return post_form(node, "/me/consents", "alice", form)


def test_r3_4_a_consent_is_given_as_chosen_and_withdrawn_with_a_reason(node: Platform) -> None:
    form = page_as(node, "/me/consents", "alice").text
    for needed in ('id="field-requester"', 'id="field-purpose"', 'id="field-levels"',
                   'id="field-valid_until"', 'value="BANK-B"', "确认授权"):  # fmt: skip
        assert needed in form
    assert 'value="DEPT-M"' not in form  # departments query on a legal basis
    assert 'value="administrative_duty"' not in form
    given = _grant(node)
    assert given.status_code == 303
    assert given.headers["location"] == "/me/consents?done=granted"
    (consent,) = [c for c in node.call("GET", "/api/v1/me/consents", "alice").json()
                  if c["requester"]["code"] == "BANK-B"]  # fmt: skip
    assert consent["scope"] == {"levels": ["public"], "categories": ["bad"]}
    assert consent["purpose"]["code"] == "employment"
    html = page_as(node, given.headers["location"], "alice").text
    assert "授权已生效" in html
    shown = html.partition(f'id="consent-{consent["id"]}"')[2].partition("</li>")[0]
    for needed in ("BANK-B 名称 (BANK-B)", "入职审查", "社会公开的记录", "失信（不良）信息",
                   "自2026年11月26日至2027年5月31日（含当日）", "有效"):  # fmt: skip
        assert needed in shown
    withdraw = f"/me/consents/{consent['id']}/withdraw"
    assert f'href="{withdraw}"' in shown
    assert 'id="field-reason"' in page_as(node, withdraw, "alice").text
    refused = post_form(node, withdraw, "alice", {"reason": "   "})
    assert refused.status_code == 422
    assert "请填写理由，1至500个字符" in refused.text
    done = post_form(node, withdraw, "alice", {"reason": "已不再求职"})
    assert done.status_code == 303
    html = page_as(node, done.headers["location"], "alice").text
    shown = html.partition(f'id="consent-{consent["id"]}"')[2].partition("</li>")[0]
    assert "已撤回" in shown
    assert "已不再求职" in shown
    assert f'href="{withdraw}"' not in shown
    en = page_as(node, "/me/consents?lang=en", "alice").text
    assert "employment screening" in en
    assert "from November 26, 2026 to May 31, 2027 (last day included)" in en


def test_r3_4_bad_and_hostile_input_is_refused_at_each_field_and_nothing_is_written(
    node: Platform,
) -> None:
    before = _consents(node)
    refused = _grant(node, requester="", purpose="administrative_duty", levels=[],
                     categories=["<script>"], valid_from="yesterday", valid_until="")  # fmt: skip
    assert refused.status_code == 422
    for name in ("requester", "purpose", "levels", "categories", "valid_from", "valid_until"):
        assert f'href="#field-{name}"' in refused.text, name
    assert "<script>" not in refused.text
    too_long = _grant(node, valid_until="2028-01-01")
    assert too_long.status_code == 422
    assert "授权期限最长一年" in too_long.text
    assert too_long.text.count('href="#field-') == 1
    backwards = _grant(node, valid_from="2027-02-01", valid_until="2027-01-31")
    assert "截止日不能早于起始日" in backwards.text
    government = _grant(node, requester="DEPT-M")
    assert government.status_code == 422
    assert "政府部门依法履职查询，无需授权" in government.text
    unknown = _grant(node, requester="<b>NOBODY</b>")
    assert unknown.status_code == 422
    assert "请从列出的查询机构中选择" in unknown.text
    assert "<b>NOBODY</b>" not in unknown.text
    assert _grant(node, purpose="x" * 500).status_code == 422  # past the raw limit: error page
    assert _consents(node) == before


def test_r3_1_consent_forms_need_the_token_the_citizen_and_her_own_consent(node: Platform) -> None:
    before = _consents(node)
    assert post_form(node, "/me/consents", "alice", {"requester": "BANK-A"},
                     csrf=False).status_code == 403  # fmt: skip
    assert post_form(node, "/me/consents", "bank.clerk", {"requester": "BANK-A"}).status_code == 403
    assert _consents(node) == before
    bobs = node.grant(node.subject(BOB))
    assert page_as(node, f"/me/consents/{bobs}/withdraw", "alice").status_code == 404
    assert post_form(node, f"/me/consents/{bobs}/withdraw", "alice",
                     {"reason": "不是我的"}).status_code == 404  # fmt: skip
    (bob,) = [c for c in node.call("GET", "/api/v1/consents", "the.reviewer").json()
              if c["id"] == bobs]  # fmt: skip
    assert bob["status"] == "active"
