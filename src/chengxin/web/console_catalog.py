"""The console's catalog page (目录, R-2.1; measures, R-6.2, R-6.3): the items in force with their
edition, the sources (数据提供单位) with the items granted to them and the state of their API
keys, the measures in force; "validate" runs the checks of `chengxin catalog validate` and
`chengxin measures validate` on the configured folders and shows every problem, "reload" (the
operator's) puts the checked catalog and measures into this server process. A reload whose
check fails changes nothing; other server processes load theirs at their restart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.access.deps import allowed
from chengxin.access.models import ApiKey
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.collection import sources
from chengxin.measures.types import SCENARIO_NAMES
from chengxin.reloads.service import latest_reload
from chengxin.runtime import RulesCheck, check_rules
from chengxin.web.console_times import beijing
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage, PageRequest

router = APIRouter(include_in_schema=False)
Staff = Annotated[Principal, allowed(Permission.CONSOLE_READ)]
Operator = Annotated[Principal, allowed(Permission.CATALOG_RELOAD)]
PART_LABELS = {
    "catalog": N_("Catalog (CHENGXIN_CATALOG_DIR)"),
    "measures": N_("Measures (CHENGXIN_MEASURES_DIR)"),
    "score models": N_("Score models, checked against the catalog (CHENGXIN_SCORING_DIR)"),
}


@dataclass(frozen=True)
class Key:
    prefix: str
    label: str
    created: str
    revoked: str  # "" while active


@dataclass(frozen=True)
class SourceRow:
    code: str
    name: str
    kind: str
    region_code: str
    granted: list[str]
    keys: list[Key]


def _key(key: ApiKey) -> Key:
    return Key(key.prefix, key.label, beijing(key.created_at), beijing(key.revoked_at))


def _sources(page: PageRequest) -> list[SourceRow]:
    with page.runtime.reads() as session:
        return [
            SourceRow(
                code=s.code, name=s.name, kind=str(s.kind), region_code=s.region_code,
                granted=sorted(sources.granted_items(session, s.id)),
                keys=[_key(k) for k in sources.source_keys(session, s)],
            )
            for s in sources.list_sources(session)
        ]  # fmt: skip


def _page(
    page: PageRequest, staff: Principal, *, status: int = 200, check: RulesCheck | None = None,
    reloaded: bool = False,
) -> HTMLResponse:  # fmt: skip
    rt, today = page.runtime, page.today
    settings = rt.settings
    folders = [
        ("CHENGXIN_CATALOG_DIR", settings.catalog_dir),
        ("CHENGXIN_MEASURES_DIR", settings.measures_dir),
        ("CHENGXIN_SCORING_DIR", settings.scoring_dir),
    ]
    with rt.reads() as session:
        last = latest_reload(session)
    context: dict[str, Any] = {
        "last_reload": last and (last.id, beijing(last.reloaded_at), last.actor),
        "rules_seen": rt.rules_seen,
        "items": rt.catalog.items(today), "measures": rt.measures.in_force(today),
        "sources": _sources(page), "folders": folders, "check": check, "reloaded": reloaded,
        "may_reload": staff.can(Permission.CATALOG_RELOAD), "part_labels": PART_LABELS,
        "scenario_names": SCENARIO_NAMES, "today": today,
    }  # fmt: skip
    return page.render("console_catalog.html", status=status, **context)


@router.get("/console/catalog", response_class=HTMLResponse)
def catalog(page: GuardedPage, staff: Staff, done: Literal["", "reloaded"] = "") -> HTMLResponse:
    return _page(page, staff, reloaded=done == "reloaded")


@router.post("/console/catalog/validate", response_class=HTMLResponse)
def validate(page: GuardedPage, staff: Staff) -> HTMLResponse:
    """Checks only: the files are read and checked, nothing in the running server changes."""
    return _page(page, staff, check=check_rules(page.runtime.settings))


@router.post("/console/catalog/reload", response_class=HTMLResponse)
def reload(page: GuardedPage, operator: Operator) -> Response:
    check = page.runtime.reload_rules(actor=operator.actor)
    if not check.ok:
        return _page(page, operator, status=409, check=check)
    return RedirectResponse("/console/catalog?done=reloaded", status_code=303)
