"""The landing page of a node: what it is and what it holds, and the way to the public pages."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from chengxin.collection.models import Source
from chengxin.identity.models import Subject, SubjectKind
from chengxin.records.models import Record, RecordStatus
from chengxin.web.i18n import N_
from chengxin.web.pages import Page

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(page: Page) -> HTMLResponse:
    rt = page.runtime
    with rt.sessions() as session:
        found = session.execute(select(Subject.kind, func.count()).group_by(Subject.kind)).all()
        records = session.scalar(
            select(func.count()).select_from(Record).where(Record.status == RecordStatus.ACTIVE)
        )
        source_count = session.scalar(select(func.count()).select_from(Source))
    counts: dict[SubjectKind, int] = dict(found)
    rows = [
        (N_("Node region code"), rt.settings.region_code),
        (N_("Catalog items in force"), str(len(rt.catalog.items(page.today)))),
        (N_("Registered natural persons"), str(counts.get(SubjectKind.PERSON, 0))),
        (N_("Registered organisations"), str(counts.get(SubjectKind.ORGANISATION, 0))),
        (N_("Records in force"), str(records or 0)),
        (N_("Data-providing units"), str(source_count or 0)),
    ]
    return page.render("home.html", rows=rows)
