"""`chengxin exchange push-queue`: what is owed to the national platform (R-5.5); `chengxin nodes
…`: the peer nodes this node trusts, and its own identity (issue H)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer

from chengxin.cli_support import Actor, JsonFlag, cli_actor, emit_json, runtime
from chengxin.clock import CHINA_TZ, china_today
from chengxin.errors import ChengxinError
from chengxin.exchange.apply import run_apply
from chengxin.exchange.client import NodeClient, PeerError
from chengxin.exchange.jobs import send_round
from chengxin.exchange.models import PeerNode
from chengxin.exchange.node_rules import fingerprint, parse_public_key, parse_role
from chengxin.exchange.nodes import add_peer, disable_peer, get_peer, list_peers, own_node
from chengxin.exchange.outbox import overdue as overdue_events
from chengxin.exchange.push import queue_summary
from chengxin.runtime import Runtime

HELLO_PATH = "/api/v1/exchange/hello"

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
        with rt.reads() as session:
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


@exchange_app.command("send")
def send(
    peer: Annotated[
        list[str] | None, typer.Option(help="Only this peer's code (repeatable); default all.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One round of the outbox: pack what each enabled peer is owed (change events, and records
    queued for the national platform), then send its packages in order (issue H, R-4.4)."""
    rt = runtime()
    try:
        _known_peers(rt, peer)
        rounds = send_round(rt, peers=peer)
    finally:
        rt.close()
    if as_json:
        emit_json([asdict(d) for d in rounds])
        return
    for d in rounds:
        line = f"{d.receiver}: sent {len(d.sent)}"
        if d.sent:
            line += f" (#{d.sent[0]}–#{d.sent[-1]}, {len(d.duplicates)} held already)"
        if d.failed is not None:
            at = d.retry_at.astimezone(CHINA_TZ).strftime("%H:%M") if d.retry_at else "?"
            line += f"; #{d.failed} failed: {d.error}; next try {at}"
        elif d.waiting is not None and d.retry_at is not None:
            line += f"; #{d.waiting} waits until {d.retry_at.astimezone(CHINA_TZ):%H:%M}"
        elif d.error is not None:
            line += f"; {d.error}"
        typer.echo(line)
    if not rounds:
        typer.echo("no enabled peers")


def _known_peers(rt: Runtime, codes: list[str] | None) -> None:
    """Refuse an unknown peer code, naming it, before any work is done."""
    if codes:
        with rt.reads() as session:
            for code in codes:
                get_peer(session, code)


@exchange_app.command("apply")
def apply(
    peer: Annotated[
        list[str] | None, typer.Option(help="Only this peer's code (repeatable); default all.")
    ] = None,
) -> None:
    """Apply the inbox: each peer's packages in sequence order, each once, then owe it an ack
    (issue H, R-4.4). Prints what was applied and which numbers each peer's packages wait for."""
    rt = runtime()
    try:
        _known_peers(rt, peer)
        typer.echo(run_apply(rt, senders=peer))
    finally:
        rt.close()


