"""The landing page of a node: what it is and what it holds, and the way to the public pages."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from chengxin.figures.service import read_figures
from chengxin.web.console_times import beijing
from chengxin.web.i18n import N_
from chengxin.web.pages import Page

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(page: Page) -> HTMLResponse:
    rt = page.runtime
    # Stored by the `figures` job (no big count here), read beside any writer.
    figures = read_figures(rt.reads, rt.sessions, rt.clock())
    rows = [
        (N_("Node region code"), rt.settings.region_code),
        (N_("Catalog items in force"), str(len(rt.catalog.items(page.today)))),
        (N_("Registered natural persons"), str(figures.persons)),
        (N_("Registered organisations"), str(figures.organisations)),
        (N_("Records in force"), str(figures.records_in_force)),
        (N_("Data-providing units"), str(figures.sources)),
        (N_("Counted at (Beijing time)"), beijing(figures.counted_at)),
    ]
    return page.render("home.html", rows=rows)
