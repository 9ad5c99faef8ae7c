"""Helpers for tip-off tests on a whole node (R-6.5): a form, evidence files, filing, row counts
of every table a filing writes, and a roomy filing limit for tests that file many times."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import func, select

from chengxin.access.ratelimit import RateLimiter
from chengxin.ledger.models import LedgerEntry
from chengxin.notifications.models import Notification
from chengxin.tipoffs.models import Tipoff, TipoffFile, TipoffStep
from tests.platform import Platform

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
FORM: dict[str, str] = {
    "category": "market_order",
    "region_code": "110105",
    "subject": "朝阳区某装修公司负责人王某某",
    "text": "该公司收取装修预付款后长期不开工、不退款，涉及业主二十余户，疑似恶意逃避债务。",
}
TABLES = (Tipoff, TipoffFile, TipoffStep, Notification, LedgerEntry)
Upload = tuple[str, bytes, str]


def file_tipoff(
    node: Platform, *files: Upload, who: str | None = None, **changes: str | None
) -> Any:
    """POST /api/v1/tipoffs as `who` (default: the public); a change of None leaves a field out."""
    form = {k: v for k, v in {**FORM, **changes}.items() if v is not None}
    uploads = [("files", (name, io.BytesIO(data), kind)) for name, data, kind in files]
    return node.call("POST", "/api/v1/tipoffs", who, data=form, files=uploads or None)


def filed(node: Platform, *files: Upload, **changes: str | None) -> dict[str, Any]:
    answer = file_tipoff(node, *files, **changes)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def counts(node: Platform) -> dict[str, int]:
    with node.rt.sessions() as session:
        return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0
                for t in TABLES}  # fmt: skip


def roomy(node: Platform) -> None:
    """Lift the filing limit (5 an hour per address) for a test that files many times."""
    node.client.app.state.tipoff_limiter = RateLimiter(1000, window_seconds=3600)  # type: ignore[attr-defined]


def only_id(node: Platform) -> str:
    """The one tip-off on the node, as staff see it in the queue."""
    [row] = node.call("GET", "/api/v1/staff/tipoffs", "the.reviewer").json()
    return str(row["id"])
