"""`chengxin tipoffs list` and `chengxin tipoffs show ID`: the triage queue and one tip-off's
states, dates and steps (R-6.5). No text of the report, no contact and no reason is printed:
those are read through the staff API."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from chengxin.cli_support import emit_json, runtime
from chengxin.errors import InvalidInput
from chengxin.tipoffs.rules import TipoffCategory, TipoffState
from chengxin.tipoffs.service import get_tipoff
from chengxin.tipoffs.views import MAX_PAGE, TipoffRow, evidence_of, queue, row_view, step_views

tipoffs_app = typer.Typer(help="Tip-offs (举报): the triage queue.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@tipoffs_app.callback()
def _tipoffs() -> None:
    """Tip-offs."""


def _line(row: TipoffRow) -> str:
    referred = f"  → {row.referred_to}" if row.referred_to else ""
    contact = "anonymous" if row.anonymous else "contact"
    filed = f"{row.filed_at:%Y-%m-%d %H:%M}Z"
    return (f"{row.id}  {row.state.value:<8} {row.category.value:<19} {row.region_code}  "
            f"filed {filed}  {row.files} files  {contact}{referred}")  # fmt: skip


@tipoffs_app.command("list")
def list_tipoffs(
    state: Annotated[TipoffState | None, typer.Option(help="Only this state")] = None,
    category: Annotated[TipoffCategory | None, typer.Option(help="Only this category")] = None,
    region: Annotated[str | None, typer.Option(help="110000 takes in 1101xx")] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE)] = 200,
    as_json: JsonFlag = False,
) -> None:  # fmt: skip
    """Tip-offs oldest first; without --state the open ones (received, accepted, referred)."""
    rt = runtime()
    try:
        with rt.reads() as session:
            rows = queue(session, state=state, category=category, region_code=region, limit=limit)
    finally:
        rt.close()
    if as_json:
        emit_json([r.model_dump(mode="json") for r in rows])
        return
    for row in rows:
        typer.echo(_line(row))


@tipoffs_app.command("show")
def show(
    tipoff_id: Annotated[str, typer.Argument(help="A tip-off id (not a tracking number)")],
    as_json: JsonFlag = False,
) -> None:
    """One tip-off: state, dates, evidence files and steps, without its texts."""
    try:
        wanted = uuid.UUID(tipoff_id)
    except ValueError:
        raise InvalidInput("is not a UUID", field="id", rule="uuid") from None
    rt = runtime()
    try:
        with rt.reads() as session:
            tipoff = get_tipoff(session, wanted)
            evidence = evidence_of(session, tipoff.id)
            row = row_view(session, tipoff, len(evidence))
            steps = [s.model_dump(mode="json", exclude={"reason"})
                     for s in step_views(session, None, tipoff.id)]  # fmt: skip
    finally:
        rt.close()
    files = [f.model_dump(mode="json", exclude={"name"}) for f in evidence]
    if as_json:
        emit_json({**row.model_dump(mode="json"), "evidence": files, "steps": steps})
        return
    typer.echo(_line(row))
    for f in files:
        typer.echo(f"  file {f['id']}  {f['media_type']:<15} {f['size']:>8} bytes  {f['sha256']}")
    for s in steps:
        to = f" → {s['source']}" if s["source"] else ""
        typer.echo(f"  {s['at']}  {s['event']:<7} {s['from_state'] or '-'} → {s['to_state']}"
                   f"  {s['actor']}{to}")  # fmt: skip
