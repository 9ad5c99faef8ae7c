"""`chengxin queries list`: review the query register (审查) and its anomaly flags, R-3.2."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from chengxin.cli_support import emit_json, runtime
from chengxin.queries.register import list_register
from chengxin.queries.rules import Outcome

queries_app = typer.Typer(help="The query register (查询使用登记).", no_args_is_help=True)


@queries_app.callback()
def _queries() -> None:
    """The query register."""


@queries_app.command("list")
def list_queries(
    requester: Annotated[str | None, typer.Option(help="Only this requester's code")] = None,
    outcome: Annotated[Outcome | None, typer.Option(help="answered or refused")] = None,
    flagged: Annotated[bool, typer.Option("--flagged", help="Only flagged queries")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 100,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Newest first. Subjects are shown by id only."""
    rt = runtime()
    with rt.reads() as session:
        rows: list[dict[str, Any]] = [
            {"id": str(q.id), "at": q.at, "actor": q.actor, "role": str(q.role),
             "requester": code, "subject": str(q.subject_id) if q.subject_id else None,
             "purpose": q.purpose, "outcome": str(q.outcome), "refusal": q.refusal,
             "records": q.record_count, "flags": [f for f in q.flags.split(",") if f],
             "ledger_index": q.ledger_index}
            for q, code in list_register(session, requester_code=requester, outcome=outcome,
                                         flagged=flagged, limit=limit)
        ]  # fmt: skip
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        flags = ",".join(r["flags"]) or "-"
        typer.echo(f"{r['at']:%Y-%m-%d %H:%M:%S} {r['actor']:<28} {r['outcome']:<8} "
                   f"{r['purpose'] or '-':<20} records={r['records']} flags={flags}")  # fmt: skip
