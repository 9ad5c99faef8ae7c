"""Credit knowledge pages and the citizen integrity code (R-7.1), from Markdown files."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from chengxin.errors import NotFound
from chengxin.web import content
from chengxin.web.pages import Page

router = APIRouter(include_in_schema=False)


@router.get("/knowledge", response_class=HTMLResponse)
def knowledge_index(page: Page) -> HTMLResponse:
    pages = content.index(page.lang, page.runtime.settings.content_dir)
    return page.render("knowledge_index.html", pages=pages)


@router.get("/knowledge/{slug}", response_class=HTMLResponse)
def knowledge_page(page: Page, slug: Annotated[str, PathParam(max_length=64)]) -> HTMLResponse:
    found = content.load(slug, page.lang, page.runtime.settings.content_dir)
    if found is None:
        raise NotFound("no knowledge page has this name", field="slug")
    return page.render("knowledge_page.html", page_content=found)
