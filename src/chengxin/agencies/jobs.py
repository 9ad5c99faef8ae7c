"""The `agencies` job: make the exports that are due to credit agencies (R-5.5)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from chengxin.agencies.export import Exported, export_due

if TYPE_CHECKING:
    from chengxin.runtime import Runtime


def exports_folder(rt: Runtime) -> Path:
    return rt.settings.data_dir / "exports"


def run_exports(rt: Runtime, *, agency: str | None = None) -> list[Exported]:
    return export_due(rt.sessions, rt.keys, rt.clock(), sender=rt.settings.resolved_node_code,
                      folder=exports_folder(rt), agency=agency)  # fmt: skip


def run_agencies(rt: Runtime) -> str:
    """For `chengxin jobs run agencies` (registered in chengxin.jobs.runner)."""
    done = run_exports(rt)
    records = sum(e.records for e in done)
    agencies = len({e.agency for e in done})
    return f"wrote {len(done)} export packages ({records} records) for {agencies} agencies"
