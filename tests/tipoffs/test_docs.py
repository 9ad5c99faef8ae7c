"""The access doc's table has the tip-off permissions exactly as the one table says (R-3.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chengxin.access.permissions import ROLE_PERMISSIONS, Permission, Role

DOCS = Path(__file__).resolve().parents[2] / "docs"
TIPOFF_PERMISSIONS = [Permission.TIPOFFS_FILE, Permission.TIPOFFS_MANAGE, Permission.TIPOFFS_READ]


@pytest.mark.parametrize("permission", TIPOFF_PERMISSIONS)
def test_r3_1_the_access_doc_has_the_tipoff_permissions_as_the_table_says(
    permission: Permission,
) -> None:
    lines = (DOCS / "access.md").read_text(encoding="utf-8").splitlines()
    header = next(line for line in lines if line.startswith("| permission |"))
    roles = [cell.strip() for cell in header.strip("|").split("|")[1:]]
    (row,) = [line for line in lines if line.startswith(f"| `{permission.value}`")]
    ticks = [cell.strip() == "✓" for cell in row.strip("|").split("|")[1:]]
    assert dict(zip(roles, ticks, strict=True)) == {
        role.value: permission in ROLE_PERMISSIONS[role] for role in Role
    }


def test_r6_5_the_docs_link_and_list_the_tipoff_routes() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert "`docs/tipoffs.md`" in readme
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    for route in ("POST /api/v1/tipoffs", "GET /api/v1/tipoffs/{tracking}",
                  "GET /api/v1/staff/tipoffs"):  # fmt: skip
        assert route in api
