"""`chengxin notifications …`: run e-mail delivery now, and look at the outbox (counts only, no
addresses)."""

from __future__ import annotations

from typing import Annotated

import typer

from chengxin.cli_support import emit_json, runtime
from chengxin.notifications import service
from chengxin.notifications.delivery import deliver_pending

notifications_app = typer.Typer(
    help="Notifications (通知): deliver e-mails now, outbox figures.", no_args_is_help=True
)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@notifications_app.command("deliver")
def deliver(
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="Most e-mails to send.")] = 100,
    as_json: JsonFlag = False,
) -> None:
    """Send the e-mails that are due now, through CHENGXIN_SMTP_HOST (one delivery run)."""
    rt = runtime()
    try:
        report = deliver_pending(rt.sessions, rt.keys, rt.settings, rt.clock(), limit=limit)
    finally:
        rt.close()
    row = {"sent": report.sent, "failed": report.failed, "retried": report.retried}
    if not rt.settings.smtp_host:
        typer.echo("e-mail delivery is off: CHENGXIN_SMTP_HOST is not set", err=True)
    if as_json:
        emit_json(row)
        return
    typer.echo(f"sent {report.sent}, failed {report.failed}, retried {report.retried}")


@notifications_app.command("outbox")
def outbox(as_json: JsonFlag = False) -> None:
    """E-mails per status and how long the oldest has waited (no addresses, no texts)."""
    rt = runtime()
    try:
        with rt.reads() as session:
            summary = service.outbox_summary(session, rt.clock())
    finally:
        rt.close()
    row = {
        **summary.counts,
        "oldest_waiting_since": summary.oldest_waiting_at,
        "oldest_waiting_seconds": summary.oldest_waiting_seconds,
    }
    if as_json:
        emit_json(row)
        return
    for status, n in summary.counts.items():
        typer.echo(f"{status:<8} {n}")
    if summary.oldest_waiting_seconds is not None:
        minutes = summary.oldest_waiting_seconds / 60
        typer.echo(
            f"oldest waiting: {minutes:.1f} min (since {summary.oldest_waiting_at:%Y-%m-%d %H:%M}Z)"
        )
