"""The ingestion API for sources (R-2.2, R-3.1): keys, uploads, single records, receipts."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chengxin import migrate
from chengxin.app import create_app
from chengxin.catalog.vocab import SourceKind
from chengxin.collection import sources
from chengxin.keys import create_key_file
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from tests.collection.conftest import PENALTY_HEADERS, penalty_row, person, write_csv
from tests.conftest import NOW, fresh_pg_database


class Api:
    def __init__(self, client: TestClient, keys: dict[str, str]) -> None:
        self.client, self.keys = client, keys

    def auth(self, source: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[source]}"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    env = {"CHENGXIN_DATA_DIR": str(tmp_path), "CHENGXIN_MAX_UPLOAD_BYTES": str(200_000)}
    with fresh_pg_database() if request.param == "postgres" else _nothing() as url:
        if url:
            env["CHENGXIN_DATABASE_URL"] = url
        settings = load_settings(env)
        create_key_file(settings.resolved_key_file, NOW)
        rt = Runtime(settings, clock=lambda: NOW)
        migrate.upgrade(rt.engine)
        tokens = {}
        with rt.sessions() as session, session.begin():
            for code in ("TAX-A", "TAX-B"):
                source = sources.add_source(session, NOW, code=code, name=code, region_code="110105",
                                            kind=SourceKind.GOVERNMENT_DEPARTMENT, actor="t")  # fmt: skip
                sources.grant_item(session, rt.catalog, NOW, source, "PENALTY-TAX", actor="t")
                tokens[code] = sources.create_source_key(
                    session, NOW, source, label="t", actor="t"
                )[1]
        with TestClient(create_app(rt)) as client:
            yield Api(client, tokens)


class _nothing:  # noqa: N801  (a null context manager yielding no URL)
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def upload(api: Api, source: str, data: bytes, name: str = "b.csv", **form: str) -> object:
    return api.client.post("/api/v1/batches", headers=api.auth(source),
                           files={"file": (name, io.BytesIO(data), "text/csv")}, data=form)  # fmt: skip


def csv_bytes(tmp_path: Path, rows: list[list[str]]) -> bytes:
    return write_csv(tmp_path / "x.csv", PENALTY_HEADERS, rows).read_bytes()


def test_r2_2_upload_a_batch_and_read_its_receipt(api: Api, tmp_path: Path) -> None:
    data = csv_bytes(tmp_path, [penalty_row(1), penalty_row(2, number="110105198001011230")])
    answer = upload(api, "TAX-A", data, item="PENALTY-TAX")
    assert answer.status_code == 201  # type: ignore[attr-defined]
    receipt = answer.json()  # type: ignore[attr-defined]
    assert (receipt["accepted"], receipt["refused"], receipt["source"]) == (1, 1, "TAX-A")
    again = upload(api, "TAX-A", data, item="PENALTY-TAX")
    assert again.status_code == 201
    assert (again.json()["duplicate"], again.json()["accepted"]) == (1, 0)
    batch = api.client.get(f"/api/v1/batches/{receipt['batch_id']}", headers=api.auth("TAX-A"))
    assert batch.json()["accepted"] == 1
    errors = api.client.get(
        f"/api/v1/batches/{receipt['batch_id']}/errors.csv", headers=api.auth("TAX-A")
    )
    assert errors.headers["content-type"].startswith("text/csv")
    assert errors.text.splitlines()[1].startswith("3,id_number,GB 11643 check character,")


def test_r3_1_a_source_sees_only_its_own_batches_and_keys_are_checked(
    api: Api, tmp_path: Path
) -> None:
    receipt = upload(api, "TAX-A", csv_bytes(tmp_path, [penalty_row(1)]), item="PENALTY-TAX").json()  # type: ignore[attr-defined]
    assert (
        api.client.get(
            f"/api/v1/batches/{receipt['batch_id']}", headers=api.auth("TAX-B")
        ).status_code
        == 404
    )
    for headers in (
        {},
        {"Authorization": "Bearer nonsense"},
        {"X-API-Key": api.keys["TAX-A"][:-2] + "xx"},
    ):
        refused = api.client.post(
            "/api/v1/batches", headers=headers, files={"file": ("b.csv", b"x")}
        )
        assert refused.status_code == 401
        assert refused.json()["type"].endswith("/unauthenticated")
    assert (
        api.client.get(
            f"/api/v1/batches/{receipt['batch_id']}", headers={"X-API-Key": api.keys["TAX-A"]}
        ).status_code
        == 200
    )


def test_r3_5_a_revoked_key_stops_working_at_once(api: Api, tmp_path: Path) -> None:
    from chengxin.access.service import revoke_api_key  # noqa: PLC0415

    rt: Runtime = api.client.app.state.runtime  # type: ignore[attr-defined]
    with rt.sessions() as session, session.begin():
        revoke_api_key(session, NOW, api.keys["TAX-A"].split("_")[1], actor="op")
    answer = upload(api, "TAX-A", csv_bytes(tmp_path, [penalty_row(1)]), item="PENALTY-TAX")
    assert answer.status_code == 401  # type: ignore[attr-defined]


def test_r2_2_one_record_as_json(api: Api) -> None:
    body = {"id_number": person(5), "name": "钱五", "item": "PENALTY-TAX", "record_id": "J-1",
            "fields": {"decision_number": "京税罚〔2026〕5号", "decision_date": "2026-06-01",
                       "authority": "税务局", "violation_type": "逃税", "facts": "少缴税款",
                       "legal_provisions": "税收征收管理法第六十三条", "penalty_types": ["fine"],
                       "penalty_content": "罚款", "fine_amount": 1200, "severity": "minor"}}  # fmt: skip
    created = api.client.post("/api/v1/records", headers=api.auth("TAX-A"), json=body)
    assert created.status_code == 201
    assert created.json()["accepted"] == 1
    again = api.client.post("/api/v1/records", headers=api.auth("TAX-A"), json=body).json()
    assert (again["duplicate"], again["accepted"]) == (1, 0)
    bad = {**body, "record_id": "J-2", "fields": {**body["fields"], "decision_date": "2026-02-30"}}  # type: ignore[dict-item]
    refused = api.client.post("/api/v1/records", headers=api.auth("TAX-A"), json=bad)
    assert refused.status_code == 422
    assert (refused.json()["field"], refused.json()["rule"]) == ("decision_date", "date")
    unknown = api.client.post(
        "/api/v1/records", headers=api.auth("TAX-A"), json={**body, "colour": "red"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "colour"
    smuggled = {**body, "record_id": "J-3", "fields": {**body["fields"], "id_number": person(9)}}  # type: ignore[dict-item]
    refused = api.client.post("/api/v1/records", headers=api.auth("TAX-A"), json=smuggled)
    assert refused.status_code == 422
    assert (refused.json()["field"], refused.json()["rule"]) == ("fields.id_number", "reserved")
    long_name = api.client.post(
        "/api/v1/records", headers=api.auth("TAX-A"), json={**body, "name": "张" * 100}
    )
    assert long_name.status_code == 422
    assert long_name.json()["field"] == "name"


def test_r2_2_oversized_and_hostile_uploads_are_refused_with_no_effect(api: Api) -> None:
    big = upload(api, "TAX-A", b"a," * 150_000, item="PENALTY-TAX")  # over the 200 kB file limit
    assert big.status_code == 413  # type: ignore[attr-defined]
    assert big.json()["field"] == "file"  # type: ignore[attr-defined]
    huge = upload(api, "TAX-A", b"a," * 700_000, item="PENALTY-TAX")  # stopped while streaming
    assert huge.status_code == 413  # type: ignore[attr-defined]
    assert huge.json()["field"] == "body"  # type: ignore[attr-defined]
    wide = upload(
        api, "TAX-A", (",".join(f"c{i}" for i in range(10_000)) + "\n").encode(), item="PENALTY-TAX"
    )
    assert wide.status_code == 422
    assert wide.json()["rule"] == "max-columns"
    garbage = upload(api, "TAX-A", bytes(range(256)) * 50, item="PENALTY-TAX")
    assert garbage.status_code == 422
    assert garbage.json()["field"] == "file"
    bomb = upload(api, "TAX-A", b"PK\x03\x04" + b"\x00" * 100, name="b.xlsx", item="PENALTY-TAX")
    assert bomb.status_code == 422
    assert bomb.json()["rule"] == "xlsx-broken"
    rt: Runtime = api.client.app.state.runtime  # type: ignore[attr-defined]
    from sqlalchemy import func, select  # noqa: PLC0415

    from chengxin.collection.models import Batch  # noqa: PLC0415

    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 0


def test_r2_2_an_oversized_json_record_is_refused_before_parsing(api: Api) -> None:
    body = b'{"id_number": "' + b"1" * 2_000_000 + b'"}'
    answer = api.client.post("/api/v1/records", headers={**api.auth("TAX-A"), "Content-Type": "application/json"},
                             content=body)  # fmt: skip
    assert answer.status_code == 413
    assert answer.json()["detail"] == "body: must be at most 1048576 bytes"
