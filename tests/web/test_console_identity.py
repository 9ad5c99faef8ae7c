"""The console's identity review queue (R-1.2): a known ID number that arrived with another name
waits for a reviewer, shown with masked names only (R-1.4); the reviewer decides on the case's
page, and the row the case held is applied or refused. Bad, hostile or forged posts change
nothing."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from urllib.parse import unquote

import pytest

from chengxin.access.ratelimit import RateLimiter
from chengxin.identity import service as identity
from tests.collection.conftest import penalty_row
from tests.platform import ALICE, BOB, Platform, platform
from tests.web.sessions import page_as, post_form

CASE_LINK = re.compile(r'href="(/console/identity/[0-9a-f-]{36})"')


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """SQLite only (the verbs are tested on both databases): two cases, each holding a batch row
    that sent alice's and bob's numbers with other names."""
    with platform(tmp_path_factory.mktemp("console-identity"), "sqlite") as p:
        p.client.app.state.rate_limiter = RateLimiter(1000)  # type: ignore[attr-defined]
        p.ingest([penalty_row(41, number=ALICE, name="张一丰"),
                  penalty_row(42, number=BOB, name="李二")], "PENALTY-TAX", "renamed.csv")  # fmt: skip
        yield p


def _cases(node: Platform) -> list[str]:
    return CASE_LINK.findall(page_as(node, "/console/identity", "the.reviewer").text)


def _state(node: Platform, path: str) -> str:
    with node.rt.sessions() as session:
        review_id = uuid.UUID(path.rsplit("/", 1)[1])
        return identity.get_review(session, node.rt.keys, review_id).state.value


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_r3_1_the_queue_serves_reviewers_only(node: Platform, lang: str) -> None:
    (case, *_) = _cases(node)
    for path in ("/console/identity", case):
        answer = page_as(node, path, "the.reviewer", params={"lang": lang})
        assert answer.status_code == 200, answer.text
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in answer.text
        for user in ("the.operator", "the.auditor", "alice", "dept.clerk"):
            refused = page_as(node, path, user, params={"lang": lang})
            assert refused.status_code == 403, f"{path} as {user}"
        public = page_as(node, path, None)
        assert unquote(public.headers["location"]) == f"/login?next={path}"


def test_r1_4_the_queue_shows_masked_names_the_reason_and_the_age(node: Platform) -> None:
    html = page_as(node, "/console/identity?lang=en", "the.reviewer").text
    assert len(CASE_LINK.findall(html)) == 2
    assert "The name differs from the one on file" in html
    assert "holds row 2 of a batch (PENALTY-TAX)" in html
    assert "<td>张*</td><td>张**</td><td>source:TAX-BJ</td>" in html  # on file, sent, by whom
    for secret in (ALICE, BOB, "张一丰", "张一<", "李二", "张二"):
        assert secret not in html
    case = page_as(node, f"{CASE_LINK.findall(html)[0]}?lang=en", "the.reviewer").text
    assert 'name="decision" value="name_changed"' in case
    assert ALICE not in case
    assert "张一丰" not in case


def test_r1_2_a_decision_needs_a_choice_and_reasons_and_a_token(node: Platform) -> None:
    (case, *_) = _cases(node)
    empty = post_form(node, f"{case}?lang=en", "the.reviewer", {"decision": "", "reason": " "})
    assert empty.status_code == 422
    assert 'id="error-decision"' in empty.text
    assert 'id="error-reason"' in empty.text
    assert 'aria-invalid="true"' in empty.text
    assert 'href="#field-decision"' in empty.text
    hostile = post_form(node, case, "the.reviewer",
                        {"decision": "pending", "reason": "<script>x</script>" * 200})  # fmt: skip
    assert hostile.status_code == 422
    assert "<script>x" not in hostile.text
    oversized = post_form(
        node, case, "the.reviewer", {"decision": "rejected", "reason": "x" * 5000}
    )
    assert oversized.status_code == 422
    forged = post_form(node, case, "the.reviewer", {"decision": "rejected", "reason": "wrong"},
                       csrf=False)  # fmt: skip
    assert forged.status_code == 403
    operator = post_form(node, case, "the.operator", {"decision": "rejected", "reason": "wrong"})
    assert operator.status_code == 403
    assert _state(node, case) == "pending"


def test_r1_2_the_reviewer_decides_and_the_held_row_is_settled(node: Platform) -> None:
    cases = _cases(node)
    renamed = next(c for c in cases if "张**" in page_as(node, c, "the.reviewer").text)
    done = post_form(node, renamed, "the.reviewer",
                     {"decision": "name_changed", "reason": "户籍证明：2026年改名"})  # fmt: skip
    assert (done.status_code, done.headers["location"]) == (303, renamed)
    html = page_as(node, f"{renamed}?lang=en", "the.reviewer").text
    assert "Decided: the name changed" in html
    assert "account:the.reviewer" in html
    assert 'name="decision"' not in html  # no form once decided
    with node.rt.sessions() as session:
        assert identity.reveal_person(session, node.rt.keys, node.subject(ALICE)).name == "张一丰"
    again = post_form(node, f"{renamed}?lang=en", "the.reviewer",
                      {"decision": "rejected", "reason": "再次"})  # fmt: skip
    assert again.status_code == 409
    assert "The case has moved on" in again.text
    batch = re.search(r'href="(/console/batches/[0-9a-f-]{36})"', html)
    assert batch is not None
    receipt = page_as(node, f"{batch.group(1)}?lang=en", "the.reviewer").text
    assert "<dt>New records</dt><dd>1</dd>" in receipt  # the held row was applied
    assert _cases(node) == [c for c in cases if c != renamed]  # pending cases only
