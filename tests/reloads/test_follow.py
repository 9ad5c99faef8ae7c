"""A reload of the catalog and measures (R-2.1) reaches every process of the node: it is checked
and recorded in the database by the process that does it, and the others load their folders
again when they see it — never before, and never when their own folders fail the check."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from chengxin.reloads.models import RulesReload
from chengxin.reloads.service import newest_reload
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from tests.catalog.support import VALID_ITEM, write
from tests.conftest import fresh_pg_database
from tests.platform import KINDS
from tests.support import fresh_cli_node, run

NEW = "OP-TEST-ITEM"
BAD_ITEM = VALID_ITEM.replace("category: bad", "category: worst")


@pytest.fixture(params=KINDS)
def env(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[dict[str, str]]:  # fmt: skip
    """A migrated CLI node with empty operator folders for the catalog and measures: its
    settings, also set in the environment for the in-process `chengxin` command."""
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    values = {"CHENGXIN_DATA_DIR": str(tmp_path / "data"), "CHENGXIN_LOG_JSON": "false"}
    for name in ("catalog", "measures"):
        (tmp_path / name).mkdir()
        values[f"CHENGXIN_{name.upper()}_DIR"] = str(tmp_path / name)
    for var, value in values.items():
        monkeypatch.setenv(var, value)
    if request.param == "sqlite":
        yield values
        return
    with fresh_pg_database() as url:
        monkeypatch.setenv("CHENGXIN_DATABASE_URL", url)
        yield values | {"CHENGXIN_DATABASE_URL": url}


def started(env: dict[str, str], **changed: str) -> Runtime:
    """A process of the node as it starts serving: the newest reload noted, then the rules."""
    rt = Runtime(load_settings(env | changed))
    rt.note_reloads()
    _ = (rt.catalog, rt.measures)
    return rt


def codes(rt: Runtime) -> set[str]:
    return {v.code for v in rt.catalog.all_versions()}


def reloads(rt: Runtime) -> list[tuple[int, str]]:
    with rt.reads() as session:
        return [(r.id, r.actor) for r in session.scalars(select(RulesReload).order_by("id"))]


def test_r2_1_a_reload_in_one_process_is_followed_by_the_others(env: dict[str, str]) -> None:
    one, two = started(env), started(env)
    assert NEW not in codes(one) | codes(two)
    write(Path(env["CHENGXIN_CATALOG_DIR"]), "op.yaml", VALID_ITEM)
    # Files changed, nobody reloaded: no process takes them up on its own.
    assert two.follow_rules(force=True) is False
    assert NEW not in codes(two)

    assert one.reload_rules(actor="account:the.operator").ok
    assert NEW in codes(one)
    assert reloads(one) == [(1, "account:the.operator")]
    assert two.follow_rules() is False  # it asked a moment ago: the next look is seconds away
    assert NEW not in codes(two)
    assert two.follow_rules(force=True) is True
    assert NEW in codes(two)
    assert two.disputes.catalog is two.catalog  # what holds the catalog is built again
    assert (one.rules_seen, two.rules_seen) == (1, 1)
    assert two.follow_rules(force=True) is False  # nothing newer: not loaded again

    # A process started after the reload has it from its folders and does not load it twice.
    three = started(env)
    assert NEW in codes(three)
    assert (three.rules_seen, three.follow_rules(force=True)) == (1, False)
    for rt in (one, two, three):
        rt.close()


def test_r2_1_a_reload_that_fails_its_check_changes_nothing_anywhere(
    env: dict[str, str],
) -> None:
    one = started(env)
    before = one.catalog
    write(Path(env["CHENGXIN_CATALOG_DIR"]), "bad.yaml", BAD_ITEM)
    check = one.reload_rules(actor="account:the.operator")
    assert not check.ok
    assert any("bad.yaml" in problem for problem in check.problems["catalog"])
    assert one.catalog is before
    with one.reads() as session:
        assert newest_reload(session) == 0  # nothing for the other processes to follow
    one.close()


def test_r2_1_a_process_whose_own_folders_fail_keeps_its_rules_and_says_so(
    env: dict[str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Each machine reads its own copy of the folders; a copy that differs and fails the check
    is not loaded there. The log names the reload and the problem, once."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    one, two = started(env), started(env, CHENGXIN_CATALOG_DIR=str(elsewhere))
    before = two.catalog
    bad = write(elsewhere, "op.yaml", BAD_ITEM)  # a faulty copy there since it started
    write(Path(env["CHENGXIN_CATALOG_DIR"]), "op.yaml", VALID_ITEM)
    assert one.reload_rules(actor="cli:operator").ok
    with caplog.at_level(logging.ERROR, logger="chengxin.rules"):
        assert two.follow_rules(force=True) is False
        assert two.follow_rules(force=True) is False
    assert two.catalog is before
    [logged] = [r.getMessage() for r in caplog.records if r.name == "chengxin.rules"]
    assert logged.startswith("catalog and measures reload 1 not followed: ")
    assert str(bad) in logged
    for rt in (one, two):
        rt.close()


def test_a_process_on_an_unmigrated_database_starts_and_follows_nothing(tmp_path: Path) -> None:
    rt = Runtime(load_settings({"CHENGXIN_DATA_DIR": str(tmp_path / "data"),
                                "CHENGXIN_KEY_FILE": str(tmp_path / "none.json")}))  # fmt: skip
    rt.note_reloads()  # no table yet: it is not an error to start before `db upgrade`
    assert (rt.rules_seen, rt.follow_rules(force=True)) == (0, False)
    rt.close()


def test_r2_1_the_reload_command_checks_records_and_refuses(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    serving = started(env)
    catalog = Path(env["CHENGXIN_CATALOG_DIR"])
    bad = write(catalog, "bad.yaml", BAD_ITEM.replace(NEW, "OP-BAD"))
    code, out, err = run(capsys, "catalog", "reload")
    assert (code, out) == (2, "")
    assert f"catalog: {bad}:" in err
    assert err.endswith("error: 1 problem(s): nothing was reloaded\n")
    bad.unlink()
    write(catalog, "op.yaml", VALID_ITEM)
    assert run(capsys, "catalog", "reload", "--actor", "x" * 101) == (
        2, "", "error: actor: must be 1 to 100 characters\n")  # fmt: skip
    assert reloads(serving) == []

    code, out, err = run(capsys, "catalog", "reload", "--actor", "cli:王运维")
    assert (code, err) == (0, "")
    assert out.startswith("OK: reload 1 recorded (")
    assert out.endswith("the serving processes load it within 5 s\n")
    assert reloads(serving) == [(1, "cli:王运维")]
    assert serving.follow_rules(force=True) is True
    assert NEW in codes(serving)
    serving.close()
