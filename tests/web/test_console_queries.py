"""The query register review (R-3.2, R-3.1): every registered query with its requester, purpose,
channel, outcome, flags and ledger entry, filtered by flag, requester, outcome and dates in the
address (never personal data); bad filters refused at their field; staff only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest

from chengxin.access.ratelimit import RateLimiter
from chengxin.queries import register
from tests.platform import ALICE, BOB, Platform, platform
from tests.web.sessions import page_as

STAFF = ("the.reviewer", "the.operator", "the.auditor")


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """One SQLite node (read-only tests): a consented bank query, a bank query without consent
    (refused and flagged), a department's query and a citizen's self-query."""
    with platform(tmp_path_factory.mktemp("console-queries"), "sqlite") as p:
        consent = p.grant(p.subject(ALICE))
        asks = [("BANK-A", {"id_number": ALICE, "purpose": "loan_approval", "consent_id": consent}),
                ("BANK-A", {"id_number": BOB, "purpose": "loan_approval"}),
                ("DEPT-M", {"id_number": BOB, "purpose": "administrative_duty",
                            "legal_basis": "《行政许可法》第三十一条"})]  # fmt: skip
        answers = [p.call("POST", "/api/v1/queries", who, json=body) for who, body in asks]
        assert [a.status_code for a in answers] == [200, 403, 200]
        assert p.call("GET", "/api/v1/me/records", "alice").status_code == 200
        yield p


@pytest.fixture(autouse=True)
def _roomy_rate_limit(node: Platform) -> None:
    node.client.app.state.rate_limiter = RateLimiter(1000)  # type: ignore[attr-defined]


def _rows(node: Platform, **filters: Any) -> list[Any]:
    with node.rt.sessions() as session:
        return [row for row, _code in register.list_register(session, **filters)]


def _entries(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/api/v1/ledger/entries/(\d+)"', html)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_r3_2_the_register_serves_staff_with_every_query(node: Platform, lang: str) -> None:
    everything = _rows(node)
    assert len(everything) == 4
    for user in STAFF:
        answer = page_as(node, "/console/queries", user, params={"lang": lang})
        assert answer.status_code == 200, answer.text
        assert '<a href="/console/queries" aria-current="page">' in answer.text
        assert _entries(answer.text) == [row.ledger_index for row in everything]
        for secret in (ALICE, BOB, "张一", "张二"):
            assert secret not in answer.text
    html = page_as(node, "/console/queries", "the.auditor", params={"lang": lang}).text
    assert "BANK-A" in html
    assert ("无授权" if lang == "zh" else "No consent") in html
    assert ("贷款审批" if lang == "zh" else "loan approval") in html
    for user in ("alice", "bank.clerk", "dept.clerk"):
        refused = page_as(node, "/console/queries", user)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
    public = page_as(node, "/console/queries?flagged=1", None)
    assert unquote(public.headers["location"]) == "/login?next=/console/queries"


def test_r3_2_filters_by_flag_requester_outcome_and_date(node: Platform) -> None:
    flagged = page_as(node, "/console/queries?flagged=1", "the.reviewer").text
    assert _entries(flagged) == [r.ledger_index for r in _rows(node, flagged=True)]
    assert 0 < len(_entries(flagged)) < len(_rows(node))  # the bank's query without consent
    bank = page_as(node, "/console/queries?requester=bank-a&outcome=answered", "the.reviewer")
    assert _entries(bank.text) == [
        r.ledger_index for r in _rows(node, requester_code="BANK-A", outcome="answered")
    ]
    assert len(_entries(bank.text)) == 1
    today = page_as(node, "/console/queries?since=2026-11-26&until=2026-11-26", "the.reviewer")
    assert len(_entries(today.text)) == 4  # Beijing dates: the queries ran at 10:00 on 11-26
    later = page_as(node, "/console/queries?since=2026-11-27", "the.reviewer")
    assert _entries(later.text) == []
    assert 'rel="next"' not in later.text


@pytest.mark.parametrize(
    ("query", "fields"),
    [("requester=<b>x</b>", ["requester"]), ("outcome=maybe", ["outcome"]),
     ("since=2026-02-30&until=26-11-01", ["since", "until"]),
     ("since=2026-11-26&until=2026-11-25", ["until"]), ("page=0", ["page"])],
)  # fmt: skip
def test_r3_2_bad_filters_are_refused_at_their_field(
    node: Platform, query: str, fields: list[str]
) -> None:
    answer = page_as(node, f"/console/queries?{query}&lang=en", "the.operator")
    assert answer.status_code == 422
    for field in fields:
        assert f'href="#field-{field}"' in answer.text
    assert _entries(answer.text) == []
    assert "<b>x</b>" not in answer.text
    oversized = page_as(node, "/console/queries?requester=" + "A" * 500, "the.operator")
    assert oversized.status_code == 422
