"""What a running node holds: settings, database, keys, catalog and clock, built once.

The API app and the CLI both start from here, so they see the same configuration. The catalog
and the measures can be loaded again into a running process (`reload_rules`), only when they,
and the score models that rest on the catalog, check out; the node's other processes follow
(`follow_rules`).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property

from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from chengxin.catalog.loader import load_catalog
from chengxin.catalog.schema import Catalog
from chengxin.catalog.yamlsource import CatalogError
from chengxin.clock import Clock, system_clock
from chengxin.db import make_engine, read_session_factory, session_factory
from chengxin.disputes.config import DisputeContext, shipped_rules
from chengxin.errors import ConfigError
from chengxin.keys import KeyRing, load_key_file
from chengxin.lists.types import shipped_types
from chengxin.measures.loader import MeasuresError, load_measures
from chengxin.measures.types import Measures
from chengxin.reloads.service import newest_reload, record_reload
from chengxin.scoring.loader import ScoreModelError, load_models
from chengxin.settings import Settings
from chengxin.workdays.loader import load_calendar
from chengxin.workdays.rules import Calendar

log = logging.getLogger("chengxin.rules")
FOLLOW_SECONDS = 5.0  # how stale another process's rules may be after a reload


@dataclass(frozen=True)
class RulesCheck:
    """The catalog and measures of the configured folders, loaded and checked as start-up loads
    them (the checks of `chengxin catalog validate` and `chengxin measures validate`, and the
    score models against the catalog). `problems`: part → every problem, `file:line: …`."""

    catalog: Catalog | None
    measures: Measures | None
    problems: dict[str, tuple[str, ...]]

    @property
    def ok(self) -> bool:
        return not self.problems


def _problems(exc: ConfigError) -> tuple[str, ...]:
    if isinstance(exc, CatalogError):
        return tuple(str(p) for p in exc.problems)
    if isinstance(exc, MeasuresError | ScoreModelError):
        return exc.problems
    return (str(exc),)  # a folder that cannot be read


def check_rules(settings: Settings) -> RulesCheck:
    """Load the shipped catalog and measures plus the operator's folders, report every problem;
    the measures are checked against the catalog just loaded (as a restart would load them)."""
    try:
        catalog = load_catalog(settings.catalog_dir)
    except ConfigError as exc:
        return RulesCheck(None, None, {"catalog": _problems(exc)})
    problems: dict[str, tuple[str, ...]] = {}
    measures = None
    try:
        measures = load_measures(catalog, shipped_types(), settings.measures_dir)
    except ConfigError as exc:
        problems["measures"] = _problems(exc)
    try:
        load_models(settings.scoring_dir, catalog)
    except ConfigError as exc:
        problems["score models"] = _problems(exc)
    return RulesCheck(catalog, measures, problems)


@dataclass
class Runtime:
    settings: Settings
    clock: Clock = field(default=system_clock)
    rules_seen: int = 0  # the newest reload of the node's rules this process has loaded
    _follow_after: float = field(default=0.0, repr=False)  # monotonic time of the next look
    _following: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.resolved_database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    @cached_property
    def reads(self) -> sessionmaker[Session]:
        return read_session_factory(self.engine)

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

    def note_reloads(self) -> None:
        """Remember the node's newest reload before this process first loads the rules: what
        it loads holds every earlier reload, and a later one is followed (`follow_rules`)."""
        try:
            with self.reads() as session:
                self.rules_seen = newest_reload(session)
        except SQLAlchemyError:  # not migrated yet, or unreachable: follow from the first
            self.rules_seen = 0

    def reload_rules(self, *, actor: str) -> RulesCheck:
        """Load the catalog and measures again from their folders and use them from now on, if
        everything checks out; otherwise nothing changes. The reload is recorded, so that the
        node's other processes follow within FOLLOW_SECONDS. Requests already running finish
        with what they read."""
        check = check_rules(self.settings)
        if check.ok:
            with self._following:  # a follow meanwhile would see this reload as another's
                with self.sessions() as session, session.begin():
                    generation = record_reload(session, self.clock(), actor=actor)
                self._use(check, generation)
        return check

    def follow_rules(self, *, force: bool = False) -> bool:
        """Load the rules again if another process of this node has reloaded them since this
        one loaded them; asks the database at most every FOLLOW_SECONDS, unless `force`. True
        if loaded."""
        with self._following:
            now = time.monotonic()
            if now < self._follow_after and not force:
                return False
            self._follow_after = now + FOLLOW_SECONDS
            try:
                with self.reads() as session:
                    newest = newest_reload(session)
            except SQLAlchemyError:  # the request or job that asked meets the trouble itself
                return False
            if newest <= self.rules_seen:
                return False
            check = check_rules(self.settings)
            if not check.ok:  # checked where it was reloaded: these folders differ from those
                problems = "; ".join(p for part in check.problems.values() for p in part)
                log.error("catalog and measures reload %d not followed: %s", newest, problems)
                self.rules_seen = newest  # not again every few seconds: the log said it
                return False
            self._use(check, newest)
            log.info("catalog and measures reload %d followed", newest)
            return True

    def follow_due(self) -> bool:
        return time.monotonic() >= self._follow_after

    def _use(self, check: RulesCheck, generation: int) -> None:
        # The cached values are replaced together; the disputes context holds the catalog, so
        # it is built again at its next use.
        self.__dict__.update(catalog=check.catalog, measures=check.measures)
        self.__dict__.pop("disputes", None)
        self.rules_seen = generation

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def runtime_of(request: Request) -> Runtime:
    """The node's runtime, as the app holds it (for routes)."""
    runtime: Runtime = request.app.state.runtime
    return runtime
