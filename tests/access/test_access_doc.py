"""R-3.1: docs/access.md's permission table is the code's table — every permission has a row
(or shares one), ticked for exactly the roles `ROLE_PERMISSIONS` gives it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chengxin.access.permissions import ROLE_PERMISSIONS, Permission, Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"


def _table() -> tuple[list[str], list[tuple[set[str], list[bool]]]]:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    header = next(line for line in lines if line.startswith("| permission |"))
    roles = [cell.strip() for cell in header.strip("|").split("|")[1:]]
    rows = []
    for line in lines[lines.index(header) + 2 :]:
        if not line.startswith("| `"):
            break
        first, *cells = line.strip("|").split("|")
        named = set(re.findall(r"`([a-z-]+:[a-z-]+:[a-z-]+)`", first))
        rows.append((named, [cell.strip() == "✓" for cell in cells]))
    return roles, rows


@pytest.mark.parametrize("permission", list(Permission))
def test_r3_1_the_access_doc_ticks_each_permission_for_the_roles_that_have_it(
    permission: Permission,
) -> None:
    roles, rows = _table()
    (ticks,) = [ticks for named, ticks in rows if permission.value in named]
    assert dict(zip(roles, ticks, strict=True)) == {
        role.value: permission in ROLE_PERMISSIONS[role] for role in Role
    }
