"""The console's batches (R-2.2, R-2.7): batches newest first with their counts, and a batch's
receipt with its refused rows — the field and rule of each — for the staff who read data quality,
with no ID number shown, not even the region or birth date a refusal repeats."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest

from chengxin.access.ratelimit import RateLimiter
from chengxin.web.console_batches import safe_message
from tests.collection.conftest import penalty_row, person
from tests.platform import ALICE, Platform, platform
from tests.web.sessions import page_as

BAD_BIRTH = "110105198513450011"  # 1985-13-45: the refusal repeats the birth date's digits
BAD_REGION = "999999198501010011"
GOOD = person(31, "19880808")


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """Read-only pages on SQLite (the services are tested on both databases): a third batch with
    two refused rows and one accepted."""
    with platform(tmp_path_factory.mktemp("console-batches"), "sqlite") as p:
        p.client.app.state.rate_limiter = RateLimiter(1000)  # type: ignore[attr-defined]
        p.clock.now = p.clock.now.replace(hour=5)  # the newest batch
        p.ingest([penalty_row(31, number=BAD_BIRTH), penalty_row(32, number=BAD_REGION),
                  penalty_row(33, number=GOOD, name="李四")], "PENALTY-TAX", "mixed.csv")  # fmt: skip
        yield p


def _batch_links(html: str) -> list[str]:
    return re.findall(r'href="(/console/batches/[0-9a-f-]{36})"', html)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_r3_1_batches_serve_the_staff_who_read_quality_and_refuse_others(
    node: Platform, lang: str
) -> None:
    (newest, *_) = _batch_links(page_as(node, "/console/batches", "the.operator").text)
    for path in ("/console/batches", newest):
        for user in ("the.reviewer", "the.operator"):
            answer = page_as(node, path, user, params={"lang": lang})
            assert answer.status_code == 200, answer.text
            assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in answer.text
            assert '<a href="/console/batches" aria-current="page">' in answer.text
        for user in ("the.auditor", "alice", "bank.clerk"):  # auditors lack admin:quality:read
            refused = page_as(node, path, user, params={"lang": lang})
            assert refused.status_code == 403
            assert refused.headers["content-type"].startswith("text/html")
        public = page_as(node, path, None)
        assert unquote(public.headers["location"]) == f"/login?next={path}"


def test_r2_2_batches_are_listed_newest_first_with_their_counts(node: Platform) -> None:
    html = page_as(node, "/console/batches?lang=en", "the.operator").text
    rows = re.findall(r"<tr>\s*<td><a href=\"/console/batches/[^\"]+\">([^<]+)</a></td>(.*?)</tr>",
                      html, re.S)  # fmt: skip
    assert [when for when, _ in rows] == ["2026-11-26 13:00", "2026-11-26 10:00",
                                          "2026-11-26 10:00"]  # fmt: skip
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[0][1])
    assert cells == ["TAX-BJ", "mixed.csv", "3", "1", "0", "<strong>2</strong>"]
    assert "3 in all" in html
    only = page_as(node, "/console/batches?source=TAX-BJ", "the.operator").text
    assert len(_batch_links(only)) == 3


def test_r2_2_the_receipt_names_the_field_and_rule_of_each_refusal_without_an_id_number(
    node: Platform,
) -> None:
    (newest, *_) = _batch_links(page_as(node, "/console/batches", "the.reviewer").text)
    html = page_as(node, f"{newest}?lang=en", "the.reviewer").text
    refused = re.findall(r'<tr><td class="n">(\d+)</td><td><code>([^<]*)</code></td>'
                         r"<td><code>([^<]*)</code></td><td>([^<]*)</td></tr>", html)  # fmt: skip
    assert [(row, field, rule) for row, field, rule, _ in refused] == [
        ("2", "id_number", "GB 11643 birth date"),
        ("3", "id_number", "GB 11643 region code"),
    ]
    assert "******** is not a calendar date" in refused[0][3]
    for secret in (BAD_BIRTH, BAD_REGION, GOOD, ALICE, "19851345", "999999", "李四"):
        assert secret not in html
    assert "mixed.csv" in html


def test_a_filter_or_page_that_does_not_exist_is_refused(node: Platform) -> None:
    unknown = page_as(node, "/console/batches?source=NOPE&lang=en", "the.operator")
    assert unknown.status_code == 422
    assert 'id="error-source"' in unknown.text
    assert "Choose one of the sources listed" in unknown.text
    assert page_as(node, "/console/batches?page=2", "the.operator").status_code == 404
    assert page_as(node, "/console/batches?page=0", "the.operator").status_code == 422
    long = page_as(node, "/console/batches?source=" + "X" * 40, "the.operator")
    assert long.status_code == 422
    missing = page_as(node, "/console/batches/00000000-0000-4000-8000-000000000000",
                      "the.operator")  # fmt: skip
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")


def test_r1_4_messages_lose_every_piece_of_an_id_number() -> None:
    assert safe_message("id_number", "birth_date: 19851345 is not a calendar date") == (
        "birth_date: ******** is not a calendar date")  # fmt: skip
    assert safe_message("id_number", "region: 999999 is not an administrative division code") == (
        "region: ****** is not an administrative division code")  # fmt: skip
    assert safe_message("name", f"see {ALICE} here") == f"see {'*' * 18} here"
    assert safe_message("fine", "must be at most 1000000") == "must be at most 1000000"
