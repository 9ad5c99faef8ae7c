"""The `chengxin` command: set-up, keys, database, identity (refusals: one line, exit 2)."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from chengxin.cli import main

BIN = shutil.which("chengxin") or str(Path(__file__).parents[2] / ".venv" / "bin" / "chengxin")


@pytest.fixture
def node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("CHENGXIN_DATABASE_URL", "CHENGXIN_KEY_FILE", "CHENGXIN_CATALOG_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CHENGXIN_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_r1_1_id_check_json_has_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "id", "check", "11010519491231002x", "--json")
    assert code == 0
    info = json.loads(out)
    assert info["normalized"] == "11010519491231002X"
    assert info["region"]["province"] == "北京市"
    assert info["region"]["county"] == "朝阳区"
    assert (info["birth_date"], info["sex"], info["masked"]) == (
        "1949-12-31",
        "F",
        "110105********002X",
    )


def test_r1_1_id_check_upgrades_a_legacy_number(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "id", "check", "110105491231002")
    assert code == 0
    assert "11010519491231002X" in out
    assert "upgraded" in out


@pytest.mark.parametrize(
    ("number", "part"),
    [("123", "length"), ("11010519491231002Z", "characters"),
     ("110105194912310020", "check character"), ("110105199902290011", "birth date"),
     ("990105198001011234", "region code")],
)  # fmt: skip
def test_r1_1_invalid_number_exits_2_with_one_line_naming_the_part(
    capsys: pytest.CaptureFixture[str], number: str, part: str
) -> None:
    code, out, err = run(capsys, "id", "check", number)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"error: id_number: {part}:")


def test_r1_3_uscc_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "uscc", "check", "91110000802100433B", "--json")
    assert code == 0
    assert json.loads(out)["masked"] == "91110000******433B"
    code, _, err = run(capsys, "uscc", "check", "91110000802100433A")
    assert code == 2
    assert err.startswith("error: uscc: check character")


def test_the_installed_command_exits_2_on_refusal() -> None:
    done = subprocess.run(
        [BIN, "id", "check", "12345"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == "error: id_number: length: must be 18 characters (or 15 legacy), got 5"
    )


def test_init_rotate_reencrypt_and_demo_through_the_cli(
    capsys: pytest.CaptureFixture[str], node: Path
) -> None:
    code, out, _ = run(capsys, "init")
    assert code == 0
    assert "key file created" in out
    key_file = node / "keys.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    before = key_file.read_bytes()
    code, _, err = run(capsys, "init")
    assert code == 2
    assert "refusing to overwrite" in err
    assert key_file.read_bytes() == before

    assert run(capsys, "db", "upgrade")[0] == 0
    code, out, _ = run(capsys, "demo", "--people", "30", "--seed", "7")
    assert code == 0
    assert "30 people" in out
    code, out, _ = run(capsys, "demo", "--people", "30", "--seed", "7", "--if-empty")
    assert "skipped" in out
    code, out, _ = run(capsys, "demo", "--people", "30", "--seed", "7")
    assert "0 people" in out  # the same seed again adds nothing

    assert run(capsys, "keys", "rotate")[0] == 0
    code, out, _ = run(capsys, "keys", "show", "--json")
    assert json.loads(out)["data_key_versions"] == [1, 2]
    assert "key" not in json.loads(out)
    assert "AAAA" not in out
    code, out, _ = run(capsys, "keys", "reencrypt")
    assert code == 0
    assert "persons.name_enc: 30 re-sealed" in out
    code, out, _ = run(capsys, "keys", "reencrypt")
    assert "persons.name_enc: 0 re-sealed" in out


def test_bad_setting_stops_the_command_naming_the_variable(
    capsys: pytest.CaptureFixture[str], node: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHENGXIN_DATABASE_URL", "oracle://x")
    code, _, err = run(capsys, "db", "upgrade")
    assert code == 2
    assert err.startswith("error: CHENGXIN_DATABASE_URL:")
    assert not node.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["demo", "--people", "0"],
        ["demo", "--people", "abc"],
        ["demo", "--people", "99999999"],
        ["demo", "--seed", "-1"],
    ],
)
def test_bad_cli_arguments_name_the_option(
    capsys: pytest.CaptureFixture[str], node: Path, args: list[str]
) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2
    assert "--people" in err or "--seed" in err
    assert not (node / "chengxin.db").exists()


@pytest.mark.usefixtures("node")
def test_identity_review_queue_from_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from chengxin.cli_support import runtime  # noqa: PLC0415
    from chengxin.identity import service  # noqa: PLC0415

    run(capsys, "init")
    run(capsys, "db", "upgrade")
    rt = runtime()
    with rt.sessions() as session, session.begin():
        service.register_person(
            session, rt.keys, rt.clock(), "11010519491231002X", "张三", actor="t"
        )
        case = service.register_person(
            session, rt.keys, rt.clock(), "11010519491231002X", "张叁", actor="t"
        )
    rt.close()
    code, out, _ = run(capsys, "identity", "reviews", "--json")
    (row,) = json.loads(out)
    assert (row["name_on_file"], row["incoming_name"]) == ("张*", "张*")
    assert "张三" not in out
    assert "张叁" not in out
    code, out, _ = run(
        capsys, "identity", "decide", str(case.review_id), "--decision", "name_changed",
        "--reason", "更名", "--actor", "op-01",
    )  # fmt: skip
    assert code == 0
    assert "name_changed" in out
    code, _, err = run(
        capsys, "identity", "decide", str(case.review_id), "--decision", "rejected",
        "--reason", "x", "--actor", "op-02",
    )  # fmt: skip
    assert code == 2
    assert "already been decided" in err
    code, _, err = run(
        capsys,
        "identity",
        "decide",
        "not-a-uuid",
        "--decision",
        "rejected",
        "--reason",
        "x",
        "--actor",
        "o",
    )
    assert code == 2
    assert "review_id" in err
