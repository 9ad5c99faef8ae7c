"""Issue 9 item 7 (R-5.1): packages from one sender are applied in sequence order whatever order
they arrive in, each once; an early one is held, a late one is a duplicate, a reused number with
other content is refused. Pure rules, with real packages for the digest."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import pytest

from chengxin.exchange.packages import pack, unpack
from chengxin.exchange.sequence import (
    MAX_AHEAD,
    Decision,
    Stream,
    decide,
    missing,
    ready,
    receive,
)
from chengxin.keys import new_key_ring
from tests.exchange.examples import EXAMPLES, NATIONAL, ORIGIN, message_id

A, B, C = "aa" * 32, "bb" * 32, "cc" * 32
EMPTY = Stream()
DECISIONS = [  # sequence, digest, last applied, seen, decision, rule
    (1, A, 0, {}, Decision.APPLY, None),
    (5, A, 4, {4: B}, Decision.APPLY, None),
    (6, A, 4, {}, Decision.HOLD, None),
    (6, A, 4, {6: A}, Decision.HOLD, None),  # the same early package again: still held, once
    (4, A, 4, {4: A}, Decision.DUPLICATE, None),
    (2, A, 4, {}, Decision.DUPLICATE, None),  # applied before, its digest no longer kept
    (4, B, 4, {4: A}, Decision.REFUSE, "sequence-reused"),
    (6, B, 4, {6: A}, Decision.REFUSE, "sequence-reused"),
    (4 + MAX_AHEAD, A, 4, {}, Decision.HOLD, None),
    (5 + MAX_AHEAD, A, 4, {}, Decision.REFUSE, "sequence-ahead"),
    (0, A, 0, {}, Decision.REFUSE, "sequence"),
]  # fmt: skip


@pytest.mark.parametrize(("sequence", "digest", "last", "seen", "decision", "rule"), DECISIONS)
def test_decide(sequence: int, digest: str, last: int, seen: dict[int, str],
                decision: Decision, rule: str | None) -> None:  # fmt: skip
    """Item 7: next → apply; early → hold; applied → duplicate; reused number → refuse."""
    verdict = decide(sequence, digest, last_applied=last, seen=seen)
    assert (verdict.decision, verdict.rule) == (decision, rule)


def test_ready_and_missing() -> None:
    """Item 7: after applying, the unbroken run of held packages follows; the gaps are what the
    receiver asks for again."""
    assert ready(3, [5, 4, 7, 8]) == [4, 5]
    assert ready(3, [5, 7]) == []
    assert ready(0, []) == []
    assert missing(3, [5, 7, 8]) == [4, 6]
    assert missing(3, []) == []
    assert missing(3, [4]) == []


def run(arrivals: list[tuple[int, str]], stream: Stream = EMPTY) -> tuple[list[int], Stream]:
    applied: list[int] = []
    for sequence, digest in arrivals:
        arrival = receive(stream, sequence, digest)
        applied += arrival.apply
        stream = arrival.stream
    return applied, stream


def test_every_arrival_order_applies_in_order_once() -> None:
    """Item 7: all 120 orders of five packages, each also delivered twice (a retry), apply
    1 to 5 in order, each once, and leave nothing held."""
    digests = {n: f"{n:064x}" for n in range(1, 6)}
    for order in itertools.permutations(range(1, 6)):
        arrivals = [(n, digests[n]) for n in order]
        applied, stream = run(arrivals + arrivals[::2])
        assert applied == [1, 2, 3, 4, 5], order
        assert (stream.last_applied, stream.held) == (5, frozenset())


def test_a_node_back_from_an_outage_catches_up() -> None:
    """Item 7: packages 3 to 6 were lost while a node was down and 7 and 8 arrived; the node
    asks for the gap, applies the resent ones and everything after, with no loss and no
    doubles, and refuses a replay of 4 with other content."""
    applied, stream = run([(1, A), (2, A), (7, A), (8, A)])
    assert (applied, missing(stream.last_applied, stream.held)) == ([1, 2], [3, 4, 5, 6])
    resent = run([(3, A), (5, A), (4, A), (5, A), (6, A)], stream)
    assert resent[0] == [3, 4, 5, 6, 7, 8]
    replay = receive(resent[1], 4, B)
    assert (replay.verdict.decision, replay.apply, replay.stream) == (
        Decision.REFUSE, (), resent[1])  # fmt: skip


def test_refused_and_duplicate_arrivals_leave_the_stream_as_it_was() -> None:
    """Item 7: nothing is kept from a refused package or a duplicate."""
    stream = Stream(4, {4: A, 6: A}, frozenset({6}))
    for sequence, digest in [(4, A), (3, C), (6, B), (4 + MAX_AHEAD + 1, A)]:
        arrival = receive(stream, sequence, digest)
        assert arrival.stream is stream
        assert arrival.apply == ()


def test_the_digest_compares_messages_not_packaging() -> None:
    """Item 7 with real packages: the same messages packed again later (a sender that rebuilt
    its outbox) are a duplicate; other messages under the same number are refused."""
    keys = new_key_ring(dt.datetime(2026, 5, 6, tzinfo=dt.UTC))
    expiry = EXAMPLES["expiry"]

    def digest(messages: list[object], hour: int) -> str:
        data = pack(messages, sender=ORIGIN, receiver=NATIONAL, sequence=1,  # type: ignore[arg-type]
                    created_at=dt.datetime(2026, 5, 6, hour, tzinfo=dt.UTC), signer=keys)  # fmt: skip
        return unpack(data, sender=ORIGIN, sender_key=keys.public_key_raw,
                      receiver=NATIONAL).digest  # fmt: skip

    first = receive(Stream(), 1, digest([expiry], 1))
    assert first.apply == (1,)
    again = receive(first.stream, 1, digest([expiry], 9))
    assert again.verdict.decision is Decision.DUPLICATE
    other = dataclasses.replace(expiry, id=message_id(50))  # type: ignore[type-var]
    assert receive(first.stream, 1, digest([other], 1)).verdict.decision is Decision.REFUSE
