"""The operator console (R-7.3), its first page: the dashboard of figures per region and
department as plain tables, and the way to the queues that follow. For reviewers, operators and
auditors (`admin:console:read`); each queue keeps its own permission."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.web.console_figures import dashboard
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage

router = APIRouter(include_in_schema=False)
# The queues of the console that follow, with what serves them today (API or command).
QUEUES = [
    (N_("Batches and their refused rows"), "chengxin quality report"),
    (N_("Identity review queue"), "chengxin identity reviews"),
    (N_("Objection and repair queues, by deadline"), "GET /api/v1/staff/disputes"),
    (N_("Listing workflow and notice windows"), "GET /api/v1/listings"),
    (N_("Tip-off triage"), "GET /api/v1/staff/tipoffs"),
    (N_("Query register review with anomaly flags"), "GET /api/v1/queries?flagged=true"),
    (N_("Catalog, sources and measures"), "GET /api/v1/catalog/items"),
    (N_("Ledger status and verification"), "GET /api/v1/ledger/checkpoint"),
]


@router.get("/console", response_class=HTMLResponse)
def console(
    page: GuardedPage, _staff: Annotated[Principal, allowed(Permission.CONSOLE_READ)]
) -> HTMLResponse:
    rt = page.runtime
    with rt.sessions() as session:
        figures = dashboard(session, rt.catalog)
    cases = {
        kind: [(c.region, c.source, c.filed, c.open, c.decided, c.on_time, c.on_time_rate)
               for c in found]
        for kind, found in (("objections", figures.objections), ("repairs", figures.repairs))
    }  # fmt: skip
    measures = [(m.measure, m.department, m.returned, m.applied, m.skipped, m.overridden,
                 m.awaiting) for m in figures.measures]  # fmt: skip
    return page.render("console.html", figures=figures, cases=cases, measures=measures,
                       queues=QUEUES)  # fmt: skip
