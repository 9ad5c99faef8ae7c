"""The message schemas shipped with the package (`schemas/v1/*.schema.json`, JSON Schema draft
2020-12) and the check of one line against its schema (R-5.1).

A refusal names the line, the JSON path inside it and the schema keyword it broke, and quotes
the schema's side only (a pattern, a limit, the allowed values), never the value sent."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from chengxin.exchange.canonical import JsonObject
from chengxin.exchange.refusals import PackageRefused

FORMAT_V1 = "chengxin-exchange/1"
SCHEMA_DIRS = {FORMAT_V1: "v1"}  # a later format gets a folder of its own beside v1
FRAME_KINDS = ("header", "signature")  # the first and the last line of a package
MESSAGE_KINDS = (
    "record_version", "correction", "revocation", "repair", "expiry",
    "list_entry", "list_removal", "ack",
)  # fmt: skip
SHOWN_LIMIT = 120  # characters of schema text quoted in a refusal
_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,47}$")


def schema_files(fmt: str = FORMAT_V1) -> dict[str, dict[str, Any]]:
    """The schemas of a format by name (`defs`, `header`, `record_version` …)."""
    folder = files("chengxin.exchange") / "schemas" / SCHEMA_DIRS[fmt]
    found = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".schema.json"):
            found[entry.name.removesuffix(".schema.json")] = json.loads(entry.read_text("utf-8"))
    return found


@functools.cache
def validators(fmt: str = FORMAT_V1) -> Mapping[str, Draft202012Validator]:
    """One validator per line kind. The `$ref`s into the shared definitions are inlined once
    here: the same schema, resolved, and validation twice as fast as looking them up per line."""
    schemas = schema_files(fmt)
    defs = schemas["defs"]
    return {
        name: Draft202012Validator(
            _inlined(body, defs), format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        for name, body in schemas.items()
        if name != "defs"
    }


def _inlined(node: Any, defs: dict[str, Any]) -> Any:
    """`node` with every `{"$ref": "<defs $id>#/$defs/<name>", …}` replaced by the definition
    (its own keywords kept beside it); the definitions do not refer to themselves."""
    if isinstance(node, list):
        return [_inlined(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _inlined(value, defs) for key, value in node.items() if key != "$ref"}
    ref = node.get("$ref")
    if ref is None:
        return out
    base, _, pointer = ref.partition("#/$defs/")
    if base not in ("", defs["$id"]) or pointer not in defs["$defs"]:
        raise ValueError(f"unresolvable $ref {ref}")
    return {**_inlined(defs["$defs"][pointer], defs), **out}


def check_line(kind: str, value: JsonObject, line: int, fmt: str = FORMAT_V1) -> None:
    """Refuse `value` unless it is a valid line of `kind`."""
    error = best_match(validators(fmt)[kind].iter_errors(value))
    if error is not None:
        raise _refusal(kind, error, line)


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_LIMIT else text[: SHOWN_LIMIT - 1] + "…"


def _refusal(kind: str, error: ValidationError, line: int) -> PackageRefused:
    keyword = str(error.validator)
    path = error.json_path
    expected: Any = error.validator_value
    instance = error.instance
    schema: Any = error.schema
    if keyword == "required" and isinstance(instance, dict):
        missing = [name for name in expected if name not in instance]
        path = f"{path}.{missing[0]}" if missing else path
        message = "is required"
    elif keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = schema.get("properties", {})
        extra = sorted(name for name in instance if name not in allowed)
        named = [name for name in extra if _FIELD_NAME.match(name)]  # never quote odd keys
        message = f"unknown field(s) {_shown(named) if named else ''}; this format allows no others"
    elif keyword == "type":
        message = f"must be of type {_shown(expected)}"
    elif keyword in ("enum", "const"):
        message = f"must be {'one of ' if keyword == 'enum' else ''}{_shown(expected)}"
    elif keyword == "pattern":
        message = f"must match {_shown(expected)}"
    elif keyword == "format":
        message = f"is not a valid {expected}"
    else:
        message = f"breaks {keyword} {_shown(expected)}"
    return PackageRefused(
        f"{message} ({kind}.schema.json)", rule=f"schema:{keyword}", line=line, path=path
    )
