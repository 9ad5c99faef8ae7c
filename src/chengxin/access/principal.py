"""The authenticated caller of a request or command. Pure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from chengxin.access.permissions import Permission, Role, allows


@dataclass(frozen=True)
class Principal:
    """Who calls, in which role, on whose behalf. `actor` names the caller in the register, the
    ledger and version histories (`account:<username>`, `key:<prefix>`, `cli:<user>`, `public`)."""

    role: Role
    actor: str
    account_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None  # a citizen's own subject
    source_id: uuid.UUID | None = None  # a source's key
    requester_id: uuid.UUID | None = None  # a requester's or department's key or staff account
    via_session: bool = False  # a browser session (CSRF applies), not an API key

    def can(self, permission: Permission) -> bool:
        return allows(self.role, permission)


PUBLIC = Principal(role=Role.PUBLIC, actor="public")


def cli_principal(role: Role, user: str) -> Principal:
    """Commands run on the node's own machine act for an operator-side role."""
    return Principal(role=role, actor=f"cli:{user}")
