"""The console's catalog page (R-2.1, R-2.5, R-6.2, R-6.3, R-3.1): items in force with their
edition, sources with their grants and keys, measures in force; "validate" lists every problem
of the configured folders as file:line; "reload" is the operator's and changes nothing when a
check fails — after it, the pages and the API use the new catalog, and the reload is recorded
for the node's other processes to follow (tests/reloads)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from chengxin.access.ratelimit import RateLimiter
from chengxin.reloads.models import RulesReload
from tests.catalog.support import VALID_ITEM, line_no, write
from tests.platform import Platform, platform
from tests.web.sessions import csrf_field, page_as

STAFF = ("the.reviewer", "the.operator", "the.auditor")
BAD_ITEM = VALID_ITEM.replace("category: bad", "category: worst")
BAD_MEASURE = "kind: measures\nedition: x\nmeasures:\n  - code: NOT-ENOUGH\n"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """One SQLite node whose catalog and measures folders start empty (valid)."""
    tmp = tmp_path_factory.mktemp("console-catalog")
    (tmp / "catalog").mkdir()
    (tmp / "measures").mkdir()
    env = {"CHENGXIN_CATALOG_DIR": str(tmp / "catalog"),
           "CHENGXIN_MEASURES_DIR": str(tmp / "measures")}  # fmt: skip
    with platform(tmp / "node", "sqlite", **env) as p:
        yield p


@pytest.fixture(autouse=True)
def _roomy_rate_limit(node: Platform) -> None:
    node.client.app.state.rate_limiter = RateLimiter(1000)  # type: ignore[attr-defined]


def _folder(node: Platform, name: str) -> Path:
    folder = getattr(node.rt.settings, f"{name}_dir")
    assert isinstance(folder, Path)
    return folder


def _post(node: Platform, path: str, who: str, csrf: bool = True) -> Any:
    token = csrf_field(page_as(node, "/console/catalog", who).text)
    node.client.cookies.set(node.cookie_name, node.cookies[who])
    try:
        return node.client.post(path, data={"csrf_token": token} if csrf else {},
                                follow_redirects=False)  # fmt: skip
    finally:
        node.client.cookies.clear()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_r2_1_items_sources_and_measures_for_staff(node: Platform, lang: str) -> None:
    for user in STAFF:
        answer = page_as(node, "/console/catalog", user, params={"lang": lang})
        assert answer.status_code == 200, answer.text
        assert '<a href="/console/catalog" aria-current="page">' in answer.text
    html = page_as(node, "/console/catalog", "the.auditor", params={"lang": lang}).text
    assert "<code>PENALTY-TAX</code>" in html
    assert "<code>TAX-BJ</code>" in html
    assert ("有效，自" if lang == "zh" else "active since") in html  # its API key
    assert "<code>COURT-TRAVEL-CLASS</code>" in html  # a shipped measure
    assert str(_folder(node, "catalog")) in html
    assert 'action="/console/catalog/reload"' not in html  # the auditor may not reload
    assert (
        'action="/console/catalog/reload"' in page_as(node, "/console/catalog", "the.operator").text
    )
    for user in ("alice", "bank.clerk", "dept.clerk"):
        assert page_as(node, "/console/catalog", user).status_code == 403
    public = page_as(node, "/console/catalog", None)
    assert unquote(public.headers["location"]) == "/login?next=/console/catalog"


def test_r2_1_validate_lists_every_problem_at_its_line_and_changes_nothing(node: Platform) -> None:
    before = (node.rt.catalog, node.rt.measures)
    item = write(_folder(node, "catalog"), "bad.yaml", BAD_ITEM)
    try:
        answer = _post(node, "/console/catalog/validate?lang=en", "the.auditor")
        assert answer.status_code == 200
        assert f"{item}:{line_no(BAD_ITEM, 'category: worst')}:" in answer.text
        assert "nothing was changed" in answer.text
        item.unlink()
        measure = write(_folder(node, "measures"), "bad.yaml", BAD_MEASURE)
        answer = _post(node, "/console/catalog/validate?lang=en", "the.reviewer")
        assert f"{measure}:4: measures[0](NOT-ENOUGH)" in answer.text
        measure.unlink()
        clean = _post(node, "/console/catalog/validate?lang=en", "the.reviewer")
        assert "The files check out" in clean.text
    finally:
        for name in ("catalog", "measures"):
            (_folder(node, name) / "bad.yaml").unlink(missing_ok=True)
    assert (node.rt.catalog, node.rt.measures) == before
    assert _post(node, "/console/catalog/validate", "the.auditor", csrf=False).status_code == 403


def test_r2_1_reload_is_the_operators_and_only_after_the_check(node: Platform) -> None:
    before = node.rt.catalog
    assert node.rt.disputes.catalog is before
    first = page_as(node, "/console/catalog?lang=en", "the.auditor").text
    assert "No reload yet: every server process loaded the files at its start." in first
    good = write(_folder(node, "catalog"), "op.yaml", VALID_ITEM)
    bad = write(_folder(node, "catalog"), "zz-bad.yaml", BAD_ITEM.replace("OP-TEST", "OP-BAD"))
    for refused in ("the.reviewer", "the.auditor"):
        assert _post(node, "/console/catalog/reload", refused).status_code == 403
    assert _post(node, "/console/catalog/reload", "the.operator", csrf=False).status_code == 403
    failed = _post(node, "/console/catalog/reload?lang=en", "the.operator")
    assert failed.status_code == 409
    assert str(bad) in failed.text
    assert node.rt.catalog is before
    bad.unlink()
    done = _post(node, "/console/catalog/reload", "the.operator")
    assert done.status_code == 303
    assert done.headers["location"] == "/console/catalog?done=reloaded"
    assert node.rt.catalog is not before
    assert node.rt.disputes.catalog is node.rt.catalog  # rebuilt with the new catalog
    html = page_as(node, "/console/catalog?done=reloaded&lang=en", "the.operator").text
    assert "<code>OP-TEST-ITEM</code>" in html
    assert "The node's other server processes load them within a few seconds" in html
    with node.rt.reads() as session:  # recorded: the other processes follow it
        [reload] = session.scalars(select(RulesReload)).all()
    assert (reload.id, reload.actor) == (node.rt.rules_seen, "account:the.operator")
    seen = page_as(node, "/console/catalog", "the.auditor").text  # Chinese by default
    assert "最近一次重新载入：第 1 次，" in seen
    assert "（北京时间），操作人 account:the.operator。本服务进程已载入第 1 次。" in seen
    items = node.call("GET", "/api/v1/catalog/items", None).json()["items"]
    assert "OP-TEST-ITEM" in {i["code"] for i in items}
    good.unlink()
