"""Hostile values in every input of every operation, one input at a time (R-3.6, R-2.2): SQL
injection, path traversal, NUL and control characters, 100,000 characters, wrong types."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.served import unlimited
from tests.hostile.sweep import HOSTILE, Document, Writes, judge
from tests.platform import Platform, platform


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    # A limit the sweep cannot reach: every request must get to the input it attacks.
    with platform(tmp_path_factory.mktemp("hostile-inputs"), "sqlite",
                  CHENGXIN_RATE_LIMIT_PER_MINUTE="1000000") as p:  # fmt: skip
        yield unlimited(p)


def test_r3_6_hostile_values_in_every_input_never_break_leak_or_write(node: Platform) -> None:
    """No 5xx; a refusal is a problem that names the field and the rule, shows no personal
    information (the values carry an ID number and a name) and writes nothing."""
    document = Document(node)
    writes = Writes(node)
    wrong: list[str] = []
    sent = 0
    for operation in document.operations():
        who = document.caller(operation)
        for attack in document.attacks(operation):
            answer = node.call(who=who, **document.request(attack))
            sent += 1
            wrong += judge(answer, attack, writes)
    assert wrong == [], "\n".join(wrong)
    assert sent >= len(HOSTILE) * len(document.operations())
