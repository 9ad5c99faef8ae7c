"""Puts the pages on the app: routers, the static files, the HTML error pages, the name-search
limiter. `create_app` calls `install` once, after the API's error handlers are in place."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from chengxin.access.ratelimit import RateLimiter
from chengxin.web import (
    auth_pages,
    cases_console,
    cases_portal,
    cases_public,
    console,
    console_batches,
    console_catalog,
    console_disputes,
    console_exchange,
    console_identity,
    console_ledger,
    console_listings,
    console_queries,
    console_tipoffs,
    errors,
    home,
    knowledge,
    portal,
    portal_consents,
    portal_disputes,
    portal_filing,
    portal_listings,
    portal_notices,
    portal_score,
    public_lists,
    tipoff_pages,
    verify_pages,
)

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    for module in (home, public_lists, knowledge, tipoff_pages, verify_pages, auth_pages, portal,
                   console):  # fmt: skip
        app.include_router(module.router)
    for module in (cases_public, cases_portal, cases_console):  # typical cases (典型案例)
        app.include_router(module.router)
    for module in (console_batches, console_identity, console_disputes, console_tipoffs):
        app.include_router(module.router)  # the console's casework
    for module in (console_listings, console_queries, console_catalog, console_ledger,
                   console_exchange):  # fmt: skip
        app.include_router(module.router)  # the console's governance pages
    # the citizen portal's forms
    for module in (portal_filing, portal_disputes, portal_consents, portal_score, portal_notices,
                   portal_listings):  # fmt: skip
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.name_searches = RateLimiter(public_lists.SEARCHES_PER_MINUTE)
    errors.install(app)
