"""The served OpenAPI document of a whole node, run through schemathesis in-process, once per role.

Every generated request goes to the real app (ASGI, in this process) with the role's real
credentials; every answer is checked: no 5xx, a documented status code, a documented content
type, a body that fits the documented schema, documented headers, and no personal information or
traceback in an error (`no_personal_information`, below).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chengxin.access.deps import Require
from chengxin.access.permissions import ROLE_PERMISSIONS, Permission, Role
from chengxin.access.ratelimit import RateLimiter
from tests.platform import ALICE, BOB, Platform

# Who calls: None is the public; a key name sends `Authorization: Bearer`; a username sends the
# session cookie and its X-CSRF-Token.
ROLES: dict[str | None, Role] = {
    None: Role.PUBLIC,
    "alice": Role.CITIZEN,
    "BANK-A": Role.REQUESTER,
    "DEPT-M": Role.DEPARTMENT,
    "TAX-BJ": Role.SOURCE,
    "NODE": Role.NODE,
    "the.reviewer": Role.REVIEWER,
    "the.operator": Role.OPERATOR,
    "the.auditor": Role.AUDITOR,
}
# Examples per operation: many where the role may call it, a couple where the guard refuses it
# before the input matters (the input is still generated and sent).
EXAMPLES = {True: {"positive": 5, "negative": 3}, False: {"positive": 1, "negative": 1}}
PERSONAL = (ALICE, BOB, "张一", "张二")
TRACEBACK = re.compile(r'Traceback \(most recent call last\)|File "[^"]+", line \d+')
LOGOUT = "POST /api/v1/auth/logout"


@schemathesis.check
def no_personal_information(ctx: Any, response: Any, case: Any) -> bool | None:
    """No refusal echoes a person's ID number or name, or a Python traceback; the public gets
    no raw ID number or name in any answer."""
    del ctx, case
    sent = response.request.headers
    public = not (sent.get("Authorization") or sent.get("Cookie"))
    if response.status_code < 400 and not public:
        return None
    text = _without_instance(response)
    leaked = [value for value in PERSONAL if value in text]
    assert not leaked, f"{response.status_code} answer shows personal information {leaked}"
    assert not TRACEBACK.search(text), f"{response.status_code} answer shows a traceback"
    return None


def _without_instance(response: Any) -> str:
    """The answer's text; of a problem, without `instance`: the caller's own request path,
    which RFC 9457 echoes by design (the API has no path that holds personal information)."""
    if not response.headers.get("content-type", [""])[0].startswith("application/problem+json"):
        return str(response.text)
    body = json.loads(response.content)
    if body.get("instance") == urllib.parse.unquote(response.request.path_url.split("?")[0]):
        del body["instance"]
    return json.dumps(body, ensure_ascii=False)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    no_personal_information,
]


@dataclass
class Served:
    """A node's app as schemathesis sees it, and what each operation requires."""

    node: Platform
    schema: Any
    permissions: dict[str, Permission]
    # Operations whose inputs have no invalid value schemathesis can send (e.g. only free-text
    # path parameters): found once, not searched again for every role.
    no_negative: set[str] = field(default_factory=set)
    sent: int = 0  # requests sent by the last `fuzz`

    def headers(self, who: str | None) -> dict[str, str]:
        if who is None:
            return {}
        if who in self.node.tokens:
            return self.node.as_key(who)
        return {
            "Cookie": f"{self.node.cookie_name}={self.node.cookies[who]}",
            "X-CSRF-Token": self.node.csrf[who],
        }


def unlimited(node: Platform) -> Platform:
    """The node with a tip-off filing budget no run exhausts (an hour's budget is a handful per
    address: every request after it would be a 429 that never reaches its input). The general
    rate limit is the setting CHENGXIN_RATE_LIMIT_PER_MINUTE."""
    app: Any = node.client.app
    app.state.tipoff_limiter = RateLimiter(1_000_000, window_seconds=3600)
    return node


def serve(node: Platform) -> Served:
    app = unlimited(node).client.app

    async def without_lifespan(scope: Any, receive: Any, send: Any) -> None:
        # The node's TestClient already started the app (its checkpointer and delivery
        # threads); schemathesis would start a second copy of them.
        if scope["type"] != "lifespan":
            await app(scope, receive, send)  # type: ignore[operator]
            return
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})

    document = node.client.get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    schema.app = without_lifespan
    return Served(node, schema, dict(permissions_of(app.routes)))  # type: ignore[attr-defined]


def permissions_of(routes: list[Any]) -> Iterator[tuple[str, Permission]]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from permissions_of(included.routes)
        elif isinstance(route, APIRoute) and route.include_in_schema:
            stack = [route.dependant]
            while stack:
                dependant = stack.pop()
                if isinstance(dependant.call, Require):
                    for method in route.methods:
                        yield f"{method} {route.path}", dependant.call.permission
                stack.extend(dependant.dependencies)


def operations(served: Served) -> list[Any]:
    """Every operation of the document; logging out last: it ends the caller's session (logging
    in again may be refused by then: the run's failed logins throttle the test client)."""
    found = [result.ok() for result in served.schema.get_all_operations()]
    return sorted(found, key=lambda op: op.label == LOGOUT)


def fuzz(served: Served, who: str | None) -> list[str]:
    """Run every operation as `who`; the failures, one line (and schemathesis's report) each."""
    role = ROLES[who]
    failures = []
    served.sent = 0
    for operation in operations(served):
        permission = served.permissions.get(operation.label)
        may = permission is None or permission in ROLE_PERMISSIONS[role]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode is GenerationMode.NEGATIVE and operation.label in served.no_negative:
                continue
            try:
                _run(served, who, operation, mode, EXAMPLES[may][mode.value])
            except Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    failures.append(f"{operation.label}: no valid input can be generated")
                served.no_negative.add(operation.label)
            except FailureGroup as exc:
                failures.append(f"{operation.label} as {who} ({mode}): {exc}")
    return failures


def _run(served: Served, who: str | None, operation: Any, mode: GenerationMode, n: int) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=n,
        derandomize=True,  # the same examples on every run and on both xdist workers
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the report has the request
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    def call(case: Any) -> None:
        served.sent += 1
        case.call_and_validate(headers=served.headers(who), checks=CHECKS)

    call()
