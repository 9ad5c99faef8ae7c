"""Timeliness and accuracy per source (R-2.7): the pure rules, the report on SQLite and
PostgreSQL, `GET /api/v1/quality` and `chengxin quality report`."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chengxin import migrate
from chengxin.app import create_app
from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import UpdateFrequency
from chengxin.collection import quality_cli, sources
from chengxin.collection.quality import ItemQuality, QualityReport, SourceQuality, quality_report
from chengxin.collection.quality_api import router
from chengxin.collection.quality_cli import quality_app
from chengxin.collection.quality_rules import (
    DelayStats,
    days_overdue,
    delay_stats,
    expected_since,
    percentile,
    refusal_rate,
)
from chengxin.errors import NotFound
from chengxin.keys import create_key_file
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from tests.collection.conftest import PENALTY_HEADERS, Node, penalty_row, write_csv
from tests.conftest import NOW

MakeFile = Callable[..., Path]
UTC = dt.UTC
# Node grants every item at NOW (2026-11-26 10:00 in China). Batches arrive after it:
T1 = dt.datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 2026-11-27 10:00 in China
T2 = dt.datetime(2026, 11, 28, 17, 30, tzinfo=UTC)  # 2026-11-29 01:30 in China (UTC: the 28th)
T3 = dt.datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 2026-11-30 11:00 in China
REPORT_AT = dt.datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 2026-12-01 10:00 in China


# ---- pure rules -------------------------------------------------------------------------------


def test_r2_7_percentiles_interpolate_like_percentile_cont() -> None:
    values = [1, 1, 2, 7, 10, 3, 3, 30, 0]
    histogram = Counter(values)
    ordered = sorted(values)
    assert percentile(histogram, 0.5) == statistics.median(values)
    assert percentile(histogram, 0.9) == pytest.approx(
        statistics.quantiles(ordered, n=10, method="inclusive")[8]
    )
    assert (percentile(histogram, 0), percentile(histogram, 1)) == (0, 30)
    assert percentile({5: 1}, 0.9) == 5
    with pytest.raises(ValueError, match="no values"):
        percentile({4: 0}, 0.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile(histogram, 1.5)


def test_r2_7_delay_stats_from_a_histogram() -> None:
    # Delays 1, 1, 2, 7, 10: mean 4.2, median 2, p90 at position 3.6 → 7 + 0.6 × 3.
    assert delay_stats({7: 1, 2: 1, 10: 1, 1: 2, 99: 0}) == DelayStats(5, 4.2, 2.0, 8.8)
    assert delay_stats({1: 1, 2: 2}) == DelayStats(3, 1.67, 2.0, 2.0)
    assert delay_stats({}) is None
    assert delay_stats({3: 0}) is None


def test_r2_7_refusal_rate() -> None:
    assert refusal_rate(4, 10) == 0.4
    assert refusal_rate(1, 3) == 0.3333
    assert refusal_rate(0, 5) == 0
    assert refusal_rate(0, 0) is None


@pytest.mark.parametrize(
    ("frequency", "days_ago", "late"),
    [
        (UpdateFrequency.DAILY, 0, 0), (UpdateFrequency.DAILY, 1, 0), (UpdateFrequency.DAILY, 2, 1),
        (UpdateFrequency.WEEKLY, 7, 0), (UpdateFrequency.WEEKLY, 10, 3),
        (UpdateFrequency.MONTHLY, 31, 0), (UpdateFrequency.MONTHLY, 32, 1),
        (UpdateFrequency.QUARTERLY, 92, 0), (UpdateFrequency.QUARTERLY, 100, 8),
        (UpdateFrequency.YEARLY, 366, 0), (UpdateFrequency.YEARLY, 400, 34),
        (UpdateFrequency.ON_EVENT, 1000, None),
    ],
)  # fmt: skip
def test_r2_7_an_item_is_overdue_past_its_update_frequency(
    frequency: UpdateFrequency, days_ago: int, late: int | None
) -> None:
    today = dt.date(2026, 12, 1)
    assert days_overdue(frequency, today - dt.timedelta(days=days_ago), today) == late


def test_r2_7_the_count_starts_at_the_last_delivery_never_before_the_grant() -> None:
    granted, a, b = (dt.datetime(2026, 1, d, tzinfo=UTC) for d in (5, 10, 20))
    assert expected_since(b, a, granted) == b  # the item's own last delivery
    assert expected_since(None, a, granted) == a  # else the source's last batch
    assert expected_since(None, None, granted) == granted  # else the grant
    late_grant = dt.datetime(2026, 1, 25, tzinfo=UTC)
    assert expected_since(b, a, late_grant) == late_grant  # a new grant starts afresh


# ---- the report on both databases ----------------------------------------------------------


def by_code(report: QualityReport) -> dict[str, SourceQuality]:
    return {s.code: s for s in report.sources}


def items_of(source: SourceQuality) -> dict[str, ItemQuality]:
    return {i.item_code: i for i in source.items}


def send_tax_batches(node: Node, tmp_path: Path, *, general: bool = True) -> None:
    """Three TAX-BJ batches: new penalties with refusals, a correction, an empty daily file."""
    first = [
        penalty_row(1, decided="2026-11-20"),  # 7 days before T1 (China date)
        penalty_row(2, decided="2026-11-25"),  # 2
        penalty_row(3, decided="2026-11-17"),  # 10
        penalty_row(4, decided="2026-11-26"),  # 1
        penalty_row(5, number="110105198001011230"),  # refused: bad check character
        penalty_row(6, number="110105198001011231"),  # refused: bad check character
        penalty_row(7, decided="2026-12-31"),  # refused: a decision in the future
    ]
    receipt = node.ingest(write_csv(tmp_path / "t1.csv", PENALTY_HEADERS, first), now=T1)
    assert (receipt.accepted, receipt.refused) == (4, 3)
    second = [
        [*penalty_row(1, decided="2026-11-20", fine="8000"), "更正"],  # corrects R1
        [*penalty_row(8, decided="2026-11-28"), "新增"],  # 1 day: T2 is the 29th in China
        [*penalty_row(9)[:3], "", *penalty_row(9)[4:], "新增"],  # refused: no decision number
    ]
    receipt = node.ingest(
        write_csv(tmp_path / "t2.csv", [*PENALTY_HEADERS, "操作"], second), now=T2
    )
    assert (receipt.accepted, receipt.corrected, receipt.refused) == (1, 1, 1)
    if general:  # nothing to report today: an empty file for the item is still a delivery
        empty = write_csv(tmp_path / "t3.csv", PENALTY_HEADERS, [])
        assert node.ingest(empty, item="PENALTY-GENERAL", now=T3).rows_total == 0


def test_r2_7_delays_refusals_corrections_and_overdue_items(
    node: Node, tmp_path: Path, catalog: Catalog
) -> None:
    send_tax_batches(node, tmp_path)
    with node.sessions() as session:
        report = quality_report(session, catalog, REPORT_AT)
    assert report.generated_at == REPORT_AT
    assert list(by_code(report)) == ["COURT-BJ", "EDU-BJ", "LAWYERS", "TAX-BJ"]
    tax = by_code(report)["TAX-BJ"]
    assert (tax.batches, tax.last_batch_at, tax.rows_total, tax.accepted, tax.corrected,
            tax.refused) == (3, T3, 10, 5, 1, 4)  # fmt: skip
    assert tax.refusal_rate == 0.4
    assert [(r.rule, r.refused) for r in tax.refused_by_rule] == [
        ("GB 11643 check character", 2), ("future-date", 1), ("required", 1)]  # fmt: skip
    items = items_of(tax)
    assert list(items) == ["PENALTY-GENERAL", "PENALTY-TAX"]
    penalty = items["PENALTY-TAX"]
    assert (penalty.records_received, penalty.corrections, penalty.revocations) == (5, 1, 0)
    # Delays 7, 2, 10, 1 and 1 (not 0: arrival is dated in China time).
    assert penalty.delay_days == DelayStats(5, 4.2, 2.0, 8.8)
    assert penalty.last_received_at == T2
    assert (penalty.update_frequency, penalty.expected_every_days) == (UpdateFrequency.DAILY, 1)
    assert (penalty.granted, penalty.days_overdue, penalty.overdue) == (True, 1, True)
    general = items["PENALTY-GENERAL"]
    assert (general.records_received, general.delay_days, general.last_received_at) == (0, None, T3)
    assert (general.days_overdue, general.overdue) == (0, False)
    court = by_code(report)["COURT-BJ"]  # granted on 11-26, never sent anything: daily item
    assert (court.batches, court.last_batch_at, court.refusal_rate) == (0, None, None)
    (debtors,) = court.items
    assert (debtors.item_code, debtors.days_overdue, debtors.overdue) == (
        "JUDICIAL-DISHONEST-DEBTOR", 4, True)  # fmt: skip
    (cheating,) = by_code(report)["EDU-BJ"].items  # sent when it happens: never overdue
    assert (cheating.update_frequency, cheating.expected_every_days) == (
        UpdateFrequency.ON_EVENT, None)  # fmt: skip
    assert (cheating.days_overdue, cheating.overdue) == (None, False)
    (lawyers,) = by_code(report)["LAWYERS"].items  # monthly, granted five days ago
    assert (lawyers.expected_every_days, lawyers.days_overdue) == (31, 0)


def test_r2_7_an_item_never_sent_is_counted_from_the_source_last_batch(
    node: Node, tmp_path: Path, catalog: Catalog
) -> None:
    send_tax_batches(node, tmp_path, general=False)
    with node.sessions() as session:
        source = sources.source_by_code(session, "TAX-BJ")
        report = quality_report(session, catalog, REPORT_AT, source.id)
    (tax,) = report.sources
    general = items_of(tax)["PENALTY-GENERAL"]
    # The source's last batch arrived on 11-29 in China: one day late on 12-01, not four
    # (as counting from the grant on 11-26 would say).
    assert (general.last_received_at, general.days_overdue) == (None, 1)


def test_r2_7_revocations_and_items_no_longer_granted(
    node: Node, tmp_path: Path, catalog: Catalog
) -> None:
    send_tax_batches(node, tmp_path)
    revoke = [[*penalty_row(2, decided="2026-11-25"), "撤销"]]
    node.ingest(write_csv(tmp_path / "r.csv", [*PENALTY_HEADERS, "操作"], revoke), now=T3)
    with node.sessions() as session, session.begin():
        source = sources.source_by_code(session, "TAX-BJ")
        sources.revoke_grant(session, T3, source, "PENALTY-TAX", actor="test")
    with node.sessions() as session:
        report = quality_report(session, catalog, REPORT_AT + dt.timedelta(days=30), source.id)
    items = items_of(report.sources[0])
    penalty = items["PENALTY-TAX"]
    assert (penalty.revocations, penalty.last_received_at, penalty.records_received) == (1, T3, 5)
    assert (penalty.granted, penalty.days_overdue, penalty.overdue) == (False, None, False)
    assert items["PENALTY-GENERAL"].days_overdue == 30  # last sent 11-30, now 12-31: daily


# ---- GET /api/v1/quality --------------------------------------------------------------------


@pytest.fixture
def api_node(tmp_path: Path, catalog: Catalog) -> Iterator[tuple[TestClient, Node, Runtime]]:
    settings = load_settings({"CHENGXIN_DATA_DIR": str(tmp_path / "data")})
    create_key_file(settings.resolved_key_file, NOW)
    rt = Runtime(settings, clock=lambda: REPORT_AT)
    migrate.upgrade(rt.engine)
    app = create_app(rt)
    if not any(getattr(r, "path", None) == "/api/v1/quality" for r in app.routes):
        app.include_router(router)  # until chengxin.app wires it
    with TestClient(app) as client:
        yield client, Node(rt.sessions, rt.keys, catalog), rt
    rt.close()


def key_for(node: Node, code: str) -> str:
    with node.sessions() as session, session.begin():
        source = sources.source_by_code(session, code)
        _, token = sources.create_source_key(session, NOW, source, label="t", actor="test")
    return token


def test_r2_7_a_source_reads_its_own_figures_only(
    api_node: tuple[TestClient, Node, Runtime], tmp_path: Path
) -> None:
    client, node, _ = api_node
    send_tax_batches(node, tmp_path)
    bearer = {"Authorization": f"Bearer {key_for(node, 'TAX-BJ')}"}
    answer = client.get("/api/v1/quality", headers=bearer)
    assert answer.status_code == 200
    body = answer.json()
    assert body["generated_at"].startswith("2026-12-01T02:00")
    (tax,) = body["sources"]
    assert (tax["code"], tax["rows_total"], tax["refused"]) == ("TAX-BJ", 10, 4)
    assert tax["refusal_rate"] == 0.4
    assert tax["refused_by_rule"][0] == {"rule": "GB 11643 check character", "refused": 2}
    penalty = next(i for i in tax["items"] if i["item_code"] == "PENALTY-TAX")
    assert penalty["delay_days"] == {"count": 5, "mean": 4.2, "median": 2.0, "p90": 8.8}
    assert (penalty["corrections"], penalty["update_frequency"]) == (1, "daily")
    assert (penalty["days_overdue"], penalty["overdue"]) == (1, True)

    answer = client.get("/api/v1/quality", headers={"X-API-Key": key_for(node, "EDU-BJ")})
    (edu,) = answer.json()["sources"]
    assert (edu["code"], edu["batches"], edu["refused_by_rule"]) == ("EDU-BJ", 0, [])
    assert "TAX-BJ" not in answer.text


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer cx_nope_nope"}])
def test_r2_7_quality_needs_a_source_key(
    api_node: tuple[TestClient, Node, Runtime], headers: dict[str, str]
) -> None:
    client, _, _ = api_node
    answer = client.get("/api/v1/quality", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"


# ---- chengxin quality report ----------------------------------------------------------------


def test_r2_7_quality_report_from_the_command_line(
    api_node: tuple[TestClient, Node, Runtime],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, node, rt = api_node
    send_tax_batches(node, tmp_path)
    for var in ("CHENGXIN_DATABASE_URL", "CHENGXIN_KEY_FILE", "CHENGXIN_CATALOG_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CHENGXIN_DATA_DIR", str(rt.settings.data_dir))
    monkeypatch.setattr(
        quality_cli, "runtime", lambda: Runtime(load_settings(), clock=lambda: REPORT_AT)
    )
    runner = CliRunner()

    done = runner.invoke(quality_app, ["report", "--source", "TAX-BJ", "--json"])
    assert done.exit_code == 0, done.output
    (tax,) = json.loads(done.stdout)["sources"]
    assert (tax["code"], tax["refusal_rate"], tax["batches"]) == ("TAX-BJ", 0.4, 3)
    penalty = next(i for i in tax["items"] if i["item_code"] == "PENALTY-TAX")
    assert (penalty["delay_days"]["p90"], penalty["days_overdue"]) == (8.8, 1)

    done = runner.invoke(quality_app, ["report"])
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert "refused 4 (40.0%)" in done.stdout
    assert "top refusal rules: GB 11643 check character 2, future-date 1, required 1" in done.stdout
    penalty_line = next(line for line in lines if "PENALTY-TAX" in line)
    assert penalty_line.split()[1:6] == ["5", "4.2", "2", "8.8", "1"]
    assert penalty_line.endswith("OVERDUE 1d")
    line_of = {line.split()[0]: line for line in lines if line.startswith("  ")}
    assert line_of["STUDENT-EXAM-CHEATING"].endswith("not expected")
    assert line_of["JUDICIAL-DISHONEST-DEBTOR"].endswith("OVERDUE 4d")

    done = runner.invoke(quality_app, ["report", "--source", "NOPE"])
    assert isinstance(done.exception, NotFound)
