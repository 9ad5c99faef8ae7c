"""Schemathesis against the served OpenAPI document: the public and every kind of API key
(R-3.1, R-3.6). The logged-in roles are in test_openapi_sessions.py (a file each, so that the
two test workers share the work)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.served import Served, fuzz, serve
from tests.platform import platform


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # A limit the run cannot reach: a 429 is documented and would hide what comes after it.
    with platform(tmp_path_factory.mktemp("openapi-keys"), "sqlite",
                  CHENGXIN_RATE_LIMIT_PER_MINUTE="1000000") as node:  # fmt: skip
        yield serve(node)


@pytest.mark.parametrize("who", [None, "BANK-A", "DEPT-M", "TAX-BJ", "NODE"],
                         ids=["public", "requester-key", "department-key", "source-key", "node-key"])  # fmt: skip
def test_r3_1_every_operation_answers_within_its_documented_contract(
    served: Served, who: str | None
) -> None:
    """Generated valid and invalid input to every operation: no 5xx, only documented statuses,
    content types, headers and bodies, and no personal information in a refusal."""
    failures = fuzz(served, who)
    assert failures == [], "\n\n".join(failures)
    assert served.sent >= len(served.permissions)  # every operation was really called