@exchange_app.command("overdue")
def overdue(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Oldest rows shown.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Change events past their due day and not acknowledged by the recipient (R-4.4: within 3
    working days): ids, recipients, package numbers and where each stands (not packed, not sent,
    awaiting ack, refused there), no names or ID numbers."""
    rt = runtime()
    try:
        with rt.reads() as session:
            count, rows = overdue_events(session, china_today(rt.clock()), limit=limit)
    finally:
        rt.close()
    if as_json:
        emit_json({"overdue": count, "oldest": [asdict(r) for r in rows]})
        return
    typer.echo(f"overdue {count}")
    for r in rows:
        packed = f"package #{r.sequence} " if r.sequence is not None else ""
        typer.echo(f"  {r.id}  due {r.due_on}  {r.recipient}  record {r.record_id} v{r.version}"
                   f"  {r.change}  {packed}{r.stage.value.replace('_', ' ')}")  # fmt: skip


nodes_app = typer.Typer(
    help="Peer nodes (节点) this node trusts, and this node's own identity (issue H).",
    no_args_is_help=True,
)
# The option each service field comes from, so that a refusal names what the operator typed.
OPTIONS = {"code": "CODE", "role": "--role", "region": "--region", "url": "--url",
           "public_key": "--public-key"}  # fmt: skip


def _peer_row(peer: PeerNode) -> dict[str, Any]:
    return {
        "code": peer.code, "role": peer.role.value, "region": peer.region_code,
        "url": peer.base_url, "public_key": peer.public_key,
        "fingerprint": fingerprint(parse_public_key(peer.public_key)),
        "added_at": peer.added_at, "added_by": peer.added_by,
        "disabled_at": peer.disabled_at, "disabled_by": peer.disabled_by,
    }  # fmt: skip


@nodes_app.command("self")
def self_(as_json: JsonFlag = False) -> None:
    """This node's code, role, region, URL and public key: what a peer's operator needs to add
    it (compare the fingerprint with them by telephone or in person)."""
    rt = runtime()
    own = own_node(rt.settings, rt.keys)
    info = {
        "code": own.code, "role": own.role.value, "region": own.region_code, "url": own.url,
        "public_key": own.public_key, "fingerprint": own.fingerprint,
    }  # fmt: skip
    if as_json:
        emit_json(info)
        return
    for key, value in info.items():
        typer.echo(f"{key}: {value if value is not None else '- (set CHENGXIN_NODE_URL)'}")
    url = own.url or "https://…"
    typer.echo("\nOn the peer node, its operator runs:")
    typer.echo(f"  chengxin nodes add {own.code} --role {own.role.value} "
               f"--region {own.region_code} --url {url} --public-key {own.public_key}")  # fmt: skip


@nodes_app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="The peer's node code (its `nodes self`).")],
    *,
    role: Annotated[str, typer.Option(help="regional or national.")],
    region: Annotated[str, typer.Option(help="The peer's six-digit region code.")],
    url: Annotated[str, typer.Option(help="The peer's base URL: https://host[:port].")],
    public_key: Annotated[str, typer.Option(help="The peer's Ed25519 public key (base64).")],
    actor: Actor = None,
) -> None:
    """Trust a peer node: its requests are accepted when signed with this key, and requests to
    it go to this URL."""
    rt = runtime()
    try:
        parsed_role = parse_role(role)
        with rt.sessions() as session, session.begin():
            peer = add_peer(
                session, rt.clock(), own_node(rt.settings, rt.keys), code=code, role=parsed_role,
                region_code=region, base_url=url, public_key=public_key, actor=cli_actor(actor),
            )  # fmt: skip
            shown = _peer_row(peer)
    except ChengxinError as exc:
        exc.field = OPTIONS.get(exc.field or "", exc.field)
        raise
    typer.echo(f"peer {shown['code']} added ({shown['role']}, {shown['region']}, {shown['url']})")
    typer.echo(f"key fingerprint: {shown['fingerprint']}")


@nodes_app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """The peer nodes on file, disabled ones marked."""
    rt = runtime()
    with rt.reads() as session:
        rows = [_peer_row(p) for p in list_peers(session)]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        mark = "DISABLED" if r["disabled_at"] else ""
        typer.echo(f"{r['code']:<16} {r['role']:<9} {r['region']}  {r['url']}  "
                   f"{r['fingerprint'][:17]}…  {mark}".rstrip())  # fmt: skip


@nodes_app.command("disable")
def disable(code: str, actor: Actor = None) -> None:
    """Refuse a peer from now on: its requests, and requests to it. It stays on file."""
    rt = runtime()
    with rt.sessions() as session, session.begin():
        disable_peer(session, rt.clock(), code, actor=cli_actor(actor))
    typer.echo(f"peer {code} disabled: its requests are refused from now on")


@nodes_app.command("hello")
def hello(code: str, as_json: JsonFlag = False) -> None:
    """Check the connection to a peer: a signed request to its /api/v1/exchange/hello, and its
    signed answer (both keys, both codes and both clocks are tested)."""
    rt = runtime()
    with rt.reads() as session:
        peer = get_peer(session, code)
    with NodeClient.of(rt) as client:
        answer = client.send(peer, "GET", HELLO_PATH)
    try:
        body = answer.json()
    except ValueError:
        raise PeerError(f"{code} answered {answer.status} without JSON: is its URL right?",
                        field="peer", rule="hello-answer") from None  # fmt: skip
    if answer.status != 200:
        raise PeerError(f"{code} answered {answer.status}: {body.get('detail', '')}",
                        field=body.get("field") or "peer", rule=body.get("rule"))  # fmt: skip
    if as_json:
        emit_json(body)
        return
    node, caller = body["node"], body["caller"]
    typer.echo(f"{node['code']} ({node['role']}, {node['region']}) answered, signed; "
               f"it sees this node as {caller['actor']} ({caller['role']})")  # fmt: skip
