"""R-7.1 knowledge pages and the citizen integrity code: shipped Markdown, an operator's folder
that overrides and adds pages, no raw HTML, and no way out of the folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chengxin.web import content
from tests.web.conftest import light_app


def test_r7_1_knowledge_pages_in_both_languages(light: TestClient) -> None:
    index = light.get("/knowledge")
    assert index.status_code == 200
    for slug in ("integrity-code", "public-credit-information", "publicity"):
        assert f'href="/knowledge/{slug}"' in index.text
    zh = light.get("/knowledge/integrity-code")
    assert zh.status_code == 200
    assert "<h1>公民诚信守则（示例）</h1>" in zh.text
    assert "示例文本" in zh.text  # marked as an example the operator replaces
    assert "<title>公民诚信守则（示例） · " in zh.text
    en = light.get("/knowledge/integrity-code?lang=en")
    assert "<h1>Citizen integrity code (example)</h1>" in en.text
    assert "Example text" in en.text
    assert "available in Chinese only" not in en.text


@pytest.fixture
def operator_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    (folder / "zh").mkdir(parents=True)
    (folder / "zh" / "integrity-code.md").write_text(
        "# 本市公民诚信守则\n\n由市信用办发布。\n\n<script>alert('x')</script>\n\n"
        "[点我](javascript:alert(1))\n",
        "utf-8",
    )
    (folder / "zh" / "local-news.md").write_text(
        "# 本地信用动态\n\n| 项 | 值 |\n|---|---|\n| a | b |\n", "utf-8"
    )
    (folder / "zh" / "Bad.Name.md").write_text("# 不应出现\n", "utf-8")  # not a slug: never listed
    (folder / "zh" / "huge.md").write_text("# 太大\n" + "x" * (content.MAX_BYTES + 1), "utf-8")
    outside = tmp_path / "secret.md"
    outside.write_text("# 机密\n", "utf-8")
    (folder / "zh" / "escape.md").symlink_to(outside)  # a link out of the folder is not followed
    return folder


def test_r7_1_an_operator_folder_replaces_and_adds_pages(
    tmp_path: Path, operator_dir: Path
) -> None:
    with light_app(tmp_path / "node", CHENGXIN_CONTENT_DIR=str(operator_dir)) as client:
        code = client.get("/knowledge/integrity-code")
        assert "<h1>本市公民诚信守则</h1>" in code.text
        assert "示例文本" not in code.text
        assert "<script>" not in code.text  # raw HTML is shown as text, never run
        assert "&lt;script&gt;" in code.text
        assert 'href="javascript' not in code.text
        # The operator wrote it in Chinese only: English readers get it, said so, not the
        # shipped English example it replaced.
        english = client.get("/knowledge/integrity-code?lang=en")
        assert "<h1>本市公民诚信守则</h1>" in english.text
        assert "available in Chinese only" in english.text
        assert 'lang="zh-CN"' in english.text.split("<main", 1)[1]
        added = client.get("/knowledge/local-news")
        assert added.status_code == 200
        assert "<table>" in added.text
        index = client.get("/knowledge").text
        assert 'href="/knowledge/local-news"' in index
        assert 'href="/knowledge/publicity"' in index
        assert "不应出现" not in index
        assert "太大" not in index
        assert "机密" not in index
        assert client.get("/knowledge/huge").status_code == 404
        assert client.get("/knowledge/escape").status_code == 404


@pytest.mark.parametrize(
    "slug",
    ["...", ".env", "%2e%2e", "..%2F..%2Fsrc%2Fchengxin%2Fsettings",
     "..%2Fzh%2Fintegrity-code", "integrity-code.md", "INTEGRITY-CODE", "-integrity-code",
     "integrity-code-", "integrity_code", "a" * 65, "%00", "integrity-code%00",
     "integrity-code%0A", "%E5%AE%88%E5%88%99", "~root"],
)  # fmt: skip
def test_slugs_cannot_leave_the_folders(light: TestClient, slug: str) -> None:
    answer = light.get(f"/knowledge/{slug}")
    assert answer.status_code in {404, 422}
    assert answer.headers["content-type"].startswith("text/html")
    assert "SECRET" not in answer.text
    assert "class Settings" not in answer.text


def test_find_checks_the_slug_before_any_path(tmp_path: Path) -> None:
    (tmp_path / "zh").mkdir()
    (tmp_path / "zh" / "ok.md").write_text("# OK\n", "utf-8")
    assert content.find("ok", "zh", tmp_path) == (tmp_path / "zh" / "ok.md", "zh")
    assert content.find("ok", "en", tmp_path) == (tmp_path / "zh" / "ok.md", "zh")
    for slug in ("../zh/ok", "ok/", "ok\n", "/etc/passwd", "", "ok.md"):
        assert content.find(slug, "zh", tmp_path) is None
    assert content.find("integrity-code", "en", None) == (
        content.SHIPPED / "en" / "integrity-code.md",
        "en",
    )
