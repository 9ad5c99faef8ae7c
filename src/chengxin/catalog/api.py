"""Catalog routes (R-2.1): the items in force on a date, and one item with all its versions.

The catalog is the node runtime's (`app.state.runtime`; the console may reload it). "Today" is
the date in China by the clock of `app.state.runtime` (or `app.state.clock`), so tests can fix
it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.catalog.schema import Catalog
from chengxin.catalog.views import ItemDetailOut, ItemListOut, detail_view, list_view
from chengxin.catalog.vocab import Category, Domain, InfoClass
from chengxin.clock import Clock, china_today, system_clock
from chengxin.errors import ConfigError
from chengxin.problems import GUARDED, NO_NUL, problem_responses

# The catalog is public; the check still runs (rate limits, the blacklist, the role table).
router = APIRouter(
    prefix="/api/v1/catalog",
    tags=["catalog"],
    dependencies=[allowed(Permission.CATALOG_READ), *NO_NUL],
    responses=GUARDED,
)


def get_catalog(request: Request) -> Catalog:
    runtime = getattr(request.app.state, "runtime", None)
    catalog = getattr(runtime, "catalog", None)
    if not isinstance(catalog, Catalog):
        raise ConfigError("the catalog is not loaded", rule="catalog")
    return catalog


def get_today(request: Request) -> dt.date:
    state = request.app.state
    clock: Clock | None = getattr(getattr(state, "runtime", None), "clock", None)
    if clock is None:
        clock = getattr(state, "clock", None) or system_clock
    return china_today(clock())


CatalogDep = Annotated[Catalog, Depends(get_catalog)]
Today = Annotated[dt.date, Depends(get_today)]
OnDate = Annotated[
    dt.date | None,
    Query(description="Date the items must be in force on (YYYY-MM-DD); default today in China"),
]


@router.get("/items", summary="Catalog items in force on a date")
def list_items(
    *,
    catalog: CatalogDep,
    today: Today,
    on: OnDate = None,
    domain: Annotated[Domain | None, Query(description="Only this domain")] = None,
    category: Annotated[Category | None, Query(description="Only this category")] = None,
    info_class: Annotated[InfoClass | None, Query(description="Only this class")] = None,
) -> ItemListOut:
    day = on or today
    items = catalog.items(day, domain=domain, category=category, info_class=info_class)
    return list_view(items, day)


@router.get(
    "/items/{code}",
    summary="One catalog item: the version in force on a date and all versions",
    responses=problem_responses(described={404: "No catalog item has this code"}),
)
def get_item(
    catalog: CatalogDep,
    today: Today,
    code: Annotated[str, Path(max_length=64, description="Item code, e.g. PENALTY-TAX")],
    on: OnDate = None,
) -> ItemDetailOut:
    return detail_view(catalog, code, on or today)
