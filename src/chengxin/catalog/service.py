"""Catalog verbs that touch the outside world: settings, files, the clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from chengxin.catalog.loader import load_catalog
from chengxin.catalog.schema import Catalog
from chengxin.clock import Clock, china_today, system_clock
from chengxin.settings import Settings, load_settings


def catalog_for_settings(settings: Settings | None = None) -> Catalog:
    """The shipped catalog plus the operator's folder (CHENGXIN_CATALOG_DIR), if set.

    Raises ConfigError for bad settings and CatalogError for bad catalog files."""
    settings = settings if settings is not None else load_settings()
    return load_catalog(settings.catalog_dir)


def check_folder(directory: Path) -> Catalog:
    """Load the shipped catalog plus `directory`, as start-up would with it configured."""
    return load_catalog(directory)


def today_in_china(clock: Clock = system_clock) -> dt.date:
    return china_today(clock())
