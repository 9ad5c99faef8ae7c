"""The citizen portal (R-3.7, R-5.3): my records with their marks, my report, who looked at my
data, my notices. Records are read through the one door (`query_person`, purpose self_query),
so each visit to /me is registered like a self-query over the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from chengxin.access.deps import allowed, own_subject
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.queries import service
from chengxin.queries.thresholds import Thresholds
from chengxin.web import portal_reads
from chengxin.web.pages import GuardedPage

router = APIRouter(include_in_schema=False)


@router.get("/me", response_class=HTMLResponse)
def my_records(
    page: GuardedPage, principal: Annotated[Principal, allowed(Permission.OWN_RECORDS_READ)]
) -> HTMLResponse:
    rt = page.runtime
    own_subject(principal, "records")
    report = service.query_person(
        rt.sessions, rt.keys, rt.catalog, rt.clock(), principal=principal,
        purpose="self_query", thresholds=Thresholds.of(rt.settings), channel="web",
    )  # fmt: skip
    return page.render("me.html", report=report, today=page.today)


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
    with page.runtime.sessions() as session:
        looked = portal_reads.who_looked(session, subject_id)
    return page.render("me_queries.html", looked=looked)


@router.get("/me/notifications", response_class=HTMLResponse)
def my_notifications(
    page: GuardedPage, principal: Annotated[Principal, allowed(Permission.OWN_NOTIFICATIONS)]
) -> HTMLResponse:
    subject_id = own_subject(principal, "notices")
    with page.runtime.sessions() as session:
        notices = portal_reads.inbox(session, subject_id)
    return page.render("me_notifications.html", notices=notices)
