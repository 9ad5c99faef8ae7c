"""The citizen portal (R-3.7, R-5.3): my records with their marks and what I can do about each,
my report, who looked at my data. Records are read through the one door (`query_person`, purpose
self_query), so each visit to /me is registered like a self-query over the API. The forms are in
portal_filing (objections, repairs, explanations), portal_disputes, portal_consents,
portal_score, portal_notices and portal_listings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from chengxin.access.deps import allowed, own_subject
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.queries import service
from chengxin.queries.thresholds import Thresholds
from chengxin.web import portal_reads
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage

router = APIRouter(include_in_schema=False)
DONE = {"explanation": N_("Your explanation was saved. It is shown with the record.")}


@router.get("/me", response_class=HTMLResponse)
def my_records(
    page: GuardedPage,
    principal: Annotated[Principal, allowed(Permission.OWN_RECORDS_READ)],
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    rt = page.runtime
    subject_id = own_subject(principal, "records")
    report = service.query_person(
        rt.sessions, rt.keys, rt.catalog, rt.clock(), principal=principal,
        purpose="self_query", thresholds=Thresholds.of(rt.settings), channel="web",
    )  # fmt: skip
    with rt.reads() as session:
        repairs = portal_reads.repairable(session, rt.disputes.rules, subject_id, page.today)
    return page.render("me.html", report=report, today=page.today, repairable=repairs,
                       done=DONE.get(done))  # fmt: skip


@router.get("/me/report", response_class=HTMLResponse)
def my_report(
    page: GuardedPage, principal: Annotated[Principal, allowed(Permission.OWN_RECORDS_READ)]
) -> HTMLResponse:
    own_subject(principal, "a report")
    return page.render("me_report.html")


@router.get("/me/queries", response_class=HTMLResponse)
def my_queries(
    page: GuardedPage, principal: Annotated[Principal, allowed(Permission.OWN_QUERIES_READ)]
) -> HTMLResponse:
    subject_id = own_subject(principal, "queries about them")
    with page.runtime.reads() as session:
        looked = portal_reads.who_looked(session, subject_id)
    return page.render("me_queries.html", looked=looked)
