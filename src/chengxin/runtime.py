"""What a running node holds: settings, database, keys, catalog and clock, built once.

The API app and the CLI both start from here, so they see the same configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from chengxin.catalog.loader import load_catalog
from chengxin.catalog.schema import Catalog
from chengxin.clock import Clock, system_clock
from chengxin.db import make_engine, session_factory
from chengxin.disputes.config import DisputeContext, shipped_rules
from chengxin.keys import KeyRing, load_key_file
from chengxin.lists.types import shipped_types
from chengxin.measures.loader import load_measures
from chengxin.measures.types import Measures
from chengxin.settings import Settings
from chengxin.workdays.loader import load_calendar
from chengxin.workdays.rules import Calendar


@dataclass
class Runtime:
    settings: Settings
    clock: Clock = field(default=system_clock)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.resolved_database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    @cached_property
    def keys(self) -> KeyRing:
        return load_key_file(self.settings.resolved_key_file)

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog(self.settings.catalog_dir)

    @cached_property
    def workdays(self) -> Calendar:
        return load_calendar(self.settings.holidays_dir)

    @cached_property
    def disputes(self) -> DisputeContext:
        return DisputeContext(self.keys, self.catalog, self.workdays, shipped_rules())

    @cached_property
    def measures(self) -> Measures:
        return load_measures(self.catalog, shipped_types(), self.settings.measures_dir)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def runtime_of(request: Request) -> Runtime:
    """The node's runtime, as the app holds it (for routes)."""
    runtime: Runtime = request.app.state.runtime
    return runtime
