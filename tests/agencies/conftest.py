"""A whole node for the agency tests (one per database, SQLite and PostgreSQL, for the folder),
and helpers to make agreements, run exports and read packages as an agency would (R-5.5)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chengxin.agencies import service
from chengxin.agencies.export import Exported
from chengxin.agencies.jobs import run_exports
from chengxin.agencies.rules import Frequency, Purpose
from chengxin.exchange.packages import Package, unpack
from chengxin.ledger.models import LedgerEntry
from tests.platform import Platform, platform

BASIS = "《征信业管理条例》第十三条；协议编号 XY-2026-001"


@pytest.fixture(
    scope="package", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def whole(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Platform]:  # fmt: skip
    with platform(tmp_path_factory.mktemp("agencies"), request.param) as p:
        yield p


def agree(p: Platform, code: str, items: tuple[str, ...] = ("PENALTY-TAX",),
          frequency: Frequency = Frequency.DAILY, **kw: Any) -> str:  # fmt: skip
    """A new agency `code` and an agreement with it; the agreement's id."""
    now = p.clock()
    with p.rt.sessions() as session, session.begin():
        service.add_agency(session, now, code=code, name=f"{code} 征信有限公司", public_key=None,
                           actor="test")  # fmt: skip
        made = service.make_agreement(
            session, p.rt.catalog, now, agency_code=code, items=items,
            purposes=(Purpose.CREDIT_REPORT,), frequency=frequency,
            valid_from=kw.pop("valid_from", dt.date(2026, 11, 1)),
            valid_until=kw.pop("valid_until", None), legal_basis=BASIS, actor="test",
        )  # fmt: skip
        return str(made.id)


def export(p: Platform, code: str) -> list[Exported]:
    return run_exports(p.rt, agency=code)


def read(p: Platform, exported: Exported) -> Package:
    """The package as the agency checks it: with this node's public key, addressed to it."""
    return unpack(exported.path.read_bytes(), sender=p.rt.settings.resolved_node_code,
                  sender_key=p.rt.keys.public_key_raw, receiver=exported.agency)  # fmt: skip


def ledger(p: Platform, event: str, agency: str) -> list[dict[str, Any]]:
    with p.rt.sessions() as session:
        bodies = session.scalars(select(LedgerEntry.body).where(LedgerEntry.kind == "agency")
                                 .order_by(LedgerEntry.idx))  # fmt: skip
        found = [json.loads(b) for b in bodies]
    return [e for e in found if e["event"] == event and e["agency"] == agency]


def files(p: Platform, code: str) -> list[str]:
    folder = Path(p.rt.settings.data_dir) / "exports" / code
    return sorted(f.name for f in folder.iterdir()) if folder.exists() else []
