"""`chengxin jobs run NAME`: run one scheduled job now (cron, systemd timers, or by hand)."""

from __future__ import annotations

from typing import Annotated

import typer

from chengxin.cli_support import runtime
from chengxin.errors import InvalidInput
from chengxin.jobs.runner import JOBS

jobs_app = typer.Typer(help="Scheduled jobs: expiry, deadlines, lists, score, commitments, push, "
                       "apply, send, agencies, notify, checkpoint.",
                       no_args_is_help=True)  # fmt: skip


@jobs_app.callback()
def _jobs() -> None:
    """Scheduled jobs."""


@jobs_app.command("run")
def run(name: Annotated[str, typer.Argument(help=", ".join(JOBS))]) -> None:
    """Run one job now and print what it did."""
    job = JOBS.get(name)
    if job is None:
        raise InvalidInput(f"must be one of {', '.join(JOBS)}", field="name", rule="enum")
    rt = runtime()
    try:
        typer.echo(f"{name}: {job(rt)}")
    finally:
        rt.close()
