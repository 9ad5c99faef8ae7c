"""The API app: health, RFC 9457 errors naming the field, request ids, no personal data leaks."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chengxin import migrate
from chengxin.app import create_app
from chengxin.errors import ConfigError
from chengxin.keys import create_key_file
from chengxin.logs import JsonFormatter, redact
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from tests.conftest import NOW


def make_runtime(tmp_path: Path, **env: str) -> Runtime:
    settings = load_settings({"CHENGXIN_DATA_DIR": str(tmp_path), **env})
    create_key_file(settings.resolved_key_file, NOW)
    rt = Runtime(settings, clock=lambda: NOW)
    if "CHENGXIN_DATABASE_URL" not in env:
        migrate.upgrade(rt.engine)
    return rt


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(make_runtime(tmp_path))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("failed for 11010519491231002X 张三")

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_healthz_reports_the_database(client: TestClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json()["database"] == "ok"


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    rt = make_runtime(
        tmp_path, CHENGXIN_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    with TestClient(create_app(rt)) as c:
        answer = c.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "database": "unreachable"}


def test_start_up_fails_without_a_key_file(tmp_path: Path) -> None:
    rt = Runtime(load_settings({"CHENGXIN_DATA_DIR": str(tmp_path)}))
    with pytest.raises(ConfigError, match="chengxin init"):
        create_app(rt)


def test_unknown_route_is_problem_json_with_request_id(client: TestClient) -> None:
    answer = client.get("/nowhere")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["type"].endswith("/not-found")
    assert body["status"] == 404
    assert body["request_id"] == answer.headers["x-request-id"]


def test_unknown_catalog_item_names_the_field(client: TestClient) -> None:
    answer = client.get("/api/v1/catalog/items/NO_SUCH_ITEM")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["title"] == "Not found"


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "' OR 1=1 --", "9" * 5000])
def test_bad_query_parameter_is_422_naming_the_field(client: TestClient, value: str) -> None:
    answer = client.get("/api/v1/catalog/items", params={"on": value})
    assert answer.status_code == 422
    body = answer.json()
    assert body["field"] == "on"
    assert body["errors"][0]["in"] == "query"
    assert body["rule"]


def test_request_id_is_echoed_when_safe_and_replaced_when_not(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    hostile = client.get("/healthz", headers={"X-Request-ID": 'a"}\n{evil' + "x" * 100})
    assert hostile.headers["x-request-id"] != "abc-123"
    assert len(hostile.headers["x-request-id"]) == 32


def test_r3_6_internal_errors_reveal_nothing_and_logs_mask_id_numbers(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        answer = client.get("/boom")
    assert answer.status_code == 500
    assert "11010519491231002X" not in answer.text
    assert "张三" not in answer.text
    assert answer.json()["request_id"]
    lines = [JsonFormatter().format(r) for r in caplog.records]
    assert lines
    assert all("11010519491231002X" not in line and "张三" not in line for line in lines)
    request_line = json.loads(next(line for line in lines if '"request"' in line))
    assert (request_line["path"], request_line["status"]) == ("/boom", 500)


def test_r3_6_the_request_log_names_the_route_not_the_path_asked_for(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A mistyped path may hold an ID number: the log line has the route's template, or
    `unmatched` when nothing matched."""
    with caplog.at_level(logging.INFO):
        assert client.get("/api/v1/no-such/11010519491231002X").status_code == 404
        assert client.get("/static/no-such-file.css").status_code == 404
    paths = [json.loads(JsonFormatter().format(r))["path"] for r in caplog.records
             if r.getMessage() == "request"]  # fmt: skip
    assert paths == ["unmatched", "/static/{path}"]


def test_redact_masks_id_shaped_values_only() -> None:
    assert (
        redact("id 11010519491231002x and 110105491231002")
        == "id 110105********002x and 110105*****1002"
    )
    assert redact("order 20261126123456789012345") == "order 20261126123456789012345"
    assert redact("uscc 91110000802100433B") == "uscc 911100********433B"


def test_landing_page_in_chinese_and_english(client: TestClient) -> None:
    zh = client.get("/")
    assert zh.status_code == 200
    assert "个人公共信用信息平台" in zh.text
    assert 'lang="zh-CN"' in zh.text
    en = client.get("/?lang=en")
    assert "Catalog items in force" in en.text
    assert '<th scope="row">Records in force</th><td>0</td>' in en.text
    assert client.get("/?lang=fr").status_code == 422


def test_openapi_lists_the_catalog_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/catalog/items" in paths
    assert "/api/v1/catalog/items/{code}" in paths
