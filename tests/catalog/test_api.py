"""R-2.1: GET /api/v1/catalog/items and /api/v1/catalog/items/{code}."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chengxin import migrate
from chengxin.app import create_app
from chengxin.catalog.schema import Catalog
from chengxin.clock import fixed_clock
from chengxin.keys import create_key_file
from chengxin.runtime import Runtime
from chengxin.settings import load_settings

NOW = dt.datetime(2026, 3, 31, 17, 0, tzinfo=dt.UTC)  # 2026-04-01 01:00 in Beijing


@pytest.fixture
def client(shipped: Catalog, tmp_path: Path) -> Iterator[TestClient]:
    """The real app (the catalog is public, but every route passes the permission check)."""
    settings = load_settings({"CHENGXIN_DATA_DIR": str(tmp_path)})
    create_key_file(settings.resolved_key_file, NOW)
    rt = Runtime(settings, clock=fixed_clock(NOW))
    rt.__dict__["catalog"] = shipped  # the session's loaded catalog, not a second load
    migrate.upgrade(rt.engine)
    with TestClient(create_app(rt)) as test_client:
        yield test_client


def test_r2_1_items_in_force_today_in_china(client: TestClient, shipped: Catalog) -> None:
    answer = client.get("/api/v1/catalog/items")
    assert answer.status_code == 200
    body = answer.json()
    assert body["on"] == "2026-04-01"
    assert body["count"] == len(shipped) == len(body["items"])
    first = body["items"][0]
    assert set(first) >= {"code", "name", "category", "domain", "info_class", "disclosure"}
    assert set(first["name"]) == {"zh", "en"}


def test_r2_1_items_filtered_by_domain_category_and_date(client: TestClient) -> None:
    body = client.get(
        "/api/v1/catalog/items", params={"domain": "education", "category": "bad"}
    ).json()
    assert {i["code"] for i in body["items"]} == {
        "STUDENT-EXAM-CHEATING",
        "STUDENT-ACADEMIC-FRAUD",
        "STUDENT-FORGED-EMPLOYMENT-DOCS",
        "STUDENT-LOAN-DEFAULT",
    }
    early = client.get("/api/v1/catalog/items", params={"on": "2021-06-01"}).json()
    assert "LIST-WAGE-ARREARS" not in {i["code"] for i in early["items"]}
    assert client.get("/api/v1/catalog/items", params={"on": "2020-01-01"}).json()["count"] == 0


@pytest.mark.parametrize(
    "params",
    [{"on": "2026-02-30"}, {"on": "x" * 5000}, {"domain": "sports"}, {"category": "awful"}],
)
def test_r2_1_bad_query_is_a_clean_422(client: TestClient, params: dict[str, str]) -> None:
    answer = client.get("/api/v1/catalog/items", params=params)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["field"] == next(iter(params))


def test_r2_1_one_item_with_current_version_and_all_versions(client: TestClient) -> None:
    answer = client.get("/api/v1/catalog/items/PENALTY-SPECIAL-EQUIPMENT")
    assert answer.status_code == 200
    body = answer.json()
    current = body["current"]
    assert current["code"] == "PENALTY-SPECIAL-EQUIPMENT"
    assert current["topics"] == ["special_equipment"]
    assert current["legal_basis"][0] == {
        "instrument": "《中华人民共和国行政处罚法》",
        "article": "第四十八条",
    }
    assert current["display_rule"]["kind"] == "penalty_regime"
    fields = {f["name"]: f for f in current["fields"]}
    assert fields["penalty_types"]["multiple"] is True
    assert "licence_revocation" in fields["penalty_types"]["values"]
    assert fields["fine_amount"]["minimum"] == "0"
    assert len(body["versions"]) == 1
    assert "defined_at" not in current


def test_r2_1_item_not_yet_in_force_has_no_current_version(client: TestClient) -> None:
    body = client.get("/api/v1/catalog/items/LIST-WAGE-ARREARS", params={"on": "2021-12-31"}).json()
    assert body["current"] is None
    assert body["versions"][0]["effective_from"] == "2022-01-01"


def test_r2_1_unknown_item_is_404_problem(client: TestClient) -> None:
    answer = client.get("/api/v1/catalog/items/NO_SUCH_ITEM")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["field"] == "code"


def test_r2_1_openapi_is_typed(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert {"ItemListOut", "ItemDetailOut", "ItemVersionOut", "FieldOut"} <= set(schemas)
    assert "Domain" in schemas
