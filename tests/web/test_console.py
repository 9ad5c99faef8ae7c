"""The operator console's dashboard (R-7.3): charts with their tables of records by domain and
unit over time, arrival delay, refused rows, objections and repairs, lists and measures, and the
figures by region — in a period and region the reader picks, for reviewers, operators and auditors
in both languages; refused to everyone else. On SQLite only (the time budget): the two dialect
functions of web/console_series.py are the figures' only SQL that differs on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest

from chengxin.access.permissions import ROLE_PERMISSIONS, Permission, Role
from chengxin.access.ratelimit import RateLimiter
from chengxin.catalog.vocab import SourceKind
from chengxin.collection import service as collection
from chengxin.collection import sources
from chengxin.collection.readers import Limits
from chengxin.web.console_period import Grain, buckets, grain_of, parse
from tests.collection.conftest import PENALTY_HEADERS, penalty_row, write_csv
from tests.conftest import NOW
from tests.measures.world import DAN, check, list_subject, register
from tests.platform import ALICE, Platform, platform
from tests.web.sessions import page_as

STAFF = ("the.reviewer", "the.operator", "the.auditor")
# In the last 90 days, not in the last 30; 01:00 in Beijing, still the day before in UTC.
OLD = NOW - dt.timedelta(days=60, hours=9)
OLD_DAY = (NOW - dt.timedelta(days=60)).date()


def _shanghai_batch(node: Platform) -> None:
    with node.rt.sessions() as session, session.begin():
        source = sources.add_source(session, node.clock(), code="TAX-SH", name="上海市税务局",
                                    region_code="310101", kind=SourceKind.GOVERNMENT_DEPARTMENT,
                                    actor="test")  # fmt: skip
        sources.grant_item(
            session, node.rt.catalog, node.clock(), source, "PENALTY-TAX", actor="test"
        )
    path = write_csv(node.tmp / "sh.csv", PENALTY_HEADERS, [penalty_row(7, record="SH-1")])
    collection.ingest_file(node.rt.sessions, node.rt.keys, node.rt.catalog, node.clock, path=path,
                           source_code="TAX-SH", item_code="PENALTY-TAX", actor="test",
                           limits=Limits())  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A node (SQLite: the pages are alike on both databases) with records of two regions, one
    from 60 days ago, a batch with a refused row, an objection, a listing and a check."""
    with platform(tmp_path_factory.mktemp("console"), "sqlite") as node:
        node.clock.now = OLD
        node.ingest([penalty_row(5, record="OLD-1")], "PENALTY-TAX", "old.csv")
        node.clock.now = NOW
        node.ingest([penalty_row(6, record="R6"), penalty_row(8, number="110105198001019999")],
                    "PENALTY-TAX", "refused.csv")  # fmt: skip
        _shanghai_batch(node)
        (record, *_) = node.call("GET", "/api/v1/me/records", "alice").json()["records"]
        filed = node.call("POST", "/api/v1/me/objections", "alice",
                          data={"record_id": record["record_id"], "reason": "罚款金额与决定书不符"})  # fmt: skip
        assert filed.status_code == 201, filed.text
        list_subject(node, register(node, DAN, "丁八"), "DISHONEST-JUDGMENT-DEBTOR")
        answer = check(node, DAN, "air_rail_travel").json()
        first = answer["measures"][0]["code"]
        given = node.call("POST", f"/api/v1/checks/{answer['check_id']}/feedback", "DEPT-M",
                          json={"measures": [{"code": first, "outcome": "applied"}]})  # fmt: skip
        assert given.status_code == 200, given.text
        node.measure = first  # type: ignore[attr-defined]
        yield node


@pytest.fixture
def node(world: Platform) -> Platform:
    world.client.app.state.rate_limiter = RateLimiter(1000)  # type: ignore[attr-defined]
    return world


def dashboard(node: Platform, lang: str = "en", **params: str) -> str:
    answer = page_as(node, "/console", "the.operator", params={"lang": lang, **params})
    assert answer.status_code == 200, answer.text
    return str(answer.text)


def chart_table(html: str, ident: str) -> dict[str, dict[str, str]]:
    """The table paired with chart `ident`: row heading → column heading → cell."""
    found = re.search(rf'<figure class="chart" id="chart-{ident}">(.*?)</figure>', html, re.S)
    assert found is not None, f"no chart {ident}"
    block = found.group(1)
    assert 'role="img"' in block
    assert f'aria-labelledby="{ident}-t {ident}-d"' in block
    headings = re.findall(r'<th scope="col">(.*?)</th>', block)[1:]
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', block)
    return {name: dict(zip(headings, re.findall(r'<td class="n">(.*?)</td>', cells), strict=True))
            for name, cells in rows}  # fmt: skip


def total(table: dict[str, dict[str, str]], column: str) -> int:
    return sum(int(row[column]) for row in table.values())


def test_r3_1_the_console_permission_is_the_staff_roles_only() -> None:
    holders = {r for r in Role if Permission.CONSOLE_READ in ROLE_PERMISSIONS[r]}
    assert holders == {Role.REVIEWER, Role.OPERATOR, Role.AUDITOR}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_r7_3_the_dashboard_serves_staff_and_refuses_others(node: Platform, lang: str) -> None:
    for user in STAFF:
        answer = page_as(node, "/console", user, params={"lang": lang})
        assert answer.status_code == 200, answer.text
        assert '<a href="/console" aria-current="page">' in answer.text
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in answer.text
        title = "按领域统计的接收信用记录" if lang == "zh" else "Records received by domain"
        assert f"<figcaption>{title}</figcaption>" in answer.text
    for user in ("alice", "bank.clerk", "dept.clerk"):
        refused = page_as(node, "/console", user, params={"lang": lang})
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
    public = page_as(node, "/console", None)
    assert public.status_code == 303
    assert unquote(public.headers["location"]) == "/login?next=/console"


