"""Helpers shared by several test folders: a fresh node for CLI tests, and the auditor's script."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from chengxin.cli import main

VERIFY_SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "verify_proof.py"


def fresh_cli_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    """A new data folder with keys and a migrated SQLite database, as `chengxin` sees it."""
    for var in ("CHENGXIN_DATABASE_URL", "CHENGXIN_KEY_FILE", "CHENGXIN_CATALOG_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CHENGXIN_DATA_DIR", str(tmp_path / "data"))
    assert main(["init"]) == 0
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`chengxin ARGS…`: exit code, stdout, stderr."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def load_verifier() -> ModuleType:
    """docs/verify_proof.py as a module: the auditor's checker, written apart from the prover."""
    spec = importlib.util.spec_from_file_location("verify_proof", VERIFY_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
