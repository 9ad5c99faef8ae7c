"""`chengxin sources …`, `chengxin ingest` and `chengxin batches …`."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from chengxin.catalog.vocab import SourceKind
from chengxin.cli_support import emit_json, runtime
from chengxin.collection import service, sources
from chengxin.collection.ingest import Receipt
from chengxin.collection.readers import Limits
from chengxin.errors import InvalidInput
from chengxin.ledger.service import sign_checkpoint

sources_app = typer.Typer(
    help="Data-providing units (数据提供单位), grants and API keys.", no_args_is_help=True
)
batches_app = typer.Typer(help="Batch receipts and refused rows.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Actor = Annotated[str, typer.Option(help="Who does this (kept with the change).")]
PROGRESS_ABOVE_BYTES = 5 * 1024 * 1024


@sources_app.command("add")
def add(
    code: str,
    name: Annotated[str, typer.Option(help="Full name of the unit.")],
    region: Annotated[str, typer.Option(help="Six-digit administrative division code.")],
    kind: Annotated[SourceKind, typer.Option(help="Kind of body.")],
    actor: Actor = "operator",
) -> None:
    """Register a source."""
    rt = runtime()
    with rt.sessions() as session, session.begin():
        source = sources.add_source(
            session, rt.clock(), code=code, name=name, region_code=region, kind=kind, actor=actor
        )
    typer.echo(f"source {source.code} added")


@sources_app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """List sources with their granted items and active keys."""
    rt = runtime()
    with rt.reads() as session:
        rows = [
            {
                "code": s.code, "name": s.name, "region": s.region_code, "kind": s.kind.value,
                "items": sorted(sources.granted_items(session, s.id)),
                "keys": [k.prefix for k in sources.source_keys(session, s) if k.revoked_at is None],
            }
            for s in sources.list_sources(session)
        ]  # fmt: skip
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['code']:<20} {r['kind']:<24} {r['region']}  {r['name']}")
        typer.echo(
            f"{'':<20} items: {', '.join(r['items']) or '-'}   keys: {', '.join(r['keys']) or '-'}"
        )


@sources_app.command("grant")
def grant(code: str, items: list[str], actor: Actor = "operator") -> None:
    """Allow a source to supply catalog items."""
    rt = runtime()
    with rt.sessions() as session, session.begin():
        source = sources.source_by_code(session, code)
        for item in items:
            sources.grant_item(session, rt.catalog, rt.clock(), source, item, actor=actor)
    typer.echo(f"{code}: granted {', '.join(items)}")


@sources_app.command("revoke-grant")
def revoke_grant(code: str, item: str, actor: Actor = "operator") -> None:
    """Withdraw a grant; rows for the item from this source are refused from now on."""
    rt = runtime()
    with rt.sessions() as session, session.begin():
        source = sources.source_by_code(session, code)
        sources.revoke_grant(session, rt.clock(), source, item, actor=actor)
    typer.echo(f"{code}: {item} no longer granted")


@sources_app.command("member-add")
def member_add(
    code: str,
    id_number: Annotated[str, typer.Option(help="The member's citizen ID number.")],
    name: Annotated[str, typer.Option(help="The member's name as on the ID card.")],
    since: Annotated[
        dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="Member since (YYYY-MM-DD).")
    ],
    actor: Actor = "operator",
) -> None:
    """Record a member of an industry association: it may send records about members only
    (R-2.5)."""
    from chengxin.identity.service import Outcome, register_person  # noqa: PLC0415

    rt = runtime()
    with rt.sessions() as session, session.begin():
        source = sources.source_by_code(session, code)
        person = register_person(session, rt.keys, rt.clock(), id_number, name, actor=actor)
        if person.outcome is Outcome.REVIEW:
            # Raising rolls the transaction back, the review case included: nothing is kept.
            raise InvalidInput("the number is on file with another name", field="name",
                               rule="identity-mismatch")  # fmt: skip
        added = sources.add_member(session, rt.clock(), source=source,
                                   subject_id=person.subject_id, since=since.date())  # fmt: skip
    typer.echo(f"{code}: member added" if added else f"{code}: already a member (unchanged)")


@sources_app.command("key-create")
def key_create(
    code: str,
    label: Annotated[str, typer.Option(help="What the key is for.")] = "api",
    actor: Actor = "operator",
) -> None:
    """Create an API key for a source; the key is printed once and never again."""
    rt = runtime()
    with rt.sessions() as session, session.begin():
        source = sources.source_by_code(session, code)
        row, token = sources.create_source_key(
            session, rt.clock(), source, label=label, actor=actor
        )
    typer.echo(token)
    typer.echo(f"key {row.prefix} for {code}: store it now, it cannot be shown again", err=True)


@sources_app.command("key-revoke")
def key_revoke(prefix: str, actor: Actor = "operator") -> None:
    """Revoke an API key by its prefix; it stops working at once."""
    from chengxin.access.service import revoke_api_key  # noqa: PLC0415

    rt = runtime()
    with rt.sessions() as session, session.begin():
        revoke_api_key(session, rt.clock(), prefix, actor=actor)
    typer.echo(f"key {prefix} revoked")


def _print_receipt(receipt: Receipt, as_json: bool) -> None:
    if as_json:
        emit_json(asdict(receipt))
        return
    typer.echo(f"batch {receipt.batch_id}")
    typer.echo(
        f"rows {receipt.rows_total}: accepted {receipt.accepted}, duplicate {receipt.duplicate}, "
        f"corrected {receipt.corrected}, revoked {receipt.revoked}, waiting for identity review "
        f"{receipt.waiting}, refused {receipt.refused}"
    )
    if receipt.refused:
        typer.echo(f"refused rows: chengxin batches errors {receipt.batch_id}")


def ingest(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    source: Annotated[str, typer.Option(help="Code of the sending source.")],
    item: Annotated[
        str | None, typer.Option(help="Catalog item of every row (else an item column).")
    ] = None,
    actor: Actor = "operator",
    as_json: JsonFlag = False,
) -> None:
    """Ingest a CSV (UTF-8 or GB18030), XLSX or JSON Lines file for a source (R-2.2)."""
    rt = runtime()
    limits = Limits(max_bytes=rt.settings.max_upload_bytes, max_rows=rt.settings.max_batch_rows)
    size = file.stat().st_size
    if size > limits.max_bytes:
        raise InvalidInput(
            f"is larger than {limits.max_bytes} bytes", field="file", rule="max-bytes"
        )
    if size < PROGRESS_ABOVE_BYTES or as_json:
        receipt = service.ingest_file(
            rt.sessions, rt.keys, rt.catalog, rt.clock, path=file, source_code=source,
            item_code=item, actor=actor, limits=limits, calendar=rt.workdays,
        )  # fmt: skip
    else:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task("rows", total=None)
            receipt = service.ingest_file(
                rt.sessions, rt.keys, rt.catalog, rt.clock, path=file, source_code=source,
                item_code=item, actor=actor, limits=limits, calendar=rt.workdays,
                progress=lambda n: bar.advance(task, n),
            )  # fmt: skip
    with rt.sessions() as session, session.begin():  # the new versions are in the ledger: sign
        sign_checkpoint(session, rt.keys, rt.clock(), origin=rt.settings.ledger_origin)
    _print_receipt(receipt, as_json)


@batches_app.command("show")
def show(batch_id: uuid.UUID, as_json: JsonFlag = False) -> None:
    """A batch's receipt."""
    rt = runtime()
    with rt.reads() as session:
        receipt = service.batch_receipt(session, batch_id, None)
    _print_receipt(receipt, as_json)


@batches_app.command("errors")
def errors(batch_id: uuid.UUID) -> None:
    """The refused rows of a batch as CSV: row, field, rule, message."""
    rt = runtime()
    with rt.reads() as session:
        service.batch_receipt(session, batch_id, None)
        typer.echo(
            service.errors_csv(service.batch_errors(session, batch_id)).lstrip("\ufeff"), nl=False
        )
