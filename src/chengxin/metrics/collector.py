"""Turns the database figures into Prometheus metric families at each scrape (a custom
collector: nothing is kept between scrapes, so several processes never disagree)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator, Sequence

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from chengxin import __version__
from chengxin.errors import ChengxinError
from chengxin.metrics.figures import OUTCOMES, Figures, read_figures
from chengxin.runtime import Runtime

log = logging.getLogger("chengxin.metrics")


def _age(now: dt.datetime, then: dt.datetime | None) -> float:
    return 0.0 if then is None else max(0.0, (now - then).total_seconds())


def _gauge(name: str, doc: str, labels: list[str],
           values: Iterable[tuple[Sequence[str], float]]) -> GaugeMetricFamily:  # fmt: skip
    family = GaugeMetricFamily(name, doc, labels=labels)
    for key, value in sorted(values, key=lambda pair: tuple(pair[0])):
        family.add_metric(list(key), value)
    return family


def families(figures: Figures, now: dt.datetime) -> Iterator[Metric]:
    """The metric families of one reading (see docs/operations.md#monitoring)."""
    ing, ex, mail, disp, led = (figures.ingestion, figures.exchange, figures.emails,
                                figures.disputes, figures.ledger)  # fmt: skip
    yield CounterMetricFamily("chengxin_ingest_batches", "Batches received (files and single "
                              "records over the API)", value=ing.batches)  # fmt: skip
    yield CounterMetricFamily("chengxin_ingest_rows_received", "Rows read from batches",
                              value=ing.received)  # fmt: skip
    rows = CounterMetricFamily("chengxin_ingest_rows", "Rows of batches by outcome",
                               labels=["outcome"])  # fmt: skip
    for outcome in OUTCOMES:
        rows.add_metric([outcome], ing.rows[outcome])
    yield rows
    yield GaugeMetricFamily("chengxin_ingest_rows_waiting", "Rows held in identity review cases",
                            value=ing.waiting)  # fmt: skip
    if ing.last_batch_at is not None:
        yield GaugeMetricFamily("chengxin_ingest_last_batch_timestamp_seconds",
                                "When the latest batch was received (Unix time)",
                                value=ing.last_batch_at.timestamp())  # fmt: skip
    yield GaugeMetricFamily("chengxin_identity_reviews_pending",
                            "Identity review cases waiting for an operator",
                            value=ing.reviews_pending)  # fmt: skip
    for name, doc, pick in (
        ("undelivered", "Change events the recipient has not taken yet", "undelivered"),
        ("unacknowledged", "Change events without the recipient's ack", "unacknowledged"),
        ("overdue", "Change events without the recipient's ack past their due day", "overdue"),
    ):
        yield _gauge(f"chengxin_exchange_changes_{name}", doc, ["recipient"],
                     [((r,), getattr(c, pick)) for r, c in ex.changes.items()])  # fmt: skip
    yield _gauge("chengxin_exchange_outbox_packages", "Outbox packages per peer: unsent, or "
                 "sent and awaiting the peer's ack", ["peer", "state"],
                 ex.outbox.items())  # fmt: skip
    yield _gauge("chengxin_exchange_inbox_waiting", "Packages received from a peer, not applied",
                 ["peer"], [((p,), n) for p, n in ex.inbox_waiting.items()])  # fmt: skip
    yield GaugeMetricFamily("chengxin_national_push_queued", "Records queued for the national "
                            "node and not yet sent", value=ex.national_push_queued)  # fmt: skip
    yield _gauge("chengxin_notification_emails", "Notice e-mails pending, being sent, or given "
                 "up", ["status"], [((s,), n) for s, n in mail.by_status.items()])  # fmt: skip
    yield GaugeMetricFamily("chengxin_notification_email_oldest_waiting_seconds",
                            "Age of the oldest pending or sending e-mail; 0 when none",
                            value=_age(now, mail.oldest_waiting_at))  # fmt: skip
    yield _gauge("chengxin_dispute_cases_open", "Open objections and repair cases", ["kind"],
                 [((k,), n) for k, n in disp.open.items()])  # fmt: skip
    overdue = [((k,), n) for k, n in disp.overdue.items()]
    overdue.append((("exchange_change",), sum(c.overdue for c in ex.changes.values())))
    yield _gauge("chengxin_deadlines_overdue", "Open steps past their deadline: objections, "
                 "repairs, change events owed to other nodes", ["kind"], overdue)  # fmt: skip
    yield GaugeMetricFamily("chengxin_ledger_entries", "Entries in the ledger",
                            value=led.entries)  # fmt: skip
    yield GaugeMetricFamily("chengxin_ledger_checkpoint_entries",
                            "Tree size of the latest signed checkpoint",
                            value=led.checkpoint_entries)  # fmt: skip
    if led.checkpoint_at is not None:
        yield GaugeMetricFamily("chengxin_ledger_checkpoint_age_seconds",
                                "Age of the latest signed checkpoint",
                                value=_age(now, led.checkpoint_at))  # fmt: skip


class DatabaseCollector(Collector):
    """Reads the figures in one short read-only session per scrape. When the database does not
    answer, the scrape still succeeds with `chengxin_database_up 0`, so that the alert names
    the cause instead of a failed scrape."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        rt = self.runtime
        settings = rt.settings
        info = GaugeMetricFamily("chengxin_build_info", "This node: version, database, role",
                                 labels=["version", "database", "node", "role"])  # fmt: skip
        info.add_metric([__version__, rt.engine.dialect.name, settings.resolved_node_code,
                         settings.node_role.value], 1)  # fmt: skip
        yield info
        started = time.perf_counter()
        now = rt.clock()
        try:
            with rt.reads() as session:
                figures = read_figures(session, now)
        except (SQLAlchemyError, ChengxinError) as exc:
            log.warning("metrics: database figures not read: %s", type(exc).__name__)
            figures = None
        yield GaugeMetricFamily("chengxin_database_up", "1 when the database answered the "
                                "figures' queries", value=0 if figures is None else 1)  # fmt: skip
        yield GaugeMetricFamily("chengxin_metrics_read_seconds", "Time the figures' queries took",
                                value=time.perf_counter() - started)  # fmt: skip
        if figures is not None:
            yield from families(figures, now)
