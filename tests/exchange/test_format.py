"""R-5.1: the exchange format's messages are versioned JSON Schema files shipped with the package;
every kind has a valid example, typical wrong values are refused with the line, the JSON path
and the rule, and a refusal never quotes the value it refused (it may be an ID number)."""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import hashlib
import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from chengxin.catalog.vocab import Category, DisclosureLevel, SourceKind
from chengxin.exchange import codec
from chengxin.exchange.canonical import dumps, parse_line
from chengxin.exchange.messages import MESSAGE_TYPES, AckOutcome
from chengxin.exchange.packages import Header, decode_message, pack, unpack
from chengxin.exchange.refusals import PackageRefused
from chengxin.exchange.validation import (
    FORMAT_V1,
    FRAME_KINDS,
    MESSAGE_KINDS,
    check_line,
    schema_files,
)
from chengxin.identity.models import OrgRole
from chengxin.keys import DataKey, KeyRing
from chengxin.lists.rules import ListKind, RemovalReason
from chengxin.records.models import Change, RecordStatus
from tests.exchange.examples import EXAMPLES, ID_NUMBER

DOC = Path(__file__).parents[2] / "docs" / "exchange-format.md"


def example_json(kind: str) -> dict[str, Any]:
    value = codec.to_json(EXAMPLES[kind])
    assert isinstance(value, dict)
    return value


def decoded(value: dict[str, Any]) -> None:
    """What `unpack` does with one message line: schema, typed decoding, semantic checks."""
    assert decode_message(value, 2) == codec.from_json(MESSAGE_TYPES[value["kind"]], value)


