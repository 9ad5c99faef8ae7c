"""Puts the pages on the app: routers, the static files, the HTML error pages, the name-search
limiter. `create_app` calls `install` once, after the API's error handlers are in place."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from chengxin.access.ratelimit import RateLimiter
from chengxin.web import (
    auth_pages,
    console,
    errors,
    home,
    knowledge,
    portal,
    public_lists,
    tipoff_pages,
    verify_pages,
)

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    for module in (home, public_lists, knowledge, tipoff_pages, verify_pages, auth_pages, portal,
                   console):  # fmt: skip
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.name_searches = RateLimiter(public_lists.SEARCHES_PER_MINUTE)
    errors.install(app)
