"""`chengxin exchange push-queue`: what is owed to the national platform (R-5.5)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from chengxin.cli_support import emit_json, runtime
from chengxin.clock import CHINA_TZ
from chengxin.exchange.push import queue_summary

exchange_app = typer.Typer(
    help="Exchange with the national platform and agencies (R-5.5).", no_args_is_help=True
)


@exchange_app.callback()
def _group() -> None:
    """Exchange with the national platform and agencies (R-5.5)."""
    # A callback keeps `push-queue` a subcommand while it is the group's only command.


@exchange_app.command("push-queue")
def push_queue(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Oldest unsent rows shown.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Serious dishonesty queued for the national platform: counts, and the oldest unsent rows
    (ids, item, criterion, time queued; no names or ID numbers)."""
    rt = runtime()
    try:
        with rt.sessions() as session:
            summary = queue_summary(session, limit=limit)
    finally:
        rt.close()
    if as_json:
        emit_json(asdict(summary))
        return
    typer.echo(f"queued {summary.queued}, sent {summary.queued - summary.unsent}, "
               f"unsent {summary.unsent}")  # fmt: skip
    for criterion, count in summary.unsent_by_criterion.items():
        typer.echo(f"  {count:>6}  {criterion}")
    if summary.oldest:
        typer.echo(f"oldest unsent ({len(summary.oldest)} of {summary.unsent}):")
    for row in summary.oldest:
        at = row.queued_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        typer.echo(f"  {row.id}  record {row.record_id} v{row.current_version} {row.status}"
                   f"  {row.item_code}  {row.criterion}  queued {at}"
                   f"  attempts {row.attempts}")  # fmt: skip
