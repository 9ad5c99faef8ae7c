"""Issue H (R-5.2): peer nodes on file — added from the values the peer's operator hands over,
listed, disabled — and this node's own identity, in the services and on the command line."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from chengxin.db import make_engine
from chengxin.errors import ChengxinError, Conflict, NotFound
from chengxin.exchange.node_rules import NodeRole, fingerprint
from chengxin.exchange.nodes import OwnNode, add_peer, disable_peer, find_peer, list_peers
from chengxin.keys import new_key_ring
from chengxin.ledger.service import get_entry
from chengxin.ledger.service import size as ledger_size
from chengxin.settings import load_settings
from tests.conftest import NOW
from tests.support import fresh_cli_node, run

OWN_KEYS, SZ_KEYS, SH_KEYS = new_key_ring(NOW), new_key_ring(NOW), new_key_ring(NOW)
OWN = OwnNode("CN-110000", NodeRole.REGIONAL, "110000", None, OWN_KEYS.public_key_b64)
SZ = {"code": "CN-440300", "role": NodeRole.REGIONAL, "region_code": "440300",
      "base_url": "https://sz.example.cn", "public_key": SZ_KEYS.public_key_b64}  # fmt: skip


def _add(session: Session, **changes: Any) -> Any:
    return add_peer(session, NOW, OWN, **{**SZ, **changes}, actor="test")


def test_h_peers_are_added_listed_found_and_disabled(sessions: sessionmaker[Session]) -> None:
    """R-5.2: a peer is kept with who added it; disabling keeps it on file."""
    with sessions() as session, session.begin():
        _add(session, base_url=" HTTPS://SZ.example.cn:443/ ")
        _add(session, code="CN-NATIONAL", role=NodeRole.NATIONAL, region_code="110000",
             base_url="https://national.example.cn", public_key=SH_KEYS.public_key_b64)  # fmt: skip
        with pytest.raises(Conflict) as twice:
            _add(session)
        assert (twice.value.field, twice.value.rule) == ("code", "unique")
        with pytest.raises(Conflict) as same_key:
            _add(session, code="CN-440100", region_code="440100")
        assert (same_key.value.field, same_key.value.rule) == ("public_key", "unique")
    with sessions() as session, session.begin():
        assert [p.code for p in list_peers(session)] == ["CN-440300", "CN-NATIONAL"]
        peer = find_peer(session, "CN-440300")
        assert peer is not None
        assert (peer.base_url, peer.added_by, peer.disabled_at) == (
            "https://sz.example.cn:443", "test", None)  # fmt: skip
        disable_peer(session, NOW, "CN-440300", actor="ops")
        with pytest.raises(Conflict):
            disable_peer(session, NOW, "CN-440300", actor="ops")
        with pytest.raises(NotFound):
            disable_peer(session, NOW, "CN-999999", actor="ops")
    with sessions() as session:
        peer = find_peer(session, "CN-440300")
        assert peer is not None
        assert (peer.disabled_at, peer.disabled_by) == (NOW, "ops")
        entries = [get_entry(session, i)[1] for i in range(ledger_size(session))]
    assert [(e["kind"], e["event"], e["code"], e["actor"]) for e in entries] == [
        ("node", "add", "CN-440300", "test"), ("node", "add", "CN-NATIONAL", "test"),
        ("node", "disable", "CN-440300", "ops")]  # whom the node trusts is in its ledger  # fmt: skip
    assert entries[0]["key_fingerprint"] == fingerprint(SZ_KEYS.public_key_raw)


BAD_PEERS = [
    ({"code": "cn-440300"}, "code", "node-code"),
    ({"code": "C"}, "code", "node-code"),
    ({"code": "CN-110000"}, "code", "not-self"),
    ({"region_code": "999999"}, "region", "region-code"),
    ({"region_code": "44030"}, "region", "region-code"),
    ({"base_url": "http://sz.example.cn/chengxin"}, "url", "base-url"),
    ({"base_url": "javascript:alert(1)"}, "url", "base-url"),
    ({"public_key": "AAAA"}, "public_key", "ed25519-public-key"),
    ({"public_key": OWN_KEYS.public_key_b64}, "public_key", "not-self"),
]


@pytest.fixture
def sqlite_sessions(sqlite_template: Path, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    shutil.copy(sqlite_template, tmp_path / "chengxin.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'chengxin.db'}")
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.mark.parametrize(("changes", "field", "rule"), BAD_PEERS)
def test_h_a_bad_peer_is_refused_naming_field_and_rule(
    sqlite_sessions: sessionmaker[Session], changes: dict[str, str], field: str, rule: str
) -> None:
    """R-5.2: code, region, URL and key are checked; this node's own code or key is refused."""
    with (
        sqlite_sessions() as session,
        session.begin(),
        pytest.raises(ChengxinError) as refused,
    ):
        _add(session, **changes)
    assert (refused.value.field, refused.value.rule) == (field, rule)
    with sqlite_sessions() as session:
        assert list_peers(session) == []


