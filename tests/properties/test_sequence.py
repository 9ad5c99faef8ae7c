"""Properties of package ordering between nodes (R-5.1, R-5.2, R-4.4): whatever order packages
arrive in, and however often each is sent again, every package is applied exactly once and in
its sender's order; a number reused for other messages is refused and changes nothing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chengxin.exchange.sequence import (
    Decision,
    Stream,
    decide,
    missing,
    ready,
    receive,
)


def digest(n: int) -> str:
    return f"sha256-of-package-{n}"


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[int, list[int]]:
    """n packages, each delivered at least once, in any order, with repeats."""
    n = draw(st.integers(0, 30))
    repeats = draw(st.lists(st.integers(1, n), max_size=2 * n)) if n else []
    order = draw(st.permutations([*range(1, n + 1), *repeats]))
    return n, order


def run(arrivals: list[int], *, max_ahead: int = 1000) -> tuple[list[int], Stream, list[Decision]]:
    stream = Stream()
    applied: list[int] = []
    decisions: list[Decision] = []
    for seq in arrivals:
        arrival = receive(stream, seq, digest(seq), max_ahead=max_ahead)
        applied.extend(arrival.apply)
        decisions.append(arrival.verdict.decision)
        stream = arrival.stream
    return applied, stream, decisions


@given(deliveries())
def test_r5_1_every_package_is_applied_once_in_order_whatever_the_arrival_order(
    case: tuple[int, list[int]],
) -> None:
    """R-5.1: the receiver applies 1, 2, …, n exactly once each and in order; nothing stays
    held; re-deliveries are duplicates or holds, never applied again."""
    n, arrivals = case
    applied, stream, decisions = run(arrivals)
    assert applied == list(range(1, n + 1))
    assert stream.last_applied == n
    assert stream.held == frozenset()
    assert Decision.REFUSE not in decisions


@given(deliveries(), st.data())
def test_r5_1_at_every_moment_the_applied_ones_are_a_prefix_and_the_gaps_are_known(
    case: tuple[int, list[int]], data: st.DataObject
) -> None:
    """R-5.1, R-4.4: after any part of the deliveries, what was applied is 1..k without a gap,
    what is held lies beyond k + 1, and `missing` names exactly the numbers still awaited
    below the highest held one."""
    _n, arrivals = case
    cut = data.draw(st.integers(0, len(arrivals)), label="cut")
    applied, stream, _ = run(arrivals[:cut])
    k = stream.last_applied
    assert applied == list(range(1, k + 1))
    assert all(h > k + 1 for h in stream.held)
    assert ready(k, stream.held) == []
    received = set(arrivals[:cut])
    expected = [m for m in range(k + 1, max(stream.held, default=k)) if m not in received]
    assert missing(k, stream.held) == expected


@given(deliveries(), st.data())
def test_r5_1_a_number_reused_for_other_messages_is_refused_and_changes_nothing(
    case: tuple[int, list[int]], data: st.DataObject
) -> None:
    """R-5.1: once a number was received with one digest, another digest under that number
    (a replay of something else, or a sender that lost its count) is refused."""
    n, arrivals = case
    if not n:
        return
    cut = data.draw(st.integers(1, len(arrivals)), label="cut")
    _, stream, _ = run(arrivals[:cut])
    seq = data.draw(st.sampled_from(sorted(set(arrivals[:cut]))), label="seq")
    arrival = receive(stream, seq, "sha256-of-something-else")
    assert arrival.verdict.decision is Decision.REFUSE
    assert arrival.verdict.rule == "sequence-reused"
    assert arrival.apply == ()
    assert arrival.stream == stream


@given(st.integers(-5, 3000), st.integers(0, 2000), st.integers(1, 1000))
def test_r5_1_the_decision_depends_only_on_where_the_number_lies(
    seq: int, last: int, max_ahead: int
) -> None:
    """R-5.1: for a number not seen before: below 1 refused, up to the last applied a
    duplicate, the next one applied, up to `max_ahead` past the last held, beyond refused."""
    verdict = decide(seq, digest(seq), last_applied=last, seen={}, max_ahead=max_ahead)
    if seq < 1:
        expected = Decision.REFUSE
    elif seq <= last:
        expected = Decision.DUPLICATE
    elif seq == last + 1:
        expected = Decision.APPLY
    elif seq - last <= max_ahead:
        expected = Decision.HOLD
    else:
        expected = Decision.REFUSE
    assert verdict.decision is expected
    assert (verdict.rule is not None) == (expected is Decision.REFUSE)
