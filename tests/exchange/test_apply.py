"""Applying the inbox (issue H item 7, R-4.4): packages from a peer are applied in their sequence
order whatever order they arrived in, each once, and each acknowledged."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from chengxin.exchange.apply import Receiver, apply_inbox, run_apply
from chengxin.exchange.inbox import inbox_of, receive_package
from chengxin.exchange.messages import Message
from chengxin.exchange.models import AckDue, InboxState
from chengxin.exchange.node_rules import NodeRole
from chengxin.exchange.nodes import add_peer, own_node
from chengxin.exchange.packages import Limits, pack, unpack
from chengxin.jobs.runner import JOBS, PERIODIC
from chengxin.keys import KeyRing, new_key_ring
from chengxin.records.models import Record, RecordStatus
from tests.conftest import NOW
from tests.exchange.examples import EXAMPLES, NATIONAL, ORIGIN, RECORD
from tests.platform import Platform, platform

SENDER_KEYS = new_key_ring(NOW)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def national(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    with platform(tmp_path_factory.mktemp("national"), request.param,
                  CHENGXIN_NODE_ROLE="national") as p:  # fmt: skip
        with p.rt.sessions() as session, session.begin():
            add_peer(session, NOW, own_node(p.rt.settings, p.rt.keys), code=ORIGIN,
                     role=NodeRole.REGIONAL, region_code="330000", base_url="http://127.0.0.1:9",
                     public_key=SENDER_KEYS.public_key_b64, actor="test")  # fmt: skip
        yield p


def _package(sequence: int, *messages: Message, keys: KeyRing = SENDER_KEYS) -> bytes:
    return pack(list(messages), sender=ORIGIN, receiver=NATIONAL, sequence=sequence,
                created_at=NOW, signer=keys)  # fmt: skip


def _receive(p: Platform, sequence: int, data: bytes) -> None:
    digest = unpack(data, sender=ORIGIN, sender_key=SENDER_KEYS.public_key_raw,
                    receiver=NATIONAL).header.messages_sha256  # fmt: skip
    with p.rt.sessions() as session, session.begin():
        receive_package(session, p.rt.keys, NOW, sender=ORIGIN, sequence=sequence,
                        digest=digest, body=data)  # fmt: skip


def _apply(p: Platform) -> list[tuple[int, int, int]]:
    me = Receiver(code=NATIONAL, keys=p.rt.keys, calendar=p.rt.workdays, limits=Limits())
    report = apply_inbox(p.rt.sessions, me, NOW)
    return [(a.sequence, a.applied, a.refused) for a in report.packages]


def test_h_packages_are_applied_in_sequence_order(national: Platform) -> None:
    """Issue H item 7: package 3 and 1 arrive, 2 is late: 1 is applied and 3 waits; when 2
    arrives, 2 then 3 are applied, so the copy ends revoked (3), not corrected (2). Each package
    is applied once and owes its sender an ack."""
    packages = {1: _package(1, EXAMPLES["record_version"]),
                2: _package(2, EXAMPLES["correction"]),
                3: _package(3, EXAMPLES["revocation"])}  # fmt: skip
    _receive(national, 3, packages[3])
    _receive(national, 1, packages[1])
    assert _apply(national) == [(1, 1, 0)]
    me = Receiver(code=NATIONAL, keys=national.rt.keys, calendar=national.rt.workdays,
                  limits=Limits())  # fmt: skip
    assert apply_inbox(national.rt.sessions, me, NOW).waiting == {ORIGIN: [2]}
    _receive(national, 2, packages[2])
    assert _apply(national) == [(2, 1, 0), (3, 1, 0)]
    assert _apply(national) == []
    with national.rt.sessions() as session:
        copy = session.get_one(Record, RECORD)
        held = inbox_of(session, ORIGIN)
        acks = session.scalars(select(AckDue).order_by(AckDue.sequence)).all()
    assert (copy.version, copy.status) == (3, RecordStatus.REVOKED)
    assert [(p.sequence, p.state, p.applied) for p in held] == [
        (n, InboxState.APPLIED.value, 1) for n in (1, 2, 3)
    ]
    assert [(a.sequence, a.outcome) for a in acks] == [(n, "applied") for n in (1, 2, 3)]


def test_h_refused_messages_are_named_in_the_ack(national: Platform) -> None:
    """R-5.1: a message this node will not apply (here a list entry, which copies do not hold)
    is refused by id, field and rule in the ack; the rest of its package applies."""
    _receive(national, 1, _package(1, EXAMPLES["list_entry"], EXAMPLES["record_version"]))
    assert _apply(national) == [(1, 1, 1)]
    with national.rt.sessions() as session:
        (ack,) = session.scalars(select(AckDue))
    assert json.loads(ack.refused) == [{"message_id": str(EXAMPLES["list_entry"].id),
                                        "field": "type", "rule": "kind-unsupported"}]  # fmt: skip


def test_h_a_package_of_acks_only_is_not_acked_back(national: Platform) -> None:
    """Issue H: acks are not acknowledged, or two nodes would answer each other for ever."""
    _receive(national, 1, _package(1, EXAMPLES["ack"]))
    assert _apply(national) == [(1, 0, 0)]
    with national.rt.sessions() as session:
        assert session.scalars(select(AckDue)).all() == []


def test_h_apply_is_a_periodic_job(national: Platform) -> None:
    """R-4.4: the inbox is applied by the jobs, every round, and reports what it did."""
    assert JOBS["apply"] is run_apply
    assert "apply" in PERIODIC
    _receive(national, 2, _package(2, EXAMPLES["correction"]))
    assert run_apply(national.rt) == (
        f"applied 0 packages (0 changes, 0 messages refused); {ORIGIN} waits for 1"
    )
