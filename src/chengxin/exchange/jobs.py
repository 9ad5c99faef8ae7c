"""The `send` job (at the end): pack what each peer is owed and deliver it (issue H, R-4.4).

The `push` job (regional nodes only): queue for the national platform serious dishonesty (R-5.5)
and the node's own records of the disclosure levels it shares upward (R-5.2, `CHENGXIN_SHARE_UP`),
one transaction per chunk so that a long scan holds no lock for long.

A process remembers when it last scanned and, until a day has passed, reads only records
updated since then (less an hour: records carry their writer's clock, and a long batch commits
well after it read the time), through `ix_records_updated_at`. The first run of a process, a
change of criteria or of the levels shared, and one run a day read every candidate, so anything
an incremental run missed is queued within a day. Running the job by hand (cron) always reads
every candidate."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from chengxin.errors import ChengxinError
from chengxin.exchange.client import NodeClient
from chengxin.exchange.criteria import push_criteria
from chengxin.exchange.node_rules import NodeRole
from chengxin.exchange.nodes import list_peers
from chengxin.exchange.outbox import build_packages
from chengxin.exchange.outbox_delivery import MAX_ERROR, Delivery, deliver
from chengxin.exchange.push import CHUNK, Cursor, queue_upward
from chengxin.exchange.push_rules import PushCriteria

if TYPE_CHECKING:
    from chengxin.runtime import Runtime

log = logging.getLogger("chengxin.exchange")
OVERLAP = dt.timedelta(hours=1)
FULL_EVERY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class PushRun:
    scanned: int
    queued: int
    raced: int


def queue_all(
    factory: sessionmaker[Session],
    criteria: PushCriteria,
    now: dt.datetime,
    *,
    since: dt.datetime | None = None,
    chunk: int = CHUNK,
) -> PushRun:
    """Every candidate (updated at or after `since`, if given), `chunk` to a transaction."""
    cursor = None if since is None else Cursor(since)
    scanned = queued = raced = 0
    while True:
        with factory() as session, session.begin():
            report = queue_upward(session, now, criteria=criteria, after=cursor, limit=chunk)
        scanned, queued, raced = (scanned + report.scanned, queued + report.queued,
                                  raced + report.raced)  # fmt: skip
        if report.last is None:
            return PushRun(scanned, queued, raced)
        cursor = report.last


@dataclass(frozen=True, slots=True)
class _Mark:
    criteria: PushCriteria
    full_at: dt.datetime  # start of the last run that read every candidate
    started: dt.datetime  # start of the last run


_MARKS: WeakKeyDictionary[Engine, _Mark] = WeakKeyDictionary()  # per database, this process


def run_push(rt: Runtime) -> str:
    """For `chengxin jobs run push` (registered in chengxin.jobs.runner)."""
    if rt.settings.node_role is not NodeRole.REGIONAL:
        return "nothing to push upward: this is the national node (CHENGXIN_NODE_ROLE=national)"
    criteria = push_criteria(rt.catalog, rt.settings.share_up)
    now = rt.clock()
    mark = _MARKS.get(rt.engine)
    since = None
    if mark is not None and mark.criteria == criteria and now - mark.full_at < FULL_EVERY:
        since = mark.started - OVERLAP
    run = queue_all(rt.sessions, criteria, now, since=since)
    full_at = now if since is None or mark is None else mark.full_at
    _MARKS[rt.engine] = _Mark(criteria, full_at, now)
    if run.queued:
        log.info("%d records queued for the national platform", run.queued)
    scope = "all" if since is None else f"updated since {since:%Y-%m-%d %H:%M} UTC"
    return (f"queued {run.queued} records for the national platform; read "
            f"{run.scanned} candidates ({scope}), {run.raced} queued by another worker "
            "first")  # fmt: skip


def send_round(
    rt: Runtime, *, peers: list[str] | None = None, client: NodeClient | None = None
) -> list[Delivery]:
    """Pack what is owed to each enabled peer (or to `peers`), then deliver its packages."""
    now = rt.clock()
    with rt.reads() as session:
        codes = [p.code for p in list_peers(session) if p.disabled_at is None]
    if peers is not None:
        codes = [code for code in codes if code in peers]
    sender = rt.settings.resolved_node_code
    done = []
    for code in codes:
        try:
            with rt.sessions() as session, session.begin():
                build_packages(session, rt.keys, now, sender=sender, receiver=code)
        except ChengxinError as refused:  # one peer's faulty content must not stop the others
            log.warning("exchange packages for %s not built: %s", code, refused)
            done.append(Delivery(code, error=f"not built: {refused}"[:MAX_ERROR]))
            continue
        done.append(deliver(rt, receiver=code, now=now, client=client))
    return done


def run_send(rt: Runtime) -> str:
    """For `chengxin jobs run send` (registered in chengxin.jobs.runner)."""
    rounds = send_round(rt)
    sent = sum(len(d.sent) for d in rounds)
    failed = [f"{d.receiver} #{d.failed} ({d.error})" if d.failed is not None
              else f"{d.receiver} ({d.error})" for d in rounds if d.error is not None]  # fmt: skip
    if failed:
        log.warning("exchange packages not delivered: %s", "; ".join(failed))
    return (f"sent {sent} packages to {len(rounds)} peers"
            + (f"; failed: {'; '.join(failed)}" if failed else ""))  # fmt: skip