def test_h_node_identity_settings() -> None:
    """R-5.2: role, code and URL come from the environment, checked; the code has a default."""
    assert load_settings({}).resolved_node_code == "CN-110000"
    assert load_settings({"CHENGXIN_REGION_CODE": "440300"}).resolved_node_code == "CN-440300"
    national = load_settings({"CHENGXIN_NODE_ROLE": "national"})
    assert (national.node_role, national.resolved_node_code) == ("national", "CN-NATIONAL")
    given = load_settings({"CHENGXIN_NODE_CODE": "GD-SZ", "CHENGXIN_NODE_URL": "https://a.cn/"})
    assert (given.resolved_node_code, given.node_url) == ("GD-SZ", "https://a.cn")
    for var, value in (("CHENGXIN_NODE_ROLE", "provincial"), ("CHENGXIN_NODE_CODE", "gd sz"),
                       ("CHENGXIN_NODE_URL", "https://a.cn/x"),
                       ("CHENGXIN_MAX_PACKAGE_BYTES", "10")):  # fmt: skip
        with pytest.raises(ChengxinError) as refused:
            load_settings({var: value})
        assert refused.value.field == var


def test_h_nodes_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-5.2: `nodes self` prints what the peer needs; `nodes add` refuses bad input naming the
    option, exit 2, nothing written; `list` and `disable` work; `hello` names an unreachable peer."""
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    monkeypatch.setenv("CHENGXIN_NODE_URL", "https://bj.example.cn")
    code, out, _ = run(capsys, "nodes", "self", "--json")
    own = json.loads(out)
    assert code == 0
    assert (own["code"], own["role"], own["region"], own["url"]) == (
        "CN-110000", "regional", "110000", "https://bj.example.cn")  # fmt: skip
    code, out, _ = run(capsys, "nodes", "self")
    assert f"fingerprint: {own['fingerprint']}" in out
    assert (f"chengxin nodes add CN-110000 --role regional --region 110000 "
            f"--url https://bj.example.cn --public-key {own['public_key']}") in out  # fmt: skip

    good = ["--role", "regional", "--region", "440300", "--url", "http://127.0.0.1:9",
            "--public-key", SZ_KEYS.public_key_b64]  # fmt: skip
    for option, value, message in (
        ("--role", "provincial", "error: --role: must be one of regional, national"),
        ("--region", "449999", "error: --region: must be a six-digit administrative division"),
        ("--url", "ftp://x", "error: --url: must start with https:// or http://"),
        ("--public-key", "AAAA", "error: --public-key: must be a 32-byte Ed25519 public key"),
        ("--public-key", own["public_key"], "error: --public-key: is this node's own key"),
    ):
        args = list(good)
        args[args.index(option) + 1] = value
        code, _, err = run(capsys, "nodes", "add", "CN-440300", *args)
        assert (code, err.startswith(message)) == (2, True), err
    code, _, err = run(capsys, "nodes", "add", "cn 440300", *good)
    assert (code, err.startswith("error: CODE: must be 2 to 32 capital letters")) == (2, True)
    assert run(capsys, "nodes", "list", "--json")[1] == "[]\n"

    code, out, _ = run(capsys, "nodes", "add", "CN-440300", *good)
    assert code == 0
    assert f"key fingerprint: {fingerprint(SZ_KEYS.public_key_raw)}" in out
    assert run(capsys, "nodes", "add", "CN-440300", *good)[0] == 2
    code, _, err = run(capsys, "nodes", "hello", "CN-440300")  # nothing listens on port 9
    assert (code, err.startswith("error: peer: CN-440300 at http://127.0.0.1:9 cannot be")) == (
        2, True), err  # fmt: skip
    assert run(capsys, "nodes", "disable", "CN-440300")[0] == 0
    assert "DISABLED" in run(capsys, "nodes", "list")[1]
    (shown,) = json.loads(run(capsys, "nodes", "list", "--json")[1])
    assert (shown["code"], shown["disabled_by"] is not None) == ("CN-440300", True)
    code, _, err = run(capsys, "nodes", "hello", "CN-440300")
    assert (code, "disabled" in err) == (2, True)


DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_h_the_docs_list_the_node_settings() -> None:
    """R-5.2: every node setting is in the operations doc; the README links the federation doc."""
    operations = (DOCS / "operations.md").read_text(encoding="utf-8")
    for var in ("NODE_ROLE", "NODE_CODE", "NODE_URL", "MAX_PACKAGE_BYTES", "SCORING_DIR"):
        assert f"| `CHENGXIN_{var}` |" in operations
    assert "`docs/federation.md`" in (DOCS.parent / "README.md").read_text(encoding="utf-8")
