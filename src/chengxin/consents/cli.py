"""`chengxin consents …`: record a written consent (书面授权) or its withdrawal, list, verify the
signatures, and print the purposes (R-3.4, R-5.3)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import typer

from chengxin.cli_support import Actor, JsonFlag, cli_actor, emit_json, runtime
from chengxin.clock import china_today
from chengxin.consents import service
from chengxin.consents.models import Consent
from chengxin.consents.rules import CONSENTABLE, PURPOSE_LABELS, parse_purpose, parse_scope
from chengxin.errors import InvalidInput, NotFound
from chengxin.identity.service import find_person
from chengxin.requesters.cli import parse_day
from chengxin.requesters.models import Requester

consents_app = typer.Typer(
    help="Consents (授权): record, withdraw, list, verify signatures; purposes.",
    no_args_is_help=True,
)


def _list(raw: str | None) -> list[str] | None:
    return None if raw is None else [part for part in raw.split(",") if part.strip()]


def _consent_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise InvalidInput("must be a consent id (UUID)", field="consent_id", rule="uuid") from None


def _row(consent: Consent, requester: Requester) -> dict[str, Any]:
    scope = service.scope_of(consent).as_dict()
    return {
        "id": consent.id, "subject_id": consent.subject_id, "requester": requester.code,
        "purpose": consent.purpose.value, "levels": scope["levels"],
        "categories": scope["categories"], "valid_from": consent.valid_from,
        "valid_until": consent.valid_until, "status": consent.status.value,
        "version": consent.version, "created_at": consent.created_at,
        "created_by": consent.created_by, "withdrawn_at": consent.withdrawn_at,
    }  # fmt: skip


@consents_app.command("grant")
def grant(
    *,
    id_number: Annotated[str, typer.Option(help="The person's citizen ID number.")],
    requester: Annotated[str, typer.Option(help="Code of the requester.")],
    purpose: Annotated[str, typer.Option(help="Purpose; see `chengxin consents purposes`.")],
    until: Annotated[str, typer.Option(help="Last day of validity (YYYY-MM-DD, China).")],
    from_: Annotated[
        str | None, typer.Option("--from", help="First day (YYYY-MM-DD); default today.")
    ] = None,
    levels: Annotated[
        str | None,
        typer.Option(help="Disclosure levels, comma-separated; default public,authorised."),
    ] = None,
    categories: Annotated[
        str | None, typer.Option(help="Categories, comma-separated; default all.")
    ] = None,
    actor: Actor = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a person's written consent (书面授权); the person must already be registered."""
    chosen_purpose = parse_purpose(purpose)
    scope = parse_scope(_list(levels), _list(categories))
    last_day = parse_day(until, "until")
    first_day = None if from_ is None else parse_day(from_, "from")
    rt = runtime()
    now = rt.clock()
    with rt.sessions() as session, session.begin():
        subject_id = find_person(session, rt.keys, id_number, china_today(now))
        if subject_id is None:
            raise NotFound("no person with this ID number is registered", field="id_number")
        consent = service.grant_consent(
            session, rt.keys, now, subject_id=subject_id, requester_code=requester,
            purpose=chosen_purpose, scope=scope, valid_until=last_day, valid_from=first_day,
            actor=cli_actor(actor),
        )  # fmt: skip
        row = _row(consent, session.get_one(Requester, consent.requester_id))
    if as_json:
        emit_json(row)
        return
    typer.echo(f"consent {consent.id} granted (version 1), valid "
               f"{consent.valid_from.isoformat()} – {consent.valid_until.isoformat()}")  # fmt: skip


@consents_app.command("withdraw")
def withdraw(
    consent_id: str,
    reason: Annotated[str, typer.Option(help="Why (as the person wrote it).")],
    actor: Actor = None,
) -> None:
    """Record the withdrawal of a consent (撤回授权); it stops opening anything at once."""
    cid = _consent_id(consent_id)
    rt = runtime()
    with rt.sessions() as session, session.begin():
        subject_id = service.get_consent(session, cid).subject_id
        consent = service.withdraw_consent(
            session, rt.keys, rt.clock(), consent_id=cid, subject_id=subject_id, reason=reason,
            actor=cli_actor(actor),
        )  # fmt: skip
    typer.echo(f"consent {consent.id} withdrawn (version {consent.version})")


@consents_app.command("list")
def list_(
    requester: Annotated[str | None, typer.Option(help="Only this requester's.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Consents, newest first (subject ids only, no names or ID numbers)."""
    rt = runtime()
    with rt.reads() as session:
        consents = service.consents_for(session, requester_code=requester)
        requesters = service.requesters_by_id(session, consents)
        rows = [_row(c, requesters[c.requester_id]) for c in consents]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']}  {r['status']:<9} v{r['version']}  {r['requester']:<16} "
                   f"{r['purpose']:<20} until {r['valid_until']:%Y-%m-%d %H:%M}Z  "
                   f"subject {r['subject_id']}")  # fmt: skip


@consents_app.command("verify")
def verify(consent_id: str) -> None:
    """Check every signed version of a consent; exit 1 and list the problems if one fails."""
    cid = _consent_id(consent_id)
    rt = runtime()
    with rt.reads() as session:
        problems = service.verify_consent(session, rt.keys, cid)
        versions = len(service.versions_of(session, cid))
    if problems:
        for problem in problems:
            typer.echo(f"problem: {problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"consent {cid}: {versions} signed version(s), signatures and row agree")


@consents_app.command("purposes")
def purposes(as_json: JsonFlag = False) -> None:
    """The purposes (查询用途) and whether a consent may be given for each."""
    rows = [
        {"code": p.value, "zh": zh, "en": en, "consentable": p in CONSENTABLE}
        for p, (zh, en) in PURPOSE_LABELS.items()
    ]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        note = "" if r["consentable"] else "  (legal basis, never by consent)"
        typer.echo(f"{r['code']:<22} {r['zh']}  {r['en']}{note}")
