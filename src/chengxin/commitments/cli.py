"""`chengxin commitments list` and `chengxin commitments show ID`: states, dates and ids of
commitments (R-7.2). No personal data and no sealed text is printed."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from chengxin.cli_support import emit_json, runtime
from chengxin.clock import china_today
from chengxin.commitments.rules import CommitmentState
from chengxin.commitments.service import get_commitment
from chengxin.commitments.submit import CommitmentContext
from chengxin.commitments.views import MAX_PAGE, CommitmentOut, commitment_view, find_commitments
from chengxin.errors import InvalidInput

commitments_app = typer.Typer(help="Credit commitments (信用承诺) and their fulfilment.",
                              no_args_is_help=True)  # fmt: skip


@commitments_app.callback()
def _commitments() -> None:
    """Credit commitments."""


def _line(c: CommitmentOut) -> str:
    late = " OVERDUE" if c.overdue else ""
    return (f"{c.id}  {c.state.value:<9} {c.kind.value:<27} made {c.made_on}  due {c.deadline}  "
            f"{c.department}  {c.document_number}{late}")  # fmt: skip


@commitments_app.command("list")
def list_commitments(
    state: Annotated[CommitmentState | None, typer.Option(help="Only this state")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Pending past the deadline")] = False,
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE)] = 200,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Commitments by deadline, soonest first."""
    rt = runtime()
    ctx = CommitmentContext(rt.keys, rt.catalog, rt.settings.region_code)
    today = china_today(rt.clock())
    try:
        with rt.reads() as session:
            found = find_commitments(session, today=today, state=state, only_overdue=overdue,
                                     limit=limit)  # fmt: skip
            views = [commitment_view(session, ctx, c, today, texts=False) for c in found]
    finally:
        rt.close()
    if as_json:
        emit_json([v.model_dump(mode="json") for v in views])
        return
    for view in views:
        typer.echo(_line(view))


@commitments_app.command("show")
def show(
    commitment_id: Annotated[str, typer.Argument(help="A commitment id")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One commitment: state, dates, its records."""
    try:
        wanted = uuid.UUID(commitment_id)
    except ValueError:
        raise InvalidInput("is not a UUID", field="id", rule="uuid") from None
    rt = runtime()
    ctx = CommitmentContext(rt.keys, rt.catalog, rt.settings.region_code)
    try:
        with rt.reads() as session:
            view = commitment_view(session, ctx, get_commitment(session, wanted),
                                   china_today(rt.clock()), texts=False)  # fmt: skip
    finally:
        rt.close()
    if as_json:
        emit_json(view.model_dump(mode="json"))
        return
    typer.echo(_line(view))
    typer.echo(f"  subject {view.subject_id}  version {view.version}")
    typer.echo(f"  record {view.record_id}  breach record {view.breach_record_id or '-'}")
    if view.check_id:
        typer.echo(f"  check {view.check_id}")
    if view.closed_on:
        typer.echo(f"  closed on {view.closed_on}")