def test_r7_3_the_charts_render_with_the_figures(node: Platform) -> None:
    html = dashboard(node, period="30d")
    assert html.count('<svg class="chart-svg" role="img"') == 10
    units = chart_table(html, "records-unit")
    assert (total(chart_table(html, "records-domain"), "Tax payment"),
            total(chart_table(html, "records-domain"), "Traffic safety")) == (4, 1)  # fmt: skip
    assert (total(units, "TAX-BJ"), total(units, "TAX-SH")) == (4, 1)
    assert chart_table(html, "refusals-unit") == {"TAX-BJ": {"Refusal rate": "20.0%"},
                                                  "TAX-SH": {"Refusal rate": "0.0%"}}  # fmt: skip
    assert chart_table(html, "arrival-delay")["91 days to a year"] == {"Records": "5"}
    assert total(chart_table(html, "cases-filed"), "Objections") == 1
    assert chart_table(html, "lists-type") == {
        "Dishonest judgment debtors (fixed term)": {"Listings in effect": "1"}
    }
    assert chart_table(html, "measures-applied")[node.measure]["Applied"] == "1"  # type: ignore[attr-defined]
    assert '<td class="n">200</td>' in html  # median days from decision (2026-05-10) to arrival
    assert ALICE not in html
    assert "张一" not in html


def test_r7_3_the_period_changes_the_figures_and_their_buckets(node: Platform) -> None:
    month = dashboard(node, period="30d")
    quarter = dashboard(node, period="90d")
    assert total(chart_table(month, "records-unit"), "TAX-BJ") == 4
    assert total(chart_table(quarter, "records-unit"), "TAX-BJ") == 5  # the one of 60 days ago
    assert '<th scope="col">Day</th>' in month
    assert '<th scope="col">Week from</th>' in quarter
    assert OLD.date() != OLD_DAY
    old = OLD_DAY.isoformat()  # counted on its Beijing date
    that_day = dashboard(node, **{"from": old, "to": old})
    assert chart_table(that_day, "records-unit") == {old: {"TAX-BJ": "1"}}
    assert '<th scope="col">Month</th>' in dashboard(node, period="12m")
    assert '<th scope="col">Week from</th>' in dashboard(node, period="all")  # from 60 days ago


def test_r7_3_the_region_breakdown_and_focusing_on_one_region(node: Platform) -> None:
    html = dashboard(node, period="90d")
    assert 'href="/console?period=90d&amp;region=11">11</a>' in html
    assert 'href="/console?period=90d&amp;region=31">31</a>' in html
    assert chart_table(html, "records-region") == {"11": {"Records": "5"}, "31": {"Records": "1"}}
    shanghai = dashboard(node, period="90d", region="310000")  # the same as 31
    assert set(chart_table(shanghai, "records-unit")["2026-11-23"]) == {"TAX-SH"}
    assert chart_table(shanghai, "records-region") == {"3101": {"Records": "1"}}
    assert "Region 31 only." in shanghai
    assert chart_table(shanghai, "lists-type") == {}  # the listing's unit is in Beijing
    beijing = dashboard(node, period="90d", region="110105")
    assert set(chart_table(beijing, "records-unit")["2026-11-23"]) == {"TAX-BJ"}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"period": "5y"}, "period"), ({"from": "2026-13-01"}, "from"), ({"to": "26-11-2026"}, "to"),
     ({"from": "2026-11-20", "to": "2026-11-01"}, "to"), ({"from": "1999-12-31"}, "from"),
     ({"to": "2027-01-01"}, "to"), ({"region": "abc"}, "region"), ({"region": "1101051"}, "region")],
)  # fmt: skip
def test_r7_3_a_filter_it_cannot_use_is_refused_at_its_field(
    node: Platform, params: dict[str, str], field: str
) -> None:
    for lang, heading in (("en", "Please correct the filters"), ("zh", "请更正筛选条件")):
        answer = page_as(node, "/console", "the.operator", params={"lang": lang, **params})
        assert answer.status_code == 422
        assert heading in answer.text
        assert f'<a href="#field-{field}">' in answer.text
        assert f'id="error-{field}"' in answer.text
        assert re.search(rf'id="field-{field}"[^>]*aria-invalid="true"', answer.text)
        assert "<svg" not in answer.text  # no figures for filters it could not read


def test_r7_3_periods_end_today_in_beijing_and_are_bucketed_by_their_length() -> None:
    today = dt.date(2026, 11, 26)
    scope, errors = parse(period="12m", start="", end="", region="110000", today=today)
    assert errors == {}
    assert (scope.start, scope.end, scope.region) == (dt.date(2025, 12, 1), today, "11")
    assert grain_of(scope.start, today) is Grain.MONTH  # type: ignore[arg-type]
    assert len(buckets(scope.start, today, Grain.MONTH)) == 12  # type: ignore[arg-type]
    since, _ = parse(period="", start="2026-11-01", end="", region="", today=today)
    assert (since.start, since.end, since.period) == (dt.date(2026, 11, 1), today, "custom")
    assert grain_of(since.start, today) is Grain.DAY  # type: ignore[arg-type]
    assert buckets(dt.date(2026, 8, 29), today, Grain.WEEK)[:2] == [
        dt.date(2026, 8, 24), dt.date(2026, 8, 31)]  # Mondays  # fmt: skip
    assert grain_of(dt.date(2020, 1, 1), today) is Grain.YEAR


def test_r7_3_an_oversized_filter_is_refused_before_it_is_read(node: Platform) -> None:
    answer = page_as(node, "/console", "the.operator", params={"region": "1" * 500})
    assert answer.status_code == 422
    assert "<code>region</code>" in answer.text
