"""`chengxin consents …` (R-3.4, R-5.3): written consents, withdrawal, listing, verification."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import update

from chengxin.cli import main
from chengxin.cli_support import runtime
from chengxin.clock import china_today, system_clock
from chengxin.consents.models import ConsentVersion
from chengxin.identity.service import register_person
from tests.consents.conftest import id_number
from tests.support import fresh_cli_node, run

TODAY = china_today(system_clock())  # the CLI runs on the real clock
UNTIL = (TODAY + dt.timedelta(days=90)).isoformat()


@pytest.fixture
def node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    fresh_cli_node(tmp_path, monkeypatch, capsys)
    for code, kind in (("BANK-BJ", "bank"), ("GOV-TAX", "government_department")):
        assert main(["requesters", "add", code, "--name", code, "--kind", kind,
                     "--region", "110105"]) == 0  # fmt: skip
    rt = runtime()
    with rt.sessions() as session, session.begin():
        register_person(session, rt.keys, rt.clock(), id_number(1), "张三", actor="test")
    rt.close()
    capsys.readouterr()
    return tmp_path


GRANT = ["consents", "grant", "--id-number", id_number(1), "--requester", "BANK-BJ",
         "--purpose", "loan_approval", "--until", UNTIL]  # fmt: skip


@pytest.mark.usefixtures("node")
def test_r3_4_r5_3_record_list_verify_and_withdraw_a_written_consent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, *GRANT, "--levels", "authorised", "--categories", "bad,serious",
                       "--json")  # fmt: skip
    assert code == 0
    granted = json.loads(out)
    assert (granted["version"], granted["status"], granted["purpose"]) == (
        1,
        "active",
        "loan_approval",
    )
    assert (granted["levels"], granted["categories"]) == (["authorised"], ["bad", "serious"])
    assert granted["created_by"].startswith("cli:")
    assert id_number(1) not in out
    consent_id = granted["id"]
    code, out, _ = run(capsys, "consents", "list", "--requester", "BANK-BJ", "--json")
    (listed,) = json.loads(out)
    assert listed["id"] == consent_id
    assert "张三" not in out
    code, out, _ = run(capsys, "consents", "list")
    assert consent_id in out
    code, out, _ = run(capsys, "consents", "verify", consent_id)
    assert (code, "1 signed version(s)" in out) == (0, True)
    code, out, _ = run(capsys, "consents", "withdraw", consent_id, "--reason", "书面撤回")
    assert (code, out.strip()) == (0, f"consent {consent_id} withdrawn (version 2)")
    code, _, err = run(capsys, "consents", "withdraw", consent_id, "--reason", "again")
    assert (code, err.strip()) == (2, "error: consent_id: is already withdrawn")
    code, out, _ = run(capsys, "consents", "verify", consent_id)
    assert (code, "2 signed version(s)" in out) == (0, True)
    rt = runtime()
    with rt.sessions() as session, session.begin():
        session.execute(
            update(ConsentVersion).where(ConsentVersion.version == 1).values(
                body=ConsentVersion.body + " ")
        )  # fmt: skip
    rt.close()
    code, out, err = run(capsys, "consents", "verify", consent_id)
    assert code == 1
    assert "problem: version 1: the signature does not match the body" in err


@pytest.mark.usefixtures("node")
def test_r3_4_purposes_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "consents", "purposes")
    assert code == 0
    assert "loan_approval" in out
    assert "贷款审批" in out
    assert "administrative_duty    依法履职" in out
    assert "never by consent" in out
    code, out, _ = run(capsys, "consents", "purposes", "--json")
    rows = {r["code"]: r for r in json.loads(out)}
    assert rows["tenancy"] == {"code": "tenancy", "zh": "房屋租赁", "en": "tenancy",
                               "consentable": True}  # fmt: skip
    assert rows["administrative_duty"]["consentable"] is False


FAR = (TODAY + dt.timedelta(days=400)).isoformat()
PAST = (TODAY - dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"--id-number": id_number(2)}, "id_number"),  # valid, but not registered
        ({"--id-number": "110105198001010010"}, "id_number"),  # bad check character
        ({"--requester": "NOPE"}, "requester"),
        ({"--requester": "GOV-TAX"}, "requester"),
        ({"--purpose": "marketing"}, "purpose"),
        ({"--purpose": "administrative_duty"}, "purpose"),
        ({"--until": "31/12/2026"}, "until"),
        ({"--until": "2026-02-30"}, "until"),
        ({"--until": PAST}, "valid_until"),
        ({"--until": FAR}, "valid_until"),
        ({"--levels": "government"}, "levels"),
        ({"--levels": "public,<script>"}, "levels"),
        ({"--categories": "gossip"}, "categories"),
        ({"--from": PAST}, "valid_from"),
    ],
)
@pytest.mark.usefixtures("node")
def test_r3_4_bad_grant_input_exits_2_naming_the_field(
    capsys: pytest.CaptureFixture[str], change: dict[str, str], field: str
) -> None:
    args = list(GRANT)
    for option, value in change.items():
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.startswith(f"error: {field}: ")
    assert id_number(2) not in err
    code, out, _ = run(capsys, "consents", "list", "--json")
    assert json.loads(out) == []


@pytest.mark.usefixtures("node")
def test_r3_4_bad_consent_ids(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (
        ["consents", "withdraw", "not-a-uuid", "--reason", "r"],
        ["consents", "verify", "1 OR 1=1"],
        ["consents", "withdraw", "00000000-0000-0000-0000-000000000000", "--reason", "r"],
    ):
        code, _, err = run(capsys, *args)
        assert code == 2
        assert err.startswith("error: consent_id: ")
    code, _, err = run(capsys, "consents", "list", "--requester", "NOPE")
    assert (code, err.strip()) == (2, "error: requester: no requester has this code")
