"""Properties of the exchange format's canonical JSON (R-5.1): one value has one spelling, so a
package's bytes and digest depend on its content only; the reader takes back exactly what the
writer wrote and refuses every other spelling and every non-JSON line with a named rule."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chengxin.exchange.canonical import (
    MAX_DEPTH,
    MAX_SAFE_INTEGER,
    JsonObject,
    JsonValue,
    dumps,
    line_bytes,
    parse_line,
)
from chengxin.exchange.refusals import PackageRefused

keys = st.text(max_size=6)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER),
    st.text(max_size=8),  # any Unicode but lone surrogates, which record checks refuse
)
values: st.SearchStrategy[JsonValue] = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=10,
)
objects: st.SearchStrategy[JsonObject] = st.dictionaries(keys, values, max_size=4)


def depth(value: Any) -> int:
    """Levels of nesting as the reader counts them: the object is level 1, each value inside a
    level below its container's."""
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 1


def nested(levels: int, *inner: JsonValue) -> JsonValue:
    """`levels` lists, one inside the other, the innermost holding `inner`."""
    value: JsonValue = list(inner)
    for _ in range(levels - 1):
        value = [value]
    return value


def reordered(value: Any) -> Any:
    """The same value with every object's keys in reverse insertion order."""
    if isinstance(value, dict):
        return {k: reordered(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reordered(v) for v in value]
    return value


def read(raw: bytes, line: int) -> JsonObject | PackageRefused:
    try:
        return parse_line(raw, line)
    except PackageRefused as refused:
        return refused


def refusal(raw: bytes) -> str:
    with pytest.raises(PackageRefused) as refused:
        parse_line(raw, 7)
    assert refused.value.line == 7
    return str(refused.value.rule)


@given(objects)
@example({"a": nested(MAX_DEPTH - 1)})  # the most allowed
@example({"a": nested(MAX_DEPTH)})  # one level too deep
@example({"a": nested(MAX_DEPTH - 2, 1)})  # a number at the deepest level allowed
@example({"a": nested(MAX_DEPTH - 1, 1)})  # a number one level too deep
def test_r5_1_a_line_reads_back_as_the_object_written_or_is_refused_as_too_deep(
    obj: JsonObject,
) -> None:
    """R-5.1: parse_line(line) == obj for every object the format allows; one nested deeper
    than the limit is refused as such."""
    raw = line_bytes(obj)
    assert raw.endswith(b"\n")
    assert b"\n" not in raw[:-1]  # one object, one line
    if depth(obj) > MAX_DEPTH:
        assert refusal(raw[:-1]) == "max-depth"
    else:
        assert parse_line(raw[:-1], 1) == obj


@given(objects)
def test_r5_1_canonical_spelling_is_idempotent_and_independent_of_key_order(
    obj: JsonObject,
) -> None:
    """R-5.1: spelling a spelled value again changes nothing; the order keys were inserted in
    changes nothing; so equal content gives equal bytes (and digests)."""
    text = dumps(obj)
    assert dumps(json.loads(text)) == text
    assert dumps(reordered(obj)) == text


@given(objects.filter(lambda o: depth(o) <= MAX_DEPTH))
@example({"b": 1, "a": "诚信"})
def test_r5_1_every_other_spelling_of_the_same_object_is_refused(obj: JsonObject) -> None:
    """R-5.1: spaces, unsorted keys or needless \\u escapes make another spelling of the same
    content; the reader refuses it rather than accept two byte strings for one message."""
    canonical = dumps(obj)
    others = {
        json.dumps(obj),  # spaces after , and :
        json.dumps(obj, sort_keys=True, separators=(",", ":")),  # ASCII escapes
        json.dumps(reordered(obj), ensure_ascii=False, separators=(",", ":")),  # key order
    }
    if obj:  # a space after the first key
        colon = 1 + len(dumps(sorted(obj)[0]))
        others.add(canonical[: colon + 1] + " " + canonical[colon + 1 :])
    for other in others - {canonical}:
        assert json.loads(other) == obj
        assert refusal(other.encode()) == "canonical-json"


@given(st.dictionaries(keys, scalars, min_size=1, max_size=3), st.integers(MAX_SAFE_INTEGER + 1))
def test_r5_1_numbers_outside_the_safe_range_or_with_a_fraction_are_refused(
    obj: JsonObject, big: int
) -> None:
    """R-5.1: integers only, within ±(2**53 - 1); decimals travel as text."""
    key = sorted(obj)[0]
    assert refusal(dumps({**obj, key: big}).encode()) == "integer-range"
    assert refusal(dumps({**obj, key: -big}).encode()) == "integer-range"
    assert refusal(("{" + dumps(key) + ":0.5}").encode()) == "integers-only"


@given(keys, scalars, values)
def test_r5_1_a_repeated_key_is_refused(key: str, first: JsonValue, second: JsonValue) -> None:
    """R-5.1: an object that names a key twice has no single meaning."""
    raw = (
        "{"
        + json.dumps(key)
        + ":"
        + dumps(first)
        + ","
        + json.dumps(key)
        + ":"
        + dumps(second)
        + "}"
    )
    assert refusal(raw.encode()) == "duplicate-key"


@given(st.binary(max_size=64))
@example(b"\xff{}")
@example(b"[" * 5000)
@example(b'{"a":NaN}')
@example(b"[]")
def test_r5_1_any_bytes_are_read_or_refused_with_a_rule_never_crash(raw: bytes) -> None:
    """R-5.1: whatever a peer sends, a line is an object in canonical form or a refusal that
    names the line and the rule."""
    outcome = read(raw, 3)
    if isinstance(outcome, PackageRefused):
        assert outcome.line == 3
        assert outcome.rule
    else:
        assert dumps(outcome).encode() == raw
