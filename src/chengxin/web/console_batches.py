"""Console: batches newest first and one batch's receipt with its refused rows (R-2.2, R-2.7),
for the staff who read data quality (`admin:quality:read`, as `chengxin quality report`). A
refusal's message may repeat part of what the source sent; digits that could be part of an ID
number (its region or birth date) are starred, so no ID number is shown, not even in pieces."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.collection import service
from chengxin.collection.sources import list_sources
from chengxin.web.console_casework import MAX_PAGE, PER_PAGE, Pages
from chengxin.web.console_times import beijing
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, allowed(Permission.QUALITY_READ)]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE)]
ERRORS_PER_PAGE = 100
ID_LIKE = re.compile(r"\d{15}(?:\d\d[\dXx])?")  # an ID number anywhere in a message
DIGIT_RUN = re.compile(r"\d{6,}[Xx]?")  # in a message about the ID number: region, birth date


def safe_message(field: str | None, message: str) -> str:
    """The refusal's message without any piece of an ID number in it."""
    message = ID_LIKE.sub(lambda m: "*" * len(m.group()), message)
    if field == "id_number":
        message = DIGIT_RUN.sub(lambda m: "*" * len(m.group()), message)
    return message


@router.get("/console/batches", response_class=HTMLResponse)
def batches(
    page: GuardedPage,
    _staff: Reader,
    source: Annotated[str, Query(max_length=32)] = "",
    number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    with page.runtime.reads() as session:
        known = {s.code: s for s in list_sources(session)}
        chosen = known.get(source)
        found, total = service.recent_batches(
            session, source_id=chosen.id if chosen else None, limit=PER_PAGE,
            offset=(number - 1) * PER_PAGE,
        )  # fmt: skip
    names = {code: s.name for code, s in known.items()}
    if source and chosen is None:
        return page.render(
            "console_batches.html", status=422, sources=names, source=source, rows=[],
            pages=Pages(1, 0), errors={"source": N_("Choose one of the sources listed")},
        )  # fmt: skip
    pages = Pages(number, total)
    pages.check()
    rows = [(r, beijing(r.received_at)) for r in found]
    return page.render("console_batches.html", sources=names, source=source, rows=rows,
                       pages=pages, errors={})  # fmt: skip


@router.get("/console/batches/{batch_id}", response_class=HTMLResponse)
def batch(
    page: GuardedPage, _staff: Reader, batch_id: uuid.UUID, number: PageNumber = 1
) -> HTMLResponse:
    pages = Pages(number, 0, ERRORS_PER_PAGE)
    with page.runtime.reads() as session:
        receipt = service.batch_receipt(session, batch_id, None)
        names = {s.code: s.name for s in list_sources(session)}
        refused = [
            (e.row_number, e.field or "", e.rule or "", safe_message(e.field, e.message))
            for e in service.batch_errors(
                session, batch_id, limit=pages.per_page, offset=pages.offset
            )
        ]
    pages = Pages(number, receipt.refused, ERRORS_PER_PAGE)
    pages.check()
    return page.render("console_batches_receipt.html", receipt=receipt, refused=refused,
                       source_name=names.get(receipt.source, ""), pages=pages,
                       received=beijing(receipt.received_at))  # fmt: skip
