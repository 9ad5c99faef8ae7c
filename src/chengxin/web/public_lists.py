"""Publicity pages (信用公示, R-6.5): the serious-dishonesty and red lists in effect today, masked,
with search by region and list (GET, bookmarkable) and by name (POST: a name never travels in a
URL, where logs, history and Referer headers would keep it)."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.access.ratelimit import RateLimiter
from chengxin.errors import NotFound
from chengxin.identity.models import OrgRole
from chengxin.lists.rules import ListKind
from chengxin.lists.types import shipped_types
from chengxin.web.i18n import N_
from chengxin.web.pages import Page, PageRequest, count_hit
from chengxin.web.publicity import MAX_PAGE, Filters, normalise, published_entries, published_entry

router = APIRouter(include_in_schema=False)
KINDS: dict[str, ListKind | None] = {
    "all": None,
    "serious_dishonesty": ListKind.SERIOUS_DISHONESTY,
    "red": ListKind.RED,
}
REGION = re.compile(r"[0-9]{2}|[0-9]{4}|[0-9]{6}")
MAX_NAME = 50
RAW = 100  # longer raw values are refused before they are read (422 page)
SEARCHES_PER_MINUTE = 20  # name searches open sealed names: a tighter limit than pages
LABELS: dict[str, Any] = {  # what the templates show for enum values
    "kind_labels": {
        ListKind.SERIOUS_DISHONESTY: N_("Serious dishonesty"),
        ListKind.RED: N_("Red list"),
    },
    "role_labels": {
        OrgRole.LEGAL_REPRESENTATIVE: N_("legal representative"),
        OrgRole.RESPONSIBLE_PERSON: N_("responsible person"),
    },
}
Raw = Annotated[str, Query(max_length=RAW)]
RawForm = Annotated[str, Form(max_length=RAW)]
PageNumber = Annotated[str, Query(alias="page", max_length=RAW)]  # `page` names the dependency
PageNumberForm = Annotated[str, Form(alias="page", max_length=RAW)]


def parse(*, kind: str, region: str, name: str, page: str) -> tuple[Filters, dict[str, str]]:
    """The filters, or messages (ids to translate) by field for what cannot be used."""
    errors: dict[str, str] = {}
    if kind not in KINDS:
        errors["kind"] = N_("Choose one of the lists shown (key-supervision lists are not public)")
    region = region.strip()
    if region and not REGION.fullmatch(region):
        errors["region"] = N_("A region code is 2, 4 or 6 digits, for example 110105")
    while len(region) > 2 and region.endswith("00"):  # 110000 is all of Beijing: prefix 11
        region = region[:-2]
    wanted = normalise(name)
    if len(wanted) > MAX_NAME:
        errors["name"] = N_("A name has at most 50 characters")
    number = int(page) if page.isascii() and page.isdigit() else 0
    if not 1 <= number <= MAX_PAGE:
        errors["page"] = N_("A page number is a whole number from 1 to 1000")
    filters = Filters(kind=KINDS.get(kind), region=region, name=wanted, page=max(1, number))
    return filters, errors


def _answer(
    page: PageRequest, filters: Filters, errors: dict[str, str], shown: dict[str, str]
) -> HTMLResponse:
    if errors:
        return page.render("lists.html", status=422, errors=errors, shown=shown, found=None,
                           filters=filters, **LABELS)  # fmt: skip
    rt = page.runtime
    with rt.reads() as session:
        found = published_entries(session, rt.keys, shipped_types(), page.today, filters)
    if filters.page > found.pages:
        raise NotFound(f"there are {found.pages} pages", field="page", rule="past-last-page")
    return page.render("lists.html", errors={}, shown=shown, found=found, filters=filters,
                       **LABELS)  # fmt: skip


@router.get("/public/lists", response_class=HTMLResponse)
def lists_page(
    page: Page, kind: Raw = "all", region: Raw = "", page_number: PageNumber = "1"
) -> HTMLResponse:
    filters, errors = parse(kind=kind, region=region, name="", page=page_number)
    return _answer(page, filters, errors, {"kind": kind, "region": region, "name": ""})


@router.post("/public/lists", response_class=HTMLResponse)
def search_by_name(
    page: Page,
    name: RawForm = "",
    kind: RawForm = "all",
    region: RawForm = "",
    page_number: PageNumberForm = "1",
) -> Response:
    """A search without a name is sent on to the bookmarkable GET page."""
    filters, errors = parse(kind=kind, region=region, name=name, page=page_number)
    if not filters.name and not errors:
        query = urlencode({"kind": kind, "region": region.strip(), "page": filters.page})
        return RedirectResponse(f"/public/lists?{query}", status_code=303)
    limiter: RateLimiter = page.request.app.state.name_searches  # set by site.install
    count_hit(page.request, limiter)
    return _answer(page, filters, errors, {"kind": kind, "region": region, "name": name})


@router.get("/public/lists/{entry_id}", response_class=HTMLResponse)
def entry_page(page: Page, entry_id: uuid.UUID) -> HTMLResponse:
    rt = page.runtime
    with rt.reads() as session:
        entry = published_entry(session, rt.keys, shipped_types(), page.today, entry_id)
    if entry is None:
        raise NotFound("no published listing has this id", field="entry_id")
    return page.render("entry.html", entry=entry, **LABELS)
