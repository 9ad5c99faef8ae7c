"""The access doc's table has the tip-off permissions exactly as the one table says (R-3.1)."""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_r6_5_the_docs_link_and_list_the_tipoff_routes() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert "`docs/tipoffs.md`" in readme
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    for route in ("POST /api/v1/tipoffs", "GET /api/v1/tipoffs/{tracking}",
                  "GET /api/v1/staff/tipoffs"):  # fmt: skip
        assert route in api
