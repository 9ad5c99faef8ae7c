"""Tip-off pages (举报, R-6.5): the public form (multipart, with evidence files) and tracking by
number. No log-in; the form reads no session, so it needs no CSRF token, but a post from another
site is refused (Origin). Filing shares the API's hourly limit per address. The tracking number
is shown once, travels only in POST bodies, and the answers are never cached."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse

from chengxin.clock import china_date
from chengxin.disputes.api import UPLOAD_LIMIT
from chengxin.disputes.attachments import MAX_FILES
from chengxin.errors import InvalidInput, NotFound
from chengxin.tipoffs import service
from chengxin.tipoffs.api import count_filing
from chengxin.tipoffs.rules import MAX_CONTACT, MAX_SUBJECT, MAX_TEXT, MAX_TRACKING_INPUT
from chengxin.tipoffs.views import track_view
from chengxin.web.pages import Page, PageRequest
from chengxin.web.tipoff_form import (
    CATEGORY_LABELS,
    RAW_LIMITS,
    STATE_LABELS,
    check_origin,
    message,
    new_form,
)

router = APIRouter(include_in_schema=False)
UPLOADS = {"/tipoffs/new": UPLOAD_LIMIT}  # for the app's body limit, as the API's
NO_STORE = {"Cache-Control": "no-store"}  # a tracking number or a tip-off's state
LIMITS = {"max_files": MAX_FILES, "max_subject": MAX_SUBJECT, "max_text": MAX_TEXT,
          "max_contact": MAX_CONTACT, "max_tracking": MAX_TRACKING_INPUT}  # fmt: skip


def _raw(name: str) -> Any:
    return Form(max_length=RAW_LIMITS[name])


Files = Annotated[list[UploadFile | str], File()]  # an empty file input may come as ""


def _form_page(page: PageRequest, status: int = 200, **context: Any) -> HTMLResponse:
    shown = {"values": new_form().values, "errors": {}} | context
    return page.render("tipoff_new.html", status=status, categories=CATEGORY_LABELS,
                       **LIMITS, **shown)  # fmt: skip


def _track_page(page: PageRequest, status: int = 200, **context: Any) -> HTMLResponse:
    shown = {"errors": {}, "typed": "", "found": None} | context
    answer = page.render("tipoff_track.html", status=status, states=STATE_LABELS, **LIMITS,
                         **shown)  # fmt: skip
    answer.headers.update(NO_STORE)
    return answer


@router.get("/tipoffs/new", response_class=HTMLResponse)
def tipoff_form(page: Page) -> HTMLResponse:
    return _form_page(page)


@router.post("/tipoffs/new", response_class=HTMLResponse)
def file_tipoff(  # noqa: PLR0917  (form fields are parameters)
    page: Page,
    category: Annotated[str, _raw("category")] = "",
    region_code: Annotated[str, _raw("region_code")] = "",
    subject: Annotated[str, _raw("subject")] = "",
    text: Annotated[str, _raw("text")] = "",
    contact: Annotated[str, _raw("contact")] = "",
    files: Files = [],  # noqa: B006  (FastAPI copies the default)
) -> HTMLResponse:
    check_origin(page.request)
    count_filing(page.request)
    form = new_form(category=category, region_code=region_code, subject=subject, text=text,
                    contact=contact)  # fmt: skip
    form.check(files)
    if form.errors:
        return _form_page(page, 422, values=form.values, errors=form.errors)
    rt, v = page.runtime, form.values
    with rt.sessions() as session, session.begin():
        filed = service.file_tipoff(
            session, rt.keys, rt.clock(), category=form.category,
            region_code=v["region_code"].strip(), subject=v["subject"], text=v["text"],
            contact=v["contact"], files=form.evidence,
        )  # fmt: skip
    answer = page.render("tipoff_filed.html", status=201, tracking=filed.tracking,
                         filed_on=china_date(filed.tipoff.filed_at))  # fmt: skip
    answer.headers.update(NO_STORE)
    return answer


@router.get("/tipoffs/track", response_class=HTMLResponse)
def track_form(page: Page) -> HTMLResponse:
    return _track_page(page)


@router.post("/tipoffs/track", response_class=HTMLResponse)
def track(page: Page, tracking: Annotated[str, _raw("tracking")] = "") -> HTMLResponse:
    check_origin(page.request)
    rt = page.runtime
    try:
        with rt.reads() as session:
            view = track_view(session, service.find_by_tracking(session, rt.keys, tracking))
    except (InvalidInput, NotFound) as refused:
        shown = message("tracking", refused)
        return _track_page(page, refused.status, typed=tracking, errors={"tracking": shown})
    steps = [(step.state, china_date(step.at)) for step in view.steps]
    return _track_page(page, found=view, steps=steps,
                       filed_on=china_date(view.filed_at),
                       updated_on=china_date(view.updated_at))  # fmt: skip
