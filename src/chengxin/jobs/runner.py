"""The jobs by name, each one run against a runtime; `JobsThread` runs the periodic ones inside
`chengxin serve`. Every job is idempotent and safe with another worker running it at once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from chengxin.agencies.jobs import run_agencies
from chengxin.commitments.jobs import run_commitments
from chengxin.disputes.deadlines import flag_overdue
from chengxin.errors import ChengxinError
from chengxin.exchange.apply import run_apply
from chengxin.exchange.jobs import run_push, run_send
from chengxin.figures.service import refresh_figures
from chengxin.ledger.service import sign_checkpoint
from chengxin.lists.jobs import run_list_expiry
from chengxin.notifications.delivery import deliver_pending
from chengxin.records.expiry import expire_records
from chengxin.runtime import Runtime
from chengxin.scoring.service import run_score_job

log = logging.getLogger("chengxin.jobs")


def run_expiry(rt: Runtime) -> str:
    report = expire_records(rt.sessions, rt.workdays, rt.clock())
    return f"expired {report.expired} records ({report.skipped} already done by another worker)"


def run_deadlines(rt: Runtime) -> str:
    return f"flagged {flag_overdue(rt.sessions, rt.keys, rt.clock())} overdue steps"


def run_notify(rt: Runtime) -> str:
    report = deliver_pending(rt.sessions, rt.keys, rt.settings, rt.clock())
    return f"sent {report.sent}, retried {report.retried}, failed {report.failed} e-mails"


def run_figures(rt: Runtime) -> str:
    counted = refresh_figures(rt.reads, rt.sessions, rt.clock())
    if counted is None:
        return "the public figures are less than an hour old"
    return (f"counted {counted.persons} persons, {counted.organisations} organisations, "
            f"{counted.records_in_force} records in force, {counted.sources} units")  # fmt: skip


def run_checkpoint(rt: Runtime) -> str:
    with rt.sessions() as session, session.begin():
        cp = sign_checkpoint(session, rt.keys, rt.clock(), origin=rt.settings.ledger_origin)
    return f"checkpoint at tree size {cp.tree_size}" if cp else "the ledger is empty"


JOBS: dict[str, Callable[[Runtime], str]] = {
    "expiry": run_expiry,
    "deadlines": run_deadlines,
    "notify": run_notify,
    "checkpoint": run_checkpoint,
    "lists": run_list_expiry,
    "score": run_score_job,
    "commitments": run_commitments,
    "push": run_push,
    "apply": run_apply,
    "send": run_send,
    "agencies": run_agencies,
    "figures": run_figures,
}
PERIODIC = (
    "expiry",
    "deadlines",
    "lists",
    "score",
    "commitments",
    "push",
    "apply",  # before send: the acks it owes leave in the same round
    "send",
    "agencies",
    "figures",  # last: the counts include what the jobs before it changed
)  # notify and checkpoint have threads of their own


class JobsThread:
    """Runs the periodic jobs at start and then every `settings.jobs_seconds`."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            self.runtime.follow_rules(force=True)  # a reload elsewhere: this round uses it
            for name in PERIODIC:
                try:
                    log.info("job %s: %s", name, JOBS[name](self.runtime))
                except (SQLAlchemyError, ChengxinError) as exc:  # the next round tries again
                    log.warning("job %s failed: %s", name, type(exc).__name__)
            if self._stop.wait(self.runtime.settings.jobs_seconds):
                return
