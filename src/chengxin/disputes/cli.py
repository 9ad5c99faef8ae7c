"""`chengxin disputes queue`: open objections and repair applications, the most urgent first."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from chengxin.cli_support import emit_json, runtime
from chengxin.clock import china_today
from chengxin.disputes.deadlines import case_queue
from chengxin.disputes.models import CaseKind

disputes_app = typer.Typer(help="Objections (异议) and credit repair (信用修复).",
                           no_args_is_help=True)  # fmt: skip


@disputes_app.callback()
def _disputes() -> None:
    """Disputes."""


@disputes_app.command("queue")
def queue(
    kind: Annotated[CaseKind | None, typer.Option(help="objection or repair")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 200,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Open cases with their next deadline; overdue ones first. No personal data is printed."""
    rt = runtime()
    with rt.reads() as session:
        rows: list[dict[str, Any]] = [
            {"kind": str(r.kind), "id": str(r.id), "state": r.state, "step": r.deadline_step,
             "deadline": r.deadline, "provisional": r.deadline_provisional,
             "overdue": r.overdue, "filed_at": r.filed_at}
            for r in case_queue(session, china_today(rt.clock()), kind=kind, limit=limit)
        ]  # fmt: skip
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        mark = "OVERDUE " if r["overdue"] else ""
        typer.echo(f"{mark}{r['deadline']} {r['kind']:<9} {r['state']:<10} {r['step'] or '-':<16} "
                   f"{r['id']}")  # fmt: skip