def test_schemas_are_valid_draft_2020_12_with_ids_naming_their_file() -> None:
    """R-5.1: each file is a valid draft 2020-12 schema; one per line kind, plus shared defs."""
    schemas = schema_files(FORMAT_V1)
    assert set(schemas) == {"defs", *FRAME_KINDS, *MESSAGE_KINDS}
    assert set(MESSAGE_KINDS) == set(MESSAGE_TYPES)
    for name, body in schemas.items():
        Draft202012Validator.check_schema(body)
        assert body["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert body["$id"] == f"urn:chengxin:exchange:1:{name}"


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_every_kind_has_an_example_that_validates_and_round_trips(kind: str) -> None:
    """R-5.1: the example passes its schema and decodes back to the same typed message."""
    value = example_json(kind)
    assert value["kind"] == kind
    decoded(value)
    assert codec.from_json(MESSAGE_TYPES[kind], value) == EXAMPLES[kind]
    assert parse_line(dumps(value).encode(), 2) == value


def test_schema_enums_match_the_platform_vocabulary() -> None:
    """R-5.1: the schema's allowed values are exactly the platform's; a new value is a new
    format version, not a silent change."""
    defs = schema_files()["defs"]["$defs"]
    props = {kind: schema_files()[kind]["properties"] for kind in MESSAGE_KINDS}
    pairs: list[tuple[list[Any], type[StrEnum]]] = [
        (props["record_version"]["change"]["enum"], Change),
        (props["record_version"]["status"]["enum"], RecordStatus),
        (props["record_version"]["category"]["enum"], Category),
        (props["record_version"]["disclosure"]["enum"], DisclosureLevel),
        (defs["source"]["properties"]["kind"]["enum"], SourceKind),
        (props["list_entry"]["list_kind"]["enum"], ListKind),
        (props["list_entry"]["org_role"]["enum"][:-1], OrgRole),
        (props["list_removal"]["removal_reason"]["enum"], RemovalReason),
        (props["ack"]["outcome"]["enum"], AckOutcome),
    ]
    for allowed, enum in pairs:
        assert allowed == [member.value for member in enum], enum.__name__
    assert set(props["correction"]["change"]["enum"]) < set(Change)
    assert set(props["revocation"]["change"]["enum"]) < set(Change)


def test_the_documentation_examples_validate() -> None:
    """R-5.1: every JSON example in docs/exchange-format.md is valid as printed."""
    blocks = re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    kinds = []
    for block in blocks:
        value = json.loads(block)
        kinds.append(value["kind"])
        if value["kind"] in MESSAGE_TYPES:
            decoded(value)
        else:
            check_line(value["kind"], value, 1)
    assert set(MESSAGE_KINDS) | set(FRAME_KINDS) <= set(kinds)


WRONG = [  # kind, JSON path (dots), value (or DROP / an unknown field), rule, refusal's path
    ("record_version", "subject.id_number", "11010519491231002x", "schema:pattern", "$.subject.id_number"),
    ("record_version", "subject.id_number", "110105491231002", "schema:pattern", "$.subject.id_number"),
    ("record_version", "subject.id_number", "110105194912310021", "GB 11643 check character", "$.subject.id_number"),
    ("record_version", "subject.name", " 张三", "name-normal-form", "$.subject.name"),
    ("record_version", "subject.name", "张3", "name-characters", "$.subject.name"),
    ("record_version", "subject.kind", "robot", "schema:enum", "$.subject.kind"),
    ("record_version", "subject.blind_index", "ab" * 32, "schema:additionalProperties", "$.subject"),
    ("record_version", "version", 0, "schema:minimum", "$.version"),
    ("record_version", "version", "1", "schema:type", "$.version"),
    ("record_version", "status", "deleted", "schema:enum", "$.status"),
    ("record_version", "record_id", "0190A3C4-5E6F-7A8B-9C0D-1E2F3A4B5C6D", "schema:pattern", "$.record_id"),
    ("record_version", "at", "2026-05-06T10:30:15+08:00", "schema:pattern", "$.at"),
    ("record_version", "at", "2026-05-06T25:30:15Z", "datetime", "$.at"),
    ("record_version", "kind", "record-version", "message-kind", "$.kind"),
    ("record_version", "kind", "header", "message-kind", "$.kind"),
    ("record_version", "state.decision_date", "2026-02-30", "schema:format", "$.state.decision_date"),
    ("record_version", "state.content_hash", "00" * 32, "content-hash", "$.state.content_hash"),
    ("record_version", "state.content.Fine", "1", "schema:pattern", "$.state.content"),
    ("record_version", "state.content.fine_amount", "9999.00", "content-hash", "$.state.content_hash"),
    ("record_version", "state.display_start", None, "display-period", "$.state.display_start"),
    ("record_version", "state.display_latest_end", "2026-01-01", "display-period", "$.state.display_earliest_end"),
    ("record_version", "source.code", "tax", "schema:pattern", "$.source.code"),
    ("record_version", "origin", "zj", "schema:pattern", "$.origin"),
    ("record_version", "reason", "DROP", "schema:required", "$.reason"),
    ("record_version", "reason", "x" * 501, "schema:maxLength", "$.reason"),
    ("correction", "change", "created", "schema:enum", "$.change"),
    ("correction", "subject", {"kind": "person", "id_number": ID_NUMBER, "name": "张三"}, "schema:additionalProperties", "$"),
    ("revocation", "change", "corrected", "schema:enum", "$.change"),
    ("repair", "rule_set", "", "schema:minLength", "$.rule_set"),
    ("expiry", "display_ended_on", "2029/03/02", "schema:pattern", "$.display_ended_on"),
    ("list_entry", "list_kind", "black", "schema:enum", "$.list_kind"),
    ("list_entry", "org_role", None, "org-listing", "$.org_role"),
    ("list_entry", "via_organisation.uscc", "91110000802100433C", "GB 32100 check character", "$.via_organisation.uscc"),
    ("list_entry", "term_end", "2026-05-05", "term", "$.term_end"),
    ("list_removal", "removal_reason", "pardoned", "schema:enum", "$.removal_reason"),
    ("ack", "outcome", "held", "schema:enum", "$.outcome"),
    ("ack", "refused", [{"message_id": "x", "field": "", "rule": "r"}], "schema:pattern", "$.refused[0].message_id"),
    ("ack", "refused", [{"message_id": ID_NUMBER}], "schema:required", "$.refused[0].field"),
    ("ack", "sequence", 2**53, "schema:maximum", "$.sequence"),
]  # fmt: skip


def changed(kind: str, path: str, new: Any) -> dict[str, Any]:
    value = copy.deepcopy(example_json(kind))
    *parents, last = path.split(".")
    target = value
    for name in parents:
        target = target[name]
    if new == "DROP":
        del target[last]
    else:
        target[last] = new
    return value


@pytest.mark.parametrize(("kind", "path", "new", "rule", "where"), WRONG)
def test_typical_wrong_values_are_refused_with_path_and_rule(
    kind: str, path: str, new: Any, rule: str, where: str
) -> None:
    """R-5.1: one wrong value at a time; the refusal names line, JSON path and rule, and never
    quotes the value sent."""
    with pytest.raises(PackageRefused) as refused:
        decoded(changed(kind, path, new))
    assert (refused.value.rule, refused.value.path, refused.value.line) == (rule, where, 2)
    assert refused.value.field == f"line 2 {where}"
    if isinstance(new, str) and len(new) > 3:
        assert new not in str(refused.value)


def test_an_unknown_field_is_named_unless_it_looks_like_data() -> None:
    """R-5.1: the format allows no extra fields; a key that is not a field name is not quoted."""
    with pytest.raises(PackageRefused, match="unknown field") as refused:
        decoded({**example_json("expiry"), "note": "x"})
    assert '"note"' in str(refused.value)
    with pytest.raises(PackageRefused) as refused:
        decoded({**example_json("expiry"), ID_NUMBER: "x"})
    assert ID_NUMBER not in str(refused.value)


def test_header_schema_and_typed_header() -> None:
    """R-5.1: the header names the format, both nodes, the sequence, the count and digest."""
    header = Header(FORMAT_V1, "CN-330000", "CN-NATIONAL", 7,
                    dt.datetime(2026, 5, 6, 2, 30, tzinfo=dt.UTC), 3, "0f" * 32)  # fmt: skip
    value = codec.to_json(header)
    assert isinstance(value, dict)
    check_line("header", value, 1)
    assert value["created_at"] == "2026-05-06T02:30:00Z"
    assert codec.from_json(Header, value) == header
    for field, wrong in [("format", "chengxin-exchange/2"), ("sequence", 0),
                         ("message_count", 0), ("messages_sha256", "0F" * 32)]:  # fmt: skip
        with pytest.raises(PackageRefused) as refused:
            check_line("header", {**value, field: wrong}, 1)
        assert refused.value.path == f"$.{field}"


def test_instants_keep_microseconds_and_refuse_naive_times() -> None:
    """R-5.1: instants travel in UTC with Z; local times are converted, naive ones refused."""
    china = dt.timezone(dt.timedelta(hours=8))
    assert codec.format_instant(dt.datetime(2026, 5, 6, 10, 0, 0, 5, tzinfo=china)) == (
        "2026-05-06T02:00:00.000005Z"
    )
    with pytest.raises(ValueError, match="time zone"):
        codec.format_instant(dt.datetime(2026, 5, 6, 10, 0))  # noqa: DTZ001 (the point)


CANONICAL = [  # line bytes, rule
    (b'{"a":1, "b":2}', "canonical-json"),
    (b'{"b":1,"a":2}', "canonical-json"),
    (b'{"a":"\\u5f20"}', "canonical-json"),
    (b'{"a":"\\/"}', "canonical-json"),
    (b'{"a":1.5}', "integers-only"),
    (b'{"a":1e3}', "integers-only"),
    (b'{"a":NaN}', "integers-only"),
    (b'{"a":9007199254740992}', "integer-range"),
    (b'{"a":1,"a":2}', "duplicate-key"),
    (b'{"a":"\xff"}', "utf-8"),
    (b'\xef\xbb\xbf{"a":1}', "json"),
    (b'{"a":', "json"),
    (b"[1,2]", "json-object"),
    (b'{"a":' + b"[" * 17 + b"]" * 17 + b"}", "max-depth"),
    (b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}", "max-depth"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "rule"), CANONICAL, ids=[f"c{i}" for i in range(len(CANONICAL))])
def test_lines_must_be_canonical_json(raw: bytes, rule: str) -> None:
    """R-5.1: one spelling per value — sorted keys, no spaces, no needless escapes, integers
    only, no duplicate keys, bounded nesting — so digests depend on content alone."""
    with pytest.raises(PackageRefused) as refused:
        parse_line(raw, 4)
    assert (refused.value.rule, refused.value.line) == (rule, 4)


def test_canonical_spelling_keeps_text_as_it_is() -> None:
    """R-5.1: Chinese text and controls are written as JSON requires and no more."""
    assert (
        dumps({"b": "张三\n\u2028", "a": [True, None, -3]})
        == '{"a":[true,null,-3],"b":"张三\\n\u2028"}'
    )


def test_the_documented_test_vector() -> None:
    """R-5.1: the doc's test vector is what `pack` writes for its key and message, and `unpack`
    accepts it — an integrator's implementation can be checked against it byte for byte."""
    text = DOC.read_text(encoding="utf-8")
    (vector,) = re.findall(r"```jsonl\n(.*?)```", text, flags=re.S)
    seed = hashlib.sha256(b"chengxin exchange test vector").digest()
    ring = KeyRing((DataKey(1, bytes(32), ""),), bytes(32), seed, "")
    assert seed.hex() in text
    assert ring.public_key_b64 in text
    package = unpack(gzip.compress(vector.encode()), sender="CN-330000",
                     sender_key=ring.public_key_raw, receiver="CN-NATIONAL")  # fmt: skip
    assert package.messages == (EXAMPLES["expiry"],)
    again = pack(package.messages, sender="CN-330000", receiver="CN-NATIONAL", sequence=42,
                 created_at=package.header.created_at, signer=ring)  # fmt: skip
    assert gzip.decompress(again) == vector.encode()


def test_the_shipped_files_as_an_integrator_uses_them_agree() -> None:
    """R-5.1: validating with the files and their `$ref`s, as another vendor would, accepts the
    examples and refuses every schema fault above, as chengxin's resolved schemas do."""
    files = schema_files()
    registry: Registry[Any] = Registry().with_resources(
        (body["$id"], Resource.from_contents(body)) for body in files.values()
    )

    def valid(kind: str, value: dict[str, Any]) -> bool:
        checker = Draft202012Validator.FORMAT_CHECKER
        validator = Draft202012Validator(files[kind], registry=registry, format_checker=checker)
        return validator.is_valid(value)

    for kind in MESSAGE_KINDS:
        assert valid(kind, example_json(kind))
    for kind, path, new, rule, _ in WRONG:
        if rule.startswith("schema:"):
            assert not valid(kind, changed(kind, path, new)), (kind, path)
