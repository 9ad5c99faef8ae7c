"""The collection commands: sources, grants, keys, members, ingest, batches (R-2.2, R-2.5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.collection.conftest import PENALTY_HEADERS, penalty_row, person, write_csv
from tests.support import fresh_cli_node, run


@pytest.fixture
def node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    return fresh_cli_node(tmp_path, monkeypatch, capsys)


def test_r2_2_sources_grants_keys_ingest_and_receipts(
    node: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "sources", "add", "TAX-BJ", "--name", "北京市税务局", "--region", "110000",
               "--kind", "government_department")[0] == 0  # fmt: skip
    assert run(capsys, "sources", "grant", "TAX-BJ", "PENALTY-TAX", "PENALTY-GENERAL")[0] == 0
    code, out, err = run(capsys, "sources", "key-create", "TAX-BJ", "--label", "nightly upload")
    assert code == 0
    assert out.startswith("cxk_")
    assert "cannot be shown again" in err
    code, out, _ = run(capsys, "sources", "list", "--json")
    (source,) = json.loads(out)
    assert source["items"] == ["PENALTY-GENERAL", "PENALTY-TAX"]
    assert len(source["keys"]) == 1
    assert source["keys"][0] in out
    path = write_csv(
        node / "b.csv",
        PENALTY_HEADERS,
        [penalty_row(1), penalty_row(2, number="110105198001011230")],
    )
    code, out, _ = run(
        capsys, "ingest", str(path), "--source", "TAX-BJ", "--item", "PENALTY-TAX", "--json"
    )
    receipt = json.loads(out)
    assert (code, receipt["accepted"], receipt["refused"]) == (0, 1, 1)
    assert receipt["received_at"].endswith("+00:00")
    assert "T" in receipt["received_at"]
    code, out, _ = run(capsys, "batches", "errors", receipt["batch_id"])
    assert out.splitlines()[0] == "row,field,rule,message"
    assert out.splitlines()[1].startswith("3,id_number,GB 11643 check character,")
    from sqlalchemy import select  # noqa: PLC0415

    from chengxin.cli_support import runtime  # noqa: PLC0415
    from chengxin.records.models import Record  # noqa: PLC0415

    rt = runtime()
    with rt.sessions() as session:
        record_id = session.scalars(select(Record.id)).one()
    rt.close()
    code, out, _ = run(capsys, "records", "history", str(record_id), "--json")
    (version,) = json.loads(out)
    assert (version["version"], version["change"], version["actor"]) == (
        1,
        "created",
        "source:TAX-BJ",
    )
    assert version["content"]["fine_amount"] == "5000"
    code, out, _ = run(capsys, "records", "list", "--occupation", "lawyer", "--json")
    assert json.loads(out) == []  # nobody here is a lawyer
    code, out, _ = run(capsys, "batches", "show", receipt["batch_id"])
    assert "accepted 1" in out
    assert "refused 1" in out
    prefix = source["keys"][0]
    assert run(capsys, "sources", "key-revoke", prefix)[0] == 0
    code, _, err = run(capsys, "sources", "key-revoke", prefix)
    assert code == 2
    assert "already revoked" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["sources", "add", "tax bj", "--name", "x", "--region", "110000", "--kind", "court"],
            "code",
        ),
        (
            ["sources", "add", "TAX", "--name", "x", "--region", "999999", "--kind", "court"],
            "region_code",
        ),
        (
            ["sources", "add", "TAX", "--name", "x", "--region", "110000", "--kind", "bank"],
            "--kind",
        ),
        (
            ["sources", "add", "TAX", "--name", "x" * 300, "--region", "110000", "--kind", "court"],
            "name",
        ),
        (["sources", "grant", "NOPE", "PENALTY-TAX"], "source"),
        (["ingest", "/no/such/file.csv", "--source", "X"], "file"),
        (["batches", "show", "not-a-uuid"], "batch_id"),
    ],
)
@pytest.mark.usefixtures("node")
def test_bad_arguments_are_refused_naming_the_field(
    capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert words in err
    code, out, _ = run(capsys, "sources", "list", "--json")
    assert json.loads(out) == []  # nothing half-written


def test_r2_5_grants_respect_the_catalog_and_members_are_recorded(
    node: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "sources", "add", "LAWYERS", "--name", "律师协会", "--region", "110000",
        "--kind", "industry_association")  # fmt: skip
    code, _, err = run(capsys, "sources", "grant", "LAWYERS", "PENALTY-TAX")
    assert code == 2
    assert "government_department only" in err
    assert run(capsys, "sources", "grant", "LAWYERS", "QUAL-LAWYER")[0] == 0
    code, out, err = run(capsys, "sources", "member-add", "LAWYERS", "--id-number", person(1),
                         "--name", "周一", "--since", "2020-01-01")  # fmt: skip
    assert code == 0, err
    qual = {"id_number": person(1), "name": "周一", "record_id": "L1", "certificate_number": "1",
            "qualification_name": "律师执业证", "issuing_authority": "北京市司法局",
            "valid_from": "2021-03-01", "status": "valid"}  # fmt: skip
    path = node / "q.jsonl"
    path.write_text(json.dumps(qual, ensure_ascii=False) + "\n", "utf-8")
    code, out, _ = run(
        capsys, "ingest", str(path), "--source", "LAWYERS", "--item", "QUAL-LAWYER", "--json"
    )
    assert json.loads(out)["accepted"] == 1


def test_r1_2_the_review_queue_says_which_batch_row_a_case_holds(
    node: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "sources", "add", "TAX-BJ", "--name", "税务局", "--region", "110000",
        "--kind", "government_department")  # fmt: skip
    run(capsys, "sources", "grant", "TAX-BJ", "PENALTY-TAX")
    first = write_csv(node / "a.csv", PENALTY_HEADERS, [penalty_row(1, name="张三")])
    second = write_csv(node / "b.csv", PENALTY_HEADERS, [penalty_row(1, name="张叁", record="R9")])
    run(capsys, "ingest", str(first), "--source", "TAX-BJ", "--item", "PENALTY-TAX")
    code, out, _ = run(
        capsys, "ingest", str(second), "--source", "TAX-BJ", "--item", "PENALTY-TAX", "--json"
    )
    batch = json.loads(out)["batch_id"]
    code, out, _ = run(capsys, "identity", "reviews", "--json")
    (case,) = json.loads(out)
    assert case["held_row"] == {"source": "TAX-BJ", "batch": batch, "row": 2, "item": "PENALTY-TAX"}
    assert "R9" not in out  # the held data itself is not shown
    code, out, _ = run(capsys, "identity", "decide", case["id"], "--decision", "name_changed",
                       "--reason", "更名", "--actor", "op-01")  # fmt: skip
    assert code == 0
    assert out.strip().endswith("the row it held: created")
