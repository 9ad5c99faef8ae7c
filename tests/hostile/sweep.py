"""A hostile-input sweep: every input of every operation of the served OpenAPI document, in
turn, gets SQL injection, path traversal, NUL and control characters, a 100,000-character
string and a value of the wrong type, sent by a caller the operation admits (so the input gets
past the permission check). Each answer is judged by `judge`; `Writes` tells what a request
wrote."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, select

from chengxin.access.permissions import ROLE_PERMISSIONS
from chengxin.db import all_models_metadata
from chengxin.ledger.models import LedgerEntry
from tests.hostile.served import LOGOUT, PERSONAL, ROLES, TRACEBACK, permissions_of
from tests.platform import ALICE, Platform

SQL_INJECTION = (f"{ALICE}' OR '1'='1", "张一 1; DROP TABLE records;--")  # also: not echoed
TRAVERSAL = ("../../etc/passwd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd")
CONTROL = "a\x00b\x01\x08\x1b[2J\r\nc\u202e\ufeff"  # NUL, controls, an escape, bidi, BOM
LONG = "A" * 100_000
HOSTILE = (*SQL_INJECTION, *TRAVERSAL, CONTROL, LONG)
# In a URL: the client refuses URLs over 64 KiB (and uvicorn's h11 a request head over 16 KiB).
IN_URL = (*SQL_INJECTION, *TRAVERSAL, CONTROL, "A" * 60_000)
WRONG_TYPE = {"$ne": None}  # for a string field: an object (and an operator-injection shape)
EXAMPLE_UUID = "00000000-0000-4000-8000-000000000000"
EVIDENCE = ("evidence.pdf", b"%PDF-1.4\n%hostile sweep\n", "application/pdf")
# Written on a refusal on purpose: a refused query is registered with its ledger entry,
# a failed login is counted for the throttle.
WRITTEN_ON_REFUSAL = {"query_register", "ledger_entries", "ledger_nodes", "ledger_head",
                      "login_attempts"}  # fmt: skip


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Attack:
    """One request: the operation, the input under attack and the value it got."""

    operation: Operation
    where: str  # path, query, json or form
    name: str
    value: Any

    def __str__(self) -> str:
        shown = repr(self.value)
        return (
            f"{self.operation.label} {self.where}.{self.name}={shown[:40]}{'…' * (len(shown) > 40)}"
        )


class Document:
    """The served OpenAPI document, with its references resolved on demand."""

    def __init__(self, node: Platform) -> None:
        self.raw = node.client.get("/openapi.json").json()
        self.permissions = dict(permissions_of(node.client.app.routes))  # type: ignore[attr-defined]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.raw["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def operations(self) -> list[Operation]:
        found = [Operation(method.upper(), path, spec)
                 for path, item in self.raw["paths"].items() for method, spec in item.items()]  # fmt: skip
        return sorted(found, key=lambda op: op.label == LOGOUT)  # it ends a session: last

    def caller(self, operation: Operation) -> str | None:
        """The first role (public first) the operation admits."""
        permission = self.permissions.get(operation.label)
        return next(who for who, role in ROLES.items()
                    if permission is None or permission in ROLE_PERMISSIONS[role])  # fmt: skip

    def body(self, operation: Operation) -> tuple[str, dict[str, Any]] | None:
        """The media type of the request body and its (resolved) schema."""
        content = operation.spec.get("requestBody", {}).get("content", {})
        for media_type, entry in content.items():
            return media_type, self.resolve(entry.get("schema", {}))
        return None

    def sample(self, schema: dict[str, Any]) -> Any:
        """A plain valid-looking value for `schema` (only required members of objects)."""
        schema = self.resolve(schema)
        for option in schema.get("anyOf", []):
            if option.get("type") != "null":
                return self.sample(option)
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type", "string")
        if kind == "object":
            properties = schema.get("properties", {})
            return {name: self.sample(properties[name]) for name in schema.get("required", [])}
        samples = {"array": [], "integer": schema.get("minimum", 1), "number": 1,
                   "boolean": False}  # fmt: skip
        if kind in samples:
            return samples[kind]
        formats = {"uuid": EXAMPLE_UUID, "date": "2026-11-26",
                   "date-time": "2026-11-26T02:00:00Z", "binary": None}  # fmt: skip
        return formats.get(schema.get("format", ""), "X" * max(1, schema.get("minLength", 1)))

    def attacks(self, operation: Operation) -> Iterator[Attack]:
        for parameter in operation.spec.get("parameters", []):
            where = parameter["in"]
            for value in IN_URL if where in {"path", "query"} else HOSTILE:
                yield Attack(operation, where, parameter["name"], value)
        body = self.body(operation)
        if body is None:
            return
        media_type, schema = body
        where = "json" if media_type == "application/json" else "form"
        for name, member in schema.get("properties", {}).items():
            if "binary" in json.dumps(self.resolve(member)):
                continue  # files: tests/hostile/test_requests.py sends hostile files
            values: tuple[Any, ...] = HOSTILE
            if where == "json" and isinstance(self.sample(member), str):
                values = (*HOSTILE, WRONG_TYPE)
            for value in values:
                yield Attack(operation, where, name, value)

    def request(self, attack: Attack) -> dict[str, Any]:
        """The request of `attack`: plain values everywhere else, the hostile one in its place."""
        operation = attack.operation
        path, query = operation.path, {}
        for parameter in operation.spec.get("parameters", []):
            name, where = parameter["name"], parameter["in"]
            value = self.sample(parameter.get("schema", {}))
            if (where, name) == (attack.where, attack.name):
                value = attack.value
            elif not parameter.get("required"):
                continue
            if where == "path":
                path = path.replace(f"{{{name}}}", urllib.parse.quote(str(value), safe=""))
            elif where == "query":
                query[name] = value
        request: dict[str, Any] = {"params": query}
        body = self.body(operation)
        if body is not None:
            media_type, schema = body
            if media_type == "application/json":
                sample = self.sample(schema)
                if attack.where == "json":
                    sample[attack.name] = attack.value
                request["json"] = sample
            else:
                request.update(self._form(schema, attack))
        return {"method": operation.method, "path": path, **request}

    def _form(self, schema: dict[str, Any], attack: Attack) -> dict[str, Any]:
        data: dict[str, Any] = {}
        files = []
        for name, member in schema.get("properties", {}).items():
            if "binary" in json.dumps(self.resolve(member)):
                files.append((name, EVIDENCE))
            elif name == attack.name and attack.where == "form":
                data[name] = attack.value
            elif name in schema.get("required", []):
                data[name] = str(self.sample(member))
        return {"data": data, "files": files}


class Writes:
    """Row counts of every table, to tell what a request wrote."""

    def __init__(self, node: Platform) -> None:
        self.node = node
        self.tables: list[Table] = sorted(all_models_metadata().tables.values(),
                                          key=lambda table: table.name)  # fmt: skip
        self.last = self.counts()

    def counts(self) -> dict[str, int]:
        query = select(*(select(func.count()).select_from(t).scalar_subquery().label(t.name)
                         for t in self.tables))  # fmt: skip
        with self.node.rt.sessions() as session:
            return dict(session.execute(query).one()._mapping)

    def since_last(self) -> tuple[dict[str, int], list[str]]:
        """The tables that grew (by how much) since the last call, and the kinds of the ledger
        entries added."""
        now = self.counts()
        grown = {name: now[name] - self.last[name] for name in now if now[name] != self.last[name]}
        kinds: list[str] = []
        if "ledger_entries" in grown:
            with self.node.rt.sessions() as session:
                kinds = list(session.scalars(
                    select(LedgerEntry.kind).where(LedgerEntry.idx >= self.last["ledger_entries"])
                ))  # fmt: skip
        self.last = now
        return grown, kinds


def judge(answer: Any, attack: Any, writes: Writes) -> list[str]:
    """What is wrong with an answer to hostile input: a 5xx; a refusal that is not a problem, or
    (for 400, 413 and 422, our own rules) does not name the field and the rule; personal
    information or a traceback in a refusal; anything but the query register written by a
    refused request."""
    wrong = []
    grown, kinds = writes.since_last()
    status = answer.status_code
    if status >= 500:
        return [f"{attack}: {status} {answer.text[:300]}"]
    if status < 400:
        return []
    if not answer.headers.get("content-type", "").startswith("application/problem+json"):
        return [f"{attack}: {status} is not a problem: {answer.headers.get('content-type')}"]
    problem = answer.json()
    if status in {400, 413, 422} and not (problem.get("field") and problem.get("rule")):
        wrong.append(f"{attack}: {status} names no field and rule: {problem}")
    problem.pop("instance", None)  # the caller's own request path (RFC 9457)
    text = json.dumps(problem, ensure_ascii=False)
    if any(value in text for value in PERSONAL) or TRACEBACK.search(text):
        wrong.append(f"{attack}: {status} shows personal information: {text[:300]}")
    unexpected = {name: n for name, n in grown.items() if name not in WRITTEN_ON_REFUSAL}
    if unexpected or set(kinds) - {"query"}:
        wrong.append(f"{attack}: refused with {status} but wrote {unexpected} {kinds}")
    return wrong
