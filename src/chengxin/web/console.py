"""The operator console's dashboard (R-7.3): the node's figures in a period and region, as charts
drawn on the server with their tables, and a table by region to focus on one. For reviewers,
operators and auditors (`admin:console:read`); the console's other pages have their own modules.
The filters are GET parameters (bookmarkable; nothing personal): `period` (30d, 90d, 12m, all),
or `from` and `to` (Beijing dates), and `region` (a region code prefix)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.catalog.vocab import Domain
from chengxin.lists.types import shipped_types
from chengxin.web import console_tables as tables
from chengxin.web.console_charts import over_time, snapshots
from chengxin.web.console_figures import dashboard
from chengxin.web.console_period import DEFAULT_PERIOD, PERIODS, grain_of, parse
from chengxin.web.i18n import N_, translations
from chengxin.web.pages import GuardedPage, PageRequest

router = APIRouter(include_in_schema=False)
Raw = Annotated[str, Query(max_length=20)]  # longer values are refused before they are read
DOMAINS = {
    Domain.FOOD_DRUGS: N_("Food and drugs"), Domain.WORK_SAFETY: N_("Work safety"),
    Domain.FIRE_SAFETY: N_("Fire safety"), Domain.TRAFFIC_SAFETY: N_("Traffic safety"),
    Domain.ENVIRONMENT: N_("Environmental protection"), Domain.BIOSAFETY: N_("Biosafety"),
    Domain.PRODUCT_QUALITY: N_("Product quality"), Domain.TAX: N_("Tax payment"),
    Domain.HEALTH_CARE: N_("Health care"),
    Domain.LABOUR_SOCIAL_SECURITY: N_("Labour and social security"),
    Domain.CONSTRUCTION: N_("Construction"), Domain.FINANCIAL_SERVICES: N_("Financial services"),
    Domain.INTELLECTUAL_PROPERTY: N_("Intellectual property"),
    Domain.JUDICIAL_LITIGATION: N_("Courts and litigation"), Domain.E_COMMERCE: N_("E-commerce"),
    Domain.VOLUNTEER_SERVICE: N_("Volunteer service"), Domain.EDUCATION: N_("Education"),
    Domain.GENERAL: N_("General"),
}  # fmt: skip
PERIOD_LABELS = {"30d": N_("Last 30 days"), "90d": N_("Last 90 days"),
                 "12m": N_("Last 12 months"), "all": N_("All time")}  # fmt: skip


def _names(page: PageRequest) -> dict[str, str]:
    """Domain, list type and measure codes by their name in the reader's language."""
    gettext = translations(page.lang).gettext
    names = {str(code): gettext(label) for code, label in DOMAINS.items()}
    for found in (shipped_types().versions, page.runtime.measures.versions):
        for code, versions in found.items():
            name = versions[-1].name
            names[code] = name.zh if page.lang == "zh" else name.en
    return names


def focus_href(shown: dict[str, str], region: str) -> str:
    """This page with the same period, focused on `region` ("" for every region)."""
    kept = [(k, v) for k, v in shown.items() if v and k != "region"]
    return "/console?" + urlencode([*kept, *([("region", region)] if region else [])])


@router.get("/console", response_class=HTMLResponse)
def console(
    page: GuardedPage,
    _staff: Annotated[Principal, allowed(Permission.CONSOLE_READ)],
    period: Raw = "",
    start: Annotated[str, Query(alias="from", max_length=20)] = "",
    end: Annotated[str, Query(alias="to", max_length=20)] = "",
    region: Raw = "",
) -> HTMLResponse:
    scope, errors = parse(period=period, start=start, end=end, region=region, today=page.today)
    shown = {"period": period, "from": start, "to": end, "region": region.strip()}
    form: dict[str, Any] = {
        "errors": errors,
        "shown": shown,
        "periods": PERIODS,
        "period_labels": PERIOD_LABELS,
        "default_period": DEFAULT_PERIOD,
    }
    if errors:
        return page.render("console.html", status=422, figures=None, **form)
    rt = page.runtime
    with rt.reads() as session:
        dash = dashboard(session, rt.catalog, scope)
    gettext = translations(page.lang).gettext
    names = _names(page)

    def name(code: str) -> str:
        return names.get(code, code)

    figures = {
        "charts": over_time(dash, gettext, name) | snapshots(dash, gettext, name),
        "regions": tables.regions(dash), "batches": tables.batches(dash),
        "delays": tables.delays(dash), "lists": tables.lists(dash, name),
        "objections": tables.cases(dash.objections), "repairs": tables.cases(dash.repairs),
        "measures": tables.measures(dash, name), "tipoffs": dash.tipoffs,
    }  # fmt: skip
    return page.render("console.html", figures=figures, dash=dash,
                       grain=str(grain_of(dash.first_day, scope.end)),
                       focus=lambda code: focus_href(shown, code), **form)  # fmt: skip
