"""The asking node's side of a cross-region query (互查, R-5.2): before the door reads, a query it
allows is put to the national node, and the records it answers with are stored here as copies
(`copies.apply_message`), so that the door's read is the union of this node's records and what
the other regions shared upward. A national node that cannot be reached, answers late, refuses or
answers wrongly costs nothing but the other regions' records: the answer says so
(`cross_region: "unavailable"`) and is this node's own."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import httpx2
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chengxin.errors import ChengxinError
from chengxin.exchange.client import NodeClient, PeerAnswer
from chengxin.exchange.copies import Outcome, apply_message
from chengxin.exchange.messages import RecordVersionMessage
from chengxin.exchange.models import PeerNode
from chengxin.exchange.node_rules import NATIONAL_NODE_CODE, NodeRole
from chengxin.exchange.nodes import find_peer
from chengxin.exchange.packages import decode_message
from chengxin.queries.service import LOCAL, CrossAnswer, CrossAsk, CrossRegion
from chengxin.runtime import Runtime

log = logging.getLogger(__name__)
QUERY_PATH = "/api/v1/exchange/queries"
TIMEOUT_SECONDS = 5.0  # a person waits for the answer: a few seconds, then local records only
COMPLETE, PARTIAL, UNAVAILABLE = "complete", "partial", "unavailable"
_KEPT = frozenset({Outcome.APPLIED, Outcome.STALE})  # stored now, or held already


class PeerRefused(ChengxinError):
    """The national node answered, but not with records this node can use."""

    status = 502
    title = "Peer node refused"
    type_slug = "peer-node"

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message, field="answer", rule=rule)


def asker(runtime: Runtime, *, http: httpx2.Client | None = None) -> CrossRegion:
    """The door's `cross_region` for this node (`http`: the tests' client of the national app)."""
    return lambda ask: ask_national(runtime, ask, http=http)


def national_peer(session: Session) -> PeerNode | None:
    """The national node, when it is on file here and enabled."""
    peer = find_peer(session, NATIONAL_NODE_CODE)
    return peer if peer is not None and peer.disabled_at is None else None


def request_body(ask: CrossAsk) -> dict[str, Any]:
    view = ask.view
    return {
        "id_number": ask.id_number, "purpose": ask.purpose.value, "requester": ask.requester,
        "consent_id": str(ask.consent_id) if ask.consent_id else None,
        "legal_basis": ask.legal_basis, "levels": sorted(level.value for level in view.levels),
        "categories": sorted(c.value for c in view.categories) if view.categories else None,
        "unpublicised": view.unpublicised,
    }  # fmt: skip


def ask_national(
    runtime: Runtime, ask: CrossAsk, *, http: httpx2.Client | None = None
) -> CrossAnswer:
    if runtime.settings.node_role == NodeRole.NATIONAL:
        return CrossAnswer(LOCAL)
    with runtime.reads() as session:
        peer = national_peer(session)
        if peer is not None:
            session.expunge(peer)
    if peer is None:
        return CrossAnswer(LOCAL)
    body = json.dumps(request_body(ask), ensure_ascii=False).encode("utf-8")
    try:
        with NodeClient.of(runtime, http=http, timeout=TIMEOUT_SECONDS) as client:
            answer = client.send(peer, "POST", QUERY_PATH, body,
                                 {"Content-Type": "application/json"})  # fmt: skip
        query_id, messages = read_answer(answer, asker=runtime.settings.resolved_node_code)
    except ChengxinError as exc:  # never the reason a query fails: the answer says it
        log.warning("cross-region query: national node unavailable (%s %s)", exc.field, exc.rule)
        return CrossAnswer(UNAVAILABLE)
    now = runtime.clock()
    try:
        with runtime.sessions() as session, session.begin():
            outcomes = [
                apply_message(session, runtime.keys, runtime.workdays, now, sender=peer.code,
                              message=message).outcome
                for message in messages
            ]  # fmt: skip
    except IntegrityError:  # another query stored the same new copy first: ours is rolled back
        log.warning("cross-region query: copies stored by a concurrent query; not stored again")
        return CrossAnswer(PARTIAL, query_id)
    kept = all(outcome in _KEPT for outcome in outcomes)
    if not kept:
        log.warning("cross-region query: %d record(s) not stored", len(outcomes) - sum(
            outcome in _KEPT for outcome in outcomes))  # fmt: skip
    return CrossAnswer(COMPLETE if kept else PARTIAL, query_id)


def read_answer(answer: PeerAnswer, *, asker: str) -> tuple[uuid.UUID, list[RecordVersionMessage]]:
    """The national node's answer checked as a package's messages are: every record a
    `record_version` valid against its schema, none of them this node's own."""
    if answer.status != 200:
        rule = _problem_rule(answer)
        raise PeerRefused(f"the national node refused ({answer.status} {rule})", rule=rule)
    try:
        body = answer.json()
        query_id = uuid.UUID(body["query_id"])
        raw = body["records"]
        if not isinstance(raw, list):
            raise TypeError("records")
    except (ValueError, KeyError, TypeError):
        raise PeerRefused("the answer is not a cross-region answer", rule="answer") from None
    messages = []
    for n, value in enumerate(raw, start=1):
        if not isinstance(value, dict):
            raise PeerRefused("a record is not an object", rule="answer")
        message = decode_message(value, n)
        if not isinstance(message, RecordVersionMessage) or message.origin == asker:
            raise PeerRefused("holds something other than others' records", rule="answer")
        messages.append(message)
    return query_id, messages


def _problem_rule(answer: PeerAnswer) -> str:
    try:
        rule = answer.json().get("rule")
    except (ValueError, AttributeError):
        return "-"
    return str(rule)[:64] if rule else "-"
