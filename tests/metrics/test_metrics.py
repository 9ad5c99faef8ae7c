"""Issue 10, item 6: Prometheus metrics at `/metrics`, scraped from a whole node as Prometheus
would (bearer token, text format parsed by prometheus_client's own parser): request latency per
route template, ingestion rows, queue depths, overdue deadlines, the ledger's size."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from starlette.routing import BaseRoute, Mount, Route

from chengxin.access.ratelimit import RateLimiter
from chengxin.collection.models import Batch
from chengxin.disputes.deadlines import case_queue
from chengxin.errors import ConfigError
from chengxin.exchange.jobs import run_push
from chengxin.exchange.models import InboxPackage, NationalPush
from chengxin.exchange.node_rules import NodeRole
from chengxin.exchange.nodes import add_peer, get_peer, own_node
from chengxin.exchange.outbox import build_packages, overdue
from chengxin.keys import new_key_ring
from chengxin.ledger.service import size
from chengxin.notifications.service import outbox_summary
from chengxin.records.changes import change_record
from chengxin.records.models import Change, Record, RecordShare, RecordStatus
from chengxin.settings import load_settings
from chengxin.tipoffs.rules import make_tracking
from tests.collection.conftest import PENALTY_HEADERS, penalty_row
from tests.conftest import NOW
from tests.platform import ALICE, BOB, Platform, platform

TOKEN = "metrics-token-for-tests-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
PEER = "CN-440300"
TRACKING = make_tracking(12345)  # a tip-off's tracking number: a secret of whoever filed it
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(p: Platform) -> Samples:
    answer = p.client.get("/metrics", headers=BEARER)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def requests_of(samples: Samples, route: str, method: str = "GET", status: str = "2xx") -> float:
    return value(samples, "chengxin_http_request_duration_seconds_count", method=method,
                 route=route, status=status)  # fmt: skip


@pytest.fixture(scope="module")
def scraped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """One node with the metrics token set, for the tests that only add to it."""
    with platform(tmp_path_factory.mktemp("metrics"), "sqlite",
                  CHENGXIN_METRICS_TOKEN=TOKEN) as p:  # fmt: skip
        yield p


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Platform]:
    with platform(tmp_path, "sqlite", CHENGXIN_METRICS_TOKEN=TOKEN) as p:
        yield p


# --- access -----------------------------------------------------------------------------------


def test_metrics_are_off_without_a_token_configured(sqlite_node: Platform) -> None:
    """Issue 10: with CHENGXIN_METRICS_TOKEN unset, /metrics answers as an unknown path does,
    whatever the caller sends."""
    unknown = sqlite_node.client.get("/no-such-page", headers={"Accept": "application/json"})
    for headers in ({}, {"Authorization": "Bearer anything-at-all-0123456789"}):
        answer = sqlite_node.client.get("/metrics", headers={"Accept": "application/json",
                                                             **headers})  # fmt: skip
        assert answer.status_code == 404
        assert answer.json()["type"] == unknown.json()["type"]


def test_metrics_need_the_right_bearer_token(scraped: Platform) -> None:
    """Issue 10: no token or a wrong one is refused with a 401 problem naming the header and
    the scheme; the right one gets the text format."""
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789abcdef"},
                    {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN}):  # fmt: skip
        answer = scraped.client.get("/metrics", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["www-authenticate"].startswith("Bearer")
        problem = answer.json()
        assert (problem["field"], problem["rule"]) == ("authorization", "metrics-token")
        assert TOKEN not in answer.text
    assert "chengxin_build_info" in scraped.client.get("/metrics", headers=BEARER).text
    assert scraped.client.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"}).is_success


def test_metrics_are_not_in_the_public_api_schema_nor_rate_limited(scraped: Platform) -> None:
    """Issue 10: the route is left out of /openapi.json, and a scraper is never throttled by
    the per-minute limit that API callers get (here the node's limiter, set to 2 a minute)."""
    p = scraped
    assert "/metrics" not in p.client.get("/openapi.json").json()["paths"]
    app = p.client.app
    usual = app.state.rate_limiter  # type: ignore[attr-defined]
    app.state.rate_limiter = RateLimiter(2)  # type: ignore[attr-defined]
    try:
        for _ in range(4):
            assert p.client.get("/metrics", headers=BEARER).status_code == 200
        limited = [p.call("GET", "/api/v1/me/records", "alice").status_code for _ in range(3)]
    finally:
        app.state.rate_limiter = usual  # type: ignore[attr-defined]
    assert limited == [200, 200, 429]  # the limit is on, for the API


def test_a_bad_token_setting_stops_start_up_without_echoing_it(tmp_path: Path) -> None:
    """Issue 10: a short token is refused at start-up, naming the variable, never the value;
    an empty one means metrics are off; the token may come from a file (secrets)."""
    with pytest.raises(ConfigError) as refused:
        load_settings({"CHENGXIN_METRICS_TOKEN": "short-secret"})
    assert refused.value.field == "CHENGXIN_METRICS_TOKEN"
    assert "short-secret" not in str(refused.value)
    assert load_settings({"CHENGXIN_METRICS_TOKEN": ""}).metrics_token is None
    secret = tmp_path / "token"
    secret.write_text(TOKEN + "\n")
    settings = load_settings({"CHENGXIN_METRICS_TOKEN_FILE": str(secret)})
    assert settings.metrics_token == TOKEN


# --- request latency --------------------------------------------------------------------------


def _templates(routes: list[BaseRoute]) -> Iterator[str]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        if included is not None:
            yield from _templates(included.routes)
        elif isinstance(route, APIRoute | Route | Mount):
            yield route.path_format


def test_latency_is_counted_per_route_template(scraped: Platform) -> None:
    """Issue 10: N requests to a route add N to its histogram's count, under the route's
    template: a record id, a batch id or a tracking token in the path never becomes a label,
    nor does a path that matches no route."""
    p = scraped
    with p.rt.sessions() as session:
        batch_id = session.scalars(select(Batch.id)).first()  # the source TAX-BJ sent them all
    record_id = p.call("GET", "/api/v1/me/records", "alice").json()["records"][0]["record_id"]
    before = scrape(p)
    for _ in range(3):
        assert p.call("GET", "/api/v1/me/records", "alice").status_code == 200
    for _ in range(2):
        assert p.call("GET", f"/api/v1/batches/{batch_id}", "TAX-BJ").status_code == 200
    assert p.call("GET", f"/api/v1/batches/{uuid.uuid4()}", "TAX-BJ").status_code == 404
    assert p.call("GET", f"/me/records/{record_id}/explanation", "alice").status_code == 200
    assert p.call("GET", f"/api/v1/tipoffs/{TRACKING}").status_code == 404
    assert p.client.get(f"/api/v1/people/{ALICE}").status_code == 404
    assert p.client.get("/static/site.css").status_code == 200
    after = scrape(p)

    def grew(route: str, status: str = "2xx") -> float:
        return requests_of(after, route, status=status) - requests_of(before, route, status=status)

    assert grew("/api/v1/me/records") == 3
    assert (grew("/api/v1/batches/{batch_id}"), grew("/api/v1/batches/{batch_id}", "4xx")) == (2, 1)
    assert grew("/me/records/{record_id}/explanation") == 1
    assert grew("/static/{path}") == 1
    assert grew("unmatched", "4xx") == 1
    assert requests_of(after, "/metrics") >= 1  # the scrape before this one
    # Every route label is a template of the app or "unmatched"; no label holds an id.
    known = set(_templates(p.client.app.routes)) | {"unmatched"}  # type: ignore[attr-defined]
    labels = {v for (_name, pairs) in after for _k, v in pairs}
    routes = {v for (_name, pairs) in after for k, v in pairs if k == "route"}
    assert routes <= known
    leaked = [v for v in labels if ALICE in v or BOB in v or TRACKING in v
              or str(batch_id) in v or str(record_id) in v or re.search(r"\d{15}", v)]  # fmt: skip
    assert leaked == []


# --- ingestion --------------------------------------------------------------------------------


def test_ingestion_rows_grow_by_the_rows_of_a_file(scraped: Platform) -> None:
    """Issue 10, R-2.2: after a source uploads a file, the batches figure grows by one and the
    rows figures by the receipt's counts: read rows, accepted and refused."""
    p = scraped
    before = scrape(p)
    rows = [penalty_row(41), penalty_row(42), penalty_row(43, number="110105198001010000")]
    text = io.StringIO()
    csv.writer(text).writerows([PENALTY_HEADERS, *rows])
    answer = p.call("POST", "/api/v1/batches", "TAX-BJ", data={"item": "PENALTY-TAX"},
                    files={"file": ("metrics.csv", text.getvalue().encode(), "text/csv")})  # fmt: skip
    assert answer.status_code == 201, answer.text
    receipt = answer.json()
    assert (receipt["rows_total"], receipt["accepted"], receipt["refused"]) == (3, 2, 1)
    after = scrape(p)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("chengxin_ingest_batches_total") == 1
    assert grew("chengxin_ingest_rows_received_total") == 3
    assert grew("chengxin_ingest_rows_total", outcome="accepted") == 2
    assert grew("chengxin_ingest_rows_total", outcome="refused") == 1
    assert grew("chengxin_ingest_rows_total", outcome="duplicate") == 0
    assert value(after, "chengxin_ingest_last_batch_timestamp_seconds") == NOW.timestamp()
    # The figures come from the database: the batches ingested before this app started count.
    with p.rt.sessions() as session:
        total = session.scalar(select(func.sum(Batch.rows_total)))
    assert value(after, "chengxin_ingest_rows_received_total") == total


# --- queues, deadlines, ledger ----------------------------------------------------------------


def _share_and_correct(p: Platform) -> None:
    """Share every record with the peer, then correct one: a change event owed to it."""
    with p.rt.sessions() as session, session.begin():
        records = list(session.scalars(select(Record).order_by(Record.source_record_id)))
        for record in records:
            session.add(RecordShare(record_id=record.id, recipient=PEER, shared_at=p.clock()))
        session.flush()
        done = change_record(session, p.rt.workdays, p.clock(), record=records[0],
                             change=Change.CORRECTED, status=RecordStatus.ACTIVE,
                             reason="test correction", actor="test")  # fmt: skip
        assert done is not None


def test_queues_deadlines_and_ledger_match_the_state(fresh: Platform) -> None:
    """Issue 10, R-4.1, R-4.4, R-5.5: the queue figures are the node's own counts — e-mails
    waiting, records queued for the national node, change events owed to a peer and the
    packages carrying them, packages received and not applied — an objection left past its
    deadline and a change left unacknowledged past its due day show as overdue, and the ledger
    figures are the log's size and its latest checkpoint."""
    p = fresh
    assert p.call("PUT", "/api/v1/me/contact", "alice",
                  json={"email": "alice@example.com"}).status_code == 200  # fmt: skip
    records = p.call("GET", "/api/v1/me/records", "alice").json()["records"]
    filed = p.call("POST", "/api/v1/me/objections", "alice",
                   data={"record_id": records[0]["record_id"], "reason": "金额有误，请核查"})  # fmt: skip
    assert filed.status_code == 201, filed.text
    with p.rt.sessions() as session, session.begin():
        add_peer(session, NOW, own_node(p.rt.settings, p.rt.keys), code=PEER,
                 role=NodeRole.REGIONAL, region_code="440300", base_url="http://127.0.0.1:9",
                 public_key=new_key_ring(NOW).public_key_b64, actor="test")  # fmt: skip
    _share_and_correct(p)
    with p.rt.sessions() as session, session.begin():
        built = build_packages(session, p.rt.keys, p.clock(), sender="CN-110000",
                               receiver=PEER, limit=200)  # fmt: skip
        session.add(InboxPackage(peer_id=get_peer(session, PEER).id, sequence=1,
                                 received_at=p.clock(), messages_sha256="ab" * 32, size=10,
                                 body_enc=b"sealed elsewhere"))  # fmt: skip
    assert [b.sequence for b in built] == [1]
    assert "queued" in run_push(p.rt)
    p.checkpoint()

    now = scrape(p)
    with p.rt.sessions() as session:
        emails = outbox_summary(session, p.clock()).counts
        queued = session.scalar(select(func.count()).select_from(NationalPush)
                                .where(NationalPush.sent_at.is_(None)))  # fmt: skip
        entries = size(session)
    assert emails["pending"] >= 1
    assert queued
    assert value(now, "chengxin_notification_emails", status="pending") == emails["pending"]
    assert value(now, "chengxin_notification_emails", status="failed") == 0
    assert value(now, "chengxin_national_push_queued") == queued
    assert value(now, "chengxin_exchange_changes_undelivered", recipient=PEER) == 1
    assert value(now, "chengxin_exchange_changes_unacknowledged", recipient=PEER) == 1
    assert value(now, "chengxin_exchange_outbox_packages", peer=PEER, state="unsent") == 1
    assert value(now, "chengxin_exchange_outbox_packages", peer=PEER, state="awaiting_ack") == 0
    assert value(now, "chengxin_exchange_inbox_waiting", peer=PEER) == 1
    assert value(now, "chengxin_dispute_cases_open", kind="objection") == 1
    for kind in ("objection", "repair", "exchange_change"):
        assert value(now, "chengxin_deadlines_overdue", kind=kind) == 0
    assert value(now, "chengxin_ledger_entries") == entries
    assert value(now, "chengxin_ledger_checkpoint_entries") == entries
    assert value(now, "chengxin_ledger_checkpoint_age_seconds") == 0
    assert value(now, "chengxin_database_up") == 1

    # A month on: the objection's step (due 30 November) and the change (due in three working
    # days) are overdue, as the reviewers' queue and `chengxin exchange overdue` say too.
    p.clock.now = dt.datetime(2026, 12, 28, 2, 0, tzinfo=dt.UTC)
    later = scrape(p)
    today = dt.date(2026, 12, 28)
    with p.rt.sessions() as session:
        late_cases = [row for row in case_queue(session, today) if row.overdue]
        late_changes, _oldest = overdue(session, today)
    assert (len(late_cases), late_changes) == (1, 1)
    assert value(later, "chengxin_deadlines_overdue", kind="objection") == 1
    assert value(later, "chengxin_deadlines_overdue", kind="exchange_change") == 1
    assert value(later, "chengxin_exchange_changes_overdue", recipient=PEER) == 1
    assert (
        value(later, "chengxin_ledger_checkpoint_age_seconds") == (p.clock() - NOW).total_seconds()
    )
    assert value(later, "chengxin_notification_email_oldest_waiting_seconds") == (
        p.clock() - NOW).total_seconds()  # fmt: skip


def test_a_database_that_does_not_answer_is_a_figure_not_a_failed_scrape(tmp_path: Path) -> None:
    """Issue 10: when the database is unreachable the scrape still answers, with
    chengxin_database_up 0, so that the alert says why the other figures are missing; the
    requests that failed meanwhile count as 5xx."""
    from fastapi.testclient import TestClient  # noqa: PLC0415

    from chengxin.app import create_app  # noqa: PLC0415
    from chengxin.keys import create_key_file  # noqa: PLC0415
    from chengxin.runtime import Runtime  # noqa: PLC0415

    settings = load_settings({"CHENGXIN_DATA_DIR": str(tmp_path), "CHENGXIN_METRICS_TOKEN": TOKEN,
                              "CHENGXIN_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})  # fmt: skip
    create_key_file(settings.resolved_key_file, NOW)
    rt = Runtime(settings, clock=lambda: NOW)
    with TestClient(create_app(rt)) as client:
        failed = client.get(f"/api/v1/tipoffs/{TRACKING}")  # a public read of the database
        answer = client.get("/metrics", headers=BEARER)
    assert failed.status_code in {500, 503}  # an internal error, or the database named
    assert answer.status_code == 200
    samples = {(s.name, frozenset(s.labels.items())): s.value
               for f in text_string_to_metric_families(answer.text) for s in f.samples}  # fmt: skip
    assert value(samples, "chengxin_database_up") == 0
    assert value(samples, "chengxin_build_info", version="0.1.0", database="postgresql",
                 node="CN-110000", role="regional") == 1  # fmt: skip
    assert not any(name == "chengxin_ledger_entries" for name, _labels in samples)
    # The failure itself is timed, under its route and as a 5xx.
    assert requests_of(samples, "/api/v1/tipoffs/{tracking}", status="5xx") == 1


@pytest.mark.postgres
def test_the_figures_on_postgresql(tmp_path: Path) -> None:
    """Issue 10: the same figures from PostgreSQL: the node's batches and rows, an overdue
    objection, the ledger's size."""
    with platform(tmp_path, "postgres", CHENGXIN_METRICS_TOKEN=TOKEN) as p:
        records = p.call("GET", "/api/v1/me/records", "alice").json()["records"]
        filed = p.call("POST", "/api/v1/me/objections", "alice",
                       data={"record_id": records[0]["record_id"], "reason": "金额有误，请核查"})  # fmt: skip
        assert filed.status_code == 201, filed.text
        p.clock.now = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
        samples = scrape(p)
        with p.rt.sessions() as session:
            entries = size(session)
    assert value(samples, "chengxin_build_info", version="0.1.0", database="postgresql",
                 node="CN-110000", role="regional") == 1  # fmt: skip
    assert value(samples, "chengxin_ingest_batches_total") == 2  # the node's two files
    assert value(samples, "chengxin_ingest_rows_received_total") == 3
    assert value(samples, "chengxin_ingest_rows_total", outcome="accepted") == 3
    assert value(samples, "chengxin_deadlines_overdue", kind="objection") == 1
    assert value(samples, "chengxin_dispute_cases_open", kind="objection") == 1
    assert value(samples, "chengxin_ledger_entries") == entries > 0
