"""Ordering and de-duplication of packages from one sender (R-5.1, issue 9 item 7). Pure.

Every sender numbers its packages to each receiver 1, 2, 3 … with no gaps. The receiver applies
them in that order whatever order they arrive in: the next one is applied now, a later one is
held until the gap before it is filled, an earlier one is a duplicate (acknowledged again,
applied never twice). The same number with other messages is refused: a sender never reuses a
number, so that is a replay of something else or a sender that lost its count.

A package is compared by its digest (`Package.digest`, the SHA-256 of its message lines), which
depends on the messages only: the same messages packed again at another time compare equal."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

MAX_AHEAD = 1000  # how far past the last applied number a receiver holds packages


class Decision(StrEnum):
    APPLY = "apply"  # the next in line: apply it, then whatever held packages follow it
    HOLD = "hold"  # arrived early: keep it (once), apply it when the gap before it is filled
    DUPLICATE = "duplicate"  # applied before: acknowledge again, apply nothing
    REFUSE = "refuse"  # a reused number with other content, or too far ahead: keep nothing


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    rule: str | None = None  # set when refused
    message: str = ""


def decide(
    sequence: int,
    digest: str,
    *,
    last_applied: int,
    seen: Mapping[int, str],
    max_ahead: int = MAX_AHEAD,
) -> Verdict:
    """What to do with package `sequence` (digest `digest`) from a sender, given the last number
    applied from it (0: none yet) and the digests of the packages received from it and kept
    (applied or held), by number."""
    if sequence < 1:
        return Verdict(Decision.REFUSE, "sequence", "sequence numbers start at 1")
    known = seen.get(sequence)
    if known is not None and known != digest:
        return Verdict(Decision.REFUSE, "sequence-reused",
                       f"sequence {sequence} was received before with other messages")  # fmt: skip
    if sequence <= last_applied:
        return Verdict(Decision.DUPLICATE, None, f"sequence {sequence} was applied before")
    if sequence == last_applied + 1:
        return Verdict(Decision.APPLY)
    if sequence - last_applied > max_ahead:
        return Verdict(Decision.REFUSE, "sequence-ahead",
                       f"more than {max_ahead} past the last applied, {last_applied}; "
                       "send the missing ones first")  # fmt: skip
    return Verdict(Decision.HOLD, None, f"waits for {last_applied + 1}")


def ready(last_applied: int, held: Iterable[int]) -> list[int]:
    """The held numbers that may be applied now, in order: the unbroken run after
    `last_applied` (call after each package applied, or with the one just applied)."""
    waiting = set(held)
    run = []
    following = last_applied + 1
    while following in waiting:
        run.append(following)
        following += 1
    return run


def missing(last_applied: int, held: Iterable[int]) -> list[int]:
    """The numbers the receiver waits for before it can apply what it holds: what to ask the
    sender to send again after an outage."""
    waiting = set(held)
    if not waiting:
        return []
    return [n for n in range(last_applied + 1, max(waiting)) if n not in waiting]


@dataclass(frozen=True)
class Stream:
    """What a receiver knows of one sender: the last number applied, the digests of packages
    kept by number, and the numbers held (received, not applied)."""

    last_applied: int = 0
    digests: Mapping[int, str] = field(default_factory=dict)
    held: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Arrival:
    """The outcome of one package arriving: the verdict, the numbers to apply now in order (the
    package itself first when it is next, then held ones it unblocks), and the stream after."""

    verdict: Verdict
    apply: tuple[int, ...]
    stream: Stream


def receive(stream: Stream, sequence: int, digest: str, *, max_ahead: int = MAX_AHEAD) -> Arrival:
    """Fold one arrival into a stream: `decide`, then `ready` for what it unblocks."""
    verdict = decide(sequence, digest, last_applied=stream.last_applied, seen=stream.digests,
                     max_ahead=max_ahead)  # fmt: skip
    if verdict.decision in (Decision.DUPLICATE, Decision.REFUSE):
        return Arrival(verdict, (), stream)
    digests = {**stream.digests, sequence: digest}
    if verdict.decision is Decision.HOLD:
        return Arrival(verdict, (), Stream(stream.last_applied, digests,
                                           stream.held | {sequence}))  # fmt: skip
    run = (sequence, *ready(sequence, stream.held))
    after = Stream(run[-1], digests, stream.held - set(run))
    return Arrival(verdict, run, after)
