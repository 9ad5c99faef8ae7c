"""`chengxin agencies …`: credit agencies (征信机构), agreements with them, and their exports
(R-5.5). Refusals name the option the operator typed and the rule; nothing is written then."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated

import typer

from chengxin.agencies.jobs import run_exports
from chengxin.agencies.rules import parse_frequency, parse_purposes
from chengxin.agencies.service import (
    add_agency,
    end_agreement,
    get_agency,
    list_agencies,
    list_agreements,
    make_agreement,
)
from chengxin.cli_support import Actor, JsonFlag, cli_actor, emit_json, runtime
from chengxin.errors import ChengxinError, InvalidInput
from chengxin.exchange.node_rules import fingerprint, parse_public_key
from chengxin.requesters.cli import parse_day

agencies_app = typer.Typer(
    help="Credit agencies (征信机构): agreements and scheduled exports (R-5.5).",
    no_args_is_help=True,
)
# The option each service field comes from, so that a refusal names what the operator typed.
OPTIONS = {"code": "CODE", "name": "--name", "public_key": "--public-key", "agency": "AGENCY",
           "items": "--item", "purposes": "--purpose", "frequency": "--frequency",
           "valid_from": "--valid-from", "valid_until": "--valid-until",
           "legal_basis": "--legal-basis", "agreement": "AGREEMENT"}  # fmt: skip


def _named(exc: ChengxinError) -> ChengxinError:
    """The refusal naming the option typed and, in brackets, the rule broken."""
    exc.field = OPTIONS.get(exc.field or "", exc.field)
    if exc.rule:
        exc.message = f"{exc.message} [{exc.rule}]"
    return exc


@agencies_app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="The agency's code, e.g. BAIHANG (the receiver).")],
    *,
    name: Annotated[str, typer.Option(help="The agency's registered name.")],
    public_key: Annotated[
        str | None, typer.Option(help="The agency's Ed25519 public key (base64), if any.")
    ] = None,
    actor: Actor = None,
) -> None:
    """Register a credit agency (征信机构)."""
    rt = runtime()
    try:
        with rt.sessions() as session, session.begin():
            agency = add_agency(session, rt.clock(), code=code, name=name,
                                public_key=public_key, actor=cli_actor(actor))  # fmt: skip
            shown, key = agency.code, agency.public_key
    except ChengxinError as exc:
        raise _named(exc) from None
    finally:
        rt.close()
    typer.echo(f"agency {shown} added")
    if key:
        typer.echo(f"key fingerprint: {fingerprint(parse_public_key(key))}")


@agencies_app.command("agree")
def agree(
    agency: Annotated[str, typer.Argument(help="The agency's code.")],
    *,
    item: Annotated[list[str], typer.Option(help="A public catalog item code (repeatable).")],
    purpose: Annotated[list[str], typer.Option(help="A purpose (repeatable).")],
    frequency: Annotated[str, typer.Option(help="daily, weekly or monthly.")],
    valid_from: Annotated[str, typer.Option(help="First day in force, YYYY-MM-DD.")],
    legal_basis: Annotated[str, typer.Option(help="The legal basis and agreement reference.")],
    valid_until: Annotated[str | None, typer.Option(help="Last day in force, YYYY-MM-DD.")] = None,
    actor: Actor = None,
) -> None:
    """Make an agreement (协议): which public items, for which purposes, how often."""
    rt = runtime()
    try:
        purposes = parse_purposes(purpose)
        chosen = parse_frequency(frequency)
        first = parse_day(valid_from, "valid_from")
        last = parse_day(valid_until, "valid_until") if valid_until is not None else None
        with rt.sessions() as session, session.begin():
            made = make_agreement(
                session, rt.catalog, rt.clock(), agency_code=agency, items=item,
                purposes=purposes, frequency=chosen, valid_from=first, valid_until=last,
                legal_basis=legal_basis, actor=cli_actor(actor),
            )  # fmt: skip
            made_id = made.id
    except ChengxinError as exc:
        raise _named(exc) from None
    finally:
        rt.close()
    typer.echo(f"agreement {made_id} with {agency}: {', '.join(sorted(set(item)))} "
               f"({chosen.value})")  # fmt: skip


@agencies_app.command("end")
def end(
    agreement: Annotated[str, typer.Argument(help="The agreement's id.")], actor: Actor = None
) -> None:
    """End an agreement now: nothing more is exported under it."""
    rt = runtime()
    try:
        try:
            agreement_id = uuid.UUID(agreement.strip())
        except ValueError:
            raise InvalidInput("is not an agreement id (UUID)", field="agreement",
                               rule="uuid") from None  # fmt: skip
        with rt.sessions() as session, session.begin():
            end_agreement(session, rt.clock(), agreement_id, actor=cli_actor(actor))
    except ChengxinError as exc:
        raise _named(exc) from None
    finally:
        rt.close()
    typer.echo(f"agreement {agreement_id} ended")


@agencies_app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """The agencies on file and their agreements (ended ones marked)."""
    rt = runtime()
    try:
        with rt.reads() as session:
            agencies = [{"code": a.code, "name": a.name, "public_key": a.public_key,
                         "added_at": a.added_at} for a in list_agencies(session)]  # fmt: skip
            agreements = [asdict(v) for v in list_agreements(session)]
    finally:
        rt.close()
    if as_json:
        emit_json({"agencies": agencies, "agreements": agreements})
        return
    for a in agencies:
        typer.echo(f"{a['code']:<16} {a['name']}")
        for g in (g for g in agreements if g["agency"] == a["code"]):
            until = g["valid_until"] or "…"
            mark = "  ENDED" if g["ended_at"] else ""
            typer.echo(f"  {g['id']}  {g['frequency']:<7} {g['valid_from']} – {until}  "
                       f"{', '.join(g['items'])}{mark}")  # fmt: skip


@agencies_app.command("export")
def export(
    agency: Annotated[str | None, typer.Option(help="Only this agency's code.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Make the exports that are due now (as the `agencies` job does)."""
    rt = runtime()
    try:
        if agency is not None:
            with rt.reads() as session:
                get_agency(session, agency)  # an unknown code is refused, naming it
        done = run_exports(rt, agency=agency)
    except ChengxinError as exc:
        if exc.field == "agency":
            exc.field = "--agency" if agency is not None else exc.field
        raise _named(exc) from None
    finally:
        rt.close()
    if as_json:
        emit_json([asdict(e) for e in done])
        return
    for e in done:
        typer.echo(f"{e.agency} #{e.sequence}: {e.records} records  {e.path}  sha256 {e.sha256}")
    if not done:
        typer.echo("nothing due or nothing new")
