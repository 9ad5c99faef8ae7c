"""Loading measures (R-6.2, R-6.3): the files shipped in `data/`, then the operator's folder
(CHENGXIN_MEASURES_DIR). Every file holds measure versions (`kind: measures`).

All files are read and checked before anything is returned, and nothing is returned when one
problem is found: unknown keys, list types, catalog items or categories; a reward resting on bad
records or a dishonesty list, a punishment resting on good records or a red list; items that can
never meet the clause's categories or have no severity; `clean_years` mixed with good records;
effects used outside their scenarios; a version defined twice, an operator file replacing a
shipped version, a retired first version, a code changing its kind … Every problem is reported
as `file:line: field: reason` in one MeasuresError.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import Category
from chengxin.catalog.yamlsource import (
    CatalogError,
    YMap,
    YScalar,
    YSeq,
    line_of,
    parse_yaml,
    plain,
)
from chengxin.errors import ConfigError
from chengxin.lists.rules import ListKind
from chengxin.lists.types import ListTypes
from chengxin.measures.types import (
    Clause,
    Effect,
    Measure,
    MeasureFile,
    MeasureKind,
    Measures,
    Scenario,
)

KIND = "measures"
SETTING = "CHENGXIN_MEASURES_DIR"
SUFFIXES = (".yaml", ".yml")
MAX_FILE_BYTES = 512 * 1024
MAX_OPERATOR_FILES = 200
SHIPPED_PREFIX = "chengxin/measures/data/"

# Conveniences that exist only in some procedures: a green channel or documents to follow in
# licensing, fewer inspections in supervision, a deposit where one is asked for.
EFFECT_SCENARIOS: dict[Effect, frozenset[Scenario]] = {
    Effect.GREEN_CHANNEL: frozenset(
        {Scenario.ADMINISTRATIVE_LICENSING, Scenario.PROFESSIONAL_LICENSING}
    ),
    Effect.DOCUMENTS_TO_FOLLOW: frozenset(
        {Scenario.ADMINISTRATIVE_LICENSING, Scenario.PROFESSIONAL_LICENSING}
    ),
    Effect.FEWER_INSPECTIONS: frozenset({Scenario.ROUTINE_SUPERVISION}),
    Effect.DEPOSIT_WAIVER: frozenset(
        {Scenario.PUBLIC_PROCUREMENT, Scenario.PUBLIC_RESOURCE_TRADING}
    ),
}
DISHONEST_KINDS = frozenset({ListKind.SERIOUS_DISHONESTY, ListKind.KEY_SUPERVISION})
BAD_CATEGORIES = frozenset({Category.BAD, Category.SERIOUS})
Loc = Sequence[int | str]


class MeasuresError(ConfigError):
    """Measure files that cannot be used. `problems` lists every one found, each as
    `file:line: field: reason`."""

    def __init__(self, problems: Sequence[str]) -> None:
        if not problems:
            raise ValueError("MeasuresError needs at least one problem")
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}", field=SETTING, rule=KIND)
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class SourceFile:
    name: str  # as shown in messages
    raw: bytes
    shipped: bool


@dataclass(frozen=True, slots=True)
class _Placed:
    """A measure of the right shape, with where it was written (for problems across files)."""

    measure: Measure
    source: SourceFile
    root: YMap
    index: int

    @property
    def where(self) -> str:
        return f"{self.source.name}:{line_of(self.root, ['measures', self.index])}"

    def at(self, field: str) -> str:
        """`file:line: measures[i](CODE).field` of one of its fields."""
        line = line_of(self.root, ["measures", self.index, field])
        path = f"measures[{self.index}]({self.measure.code}).{field}"
        return f"{self.source.name}:{line}: {path}"


# --- one file --------------------------------------------------------------------------------


class _Problems:
    """Problems of one file, each placed at its line and named by its field path; a measure's
    index is followed by its code, so `measures[3](COURT-VEHICLES).scenarios`."""

    def __init__(self, file: str, root: YMap) -> None:
        self.file, self.root = file, root
        self.found: list[str] = []
        measures = root.entries.get("measures")
        self.codes: dict[int, str] = {}
        if isinstance(measures, YSeq):
            for index, item in enumerate(measures.items):
                code = item.entries.get("code") if isinstance(item, YMap) else None
                if isinstance(code, YScalar) and isinstance(code.value, str):
                    self.codes[index] = code.value

    def path(self, loc: Loc) -> str:
        out = ""
        for position, part in enumerate(loc):
            if isinstance(part, int):
                out += f"[{part}]"
                if position == 1 and loc[0] == "measures" and part in self.codes:
                    out += f"({self.codes[part]})"
            else:
                out += f".{part}" if out else part
        return out or "(file)"

    def add(self, loc: Loc, reason: str) -> None:
        self.found.append(f"{self.file}:{line_of(self.root, loc)}: {self.path(loc)}: {reason}")


def _echo(error: Any, errors: Sequence[Any]) -> bool:
    """A list "too short after validation" only because its own entries were refused."""
    loc = tuple(error["loc"])
    return error["type"] == "too_short" and any(
        len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc for other in errors
    )


def _message(error: Any) -> str:
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def read_file(
    source: SourceFile, catalog: Catalog, lists: ListTypes, problems: list[str]
) -> list[_Placed]:
    """The measures of one file, checked against their shape, the catalog and the list types;
    every problem is added to `problems`. Measures of the right shape are returned even when
    they have other problems, so that their versions are checked too."""
    if len(source.raw) > MAX_FILE_BYTES:
        problems.append(f"{source.name}:1: (file): is larger than {MAX_FILE_BYTES // 1024} KiB")
        return []
    try:
        root = parse_yaml(source.name, source.raw)
    except CatalogError as exc:
        problems.extend(f"{p.file}:{p.line}: (file): {p.reason}" for p in exc.problems)
        return []
    found = _Problems(source.name, root)
    try:
        parsed = MeasureFile.model_validate(plain(root))
    except ValidationError as exc:
        errors = exc.errors()
        for error in errors:
            if not _echo(error, errors):
                found.add(error["loc"], _message(error))
        problems.extend(found.found)
        return []
    for index, measure in enumerate(parsed.measures):
        _check_measure(measure, ["measures", index], catalog, lists, found)
    problems.extend(found.found)
    return [_Placed(measure, source, root, index) for index, measure in enumerate(parsed.measures)]


# --- one measure -----------------------------------------------------------------------------


def _check_measure(
    measure: Measure, loc: list[int | str], catalog: Catalog, lists: ListTypes, problems: _Problems
) -> None:
    _twice(measure.scenarios, [*loc, "scenarios"], problems)
    allowed = EFFECT_SCENARIOS.get(measure.effect)
    if allowed is not None:
        for index, scenario in enumerate(measure.scenarios):
            if scenario not in allowed:
                names = ", ".join(sorted(allowed))
                reason = f"{measure.effect} is used only in {names}, not in {scenario}"
                problems.add([*loc, "scenarios", index], reason)
    target = measure.target
    for part, clauses in (("any_of", target.any_of), ("unless", target.unless)):
        for index, clause in enumerate(clauses):
            where = [*loc, "target", part, index]
            _check_clause(clause, where, catalog, lists, problems)
            if part == "any_of":
                _check_fit(measure.kind, clause, where, catalog=catalog, lists=lists,
                           problems=problems)  # fmt: skip
    if any(c.clean_years is not None for c in target.any_of):
        for index, clause in enumerate(target.any_of):
            if clause.records is not None and Category.GOOD in _categories(clause, catalog):
                problems.add(
                    [*loc, "target", "any_of", index, "records"],
                    "clean_years counts the absence of bad records; a good record is another "
                    "reason: give it a measure of its own, or target a red list",
                )


def _twice(values: Iterable[object], loc: list[int | str], problems: _Problems) -> None:
    seen: set[object] = set()
    for index, value in enumerate(values):
        if value in seen:
            problems.add([*loc, index], f"{value} is given twice")
        seen.add(value)


def _item_categories(code: str, catalog: Catalog) -> set[Category]:
    return {v.category for v in catalog.versions(code)} if code in catalog.codes() else set()


def _categories(clause: Clause, catalog: Catalog) -> set[Category]:
    """The categories of records a records clause can match."""
    cond = clause.records
    if cond is None:
        return set()
    if cond.categories:
        return set(cond.categories)
    return {c for item in cond.items for c in _item_categories(item, catalog)}


def _check_clause(
    clause: Clause, loc: list[int | str], catalog: Catalog, lists: ListTypes, problems: _Problems
) -> None:
    _twice(clause.lists, [*loc, "lists"], problems)
    _twice(clause.list_kinds, [*loc, "list_kinds"], problems)
    known = set(lists.codes())
    for index, code in enumerate(clause.lists):
        if code not in known:
            problems.add([*loc, "lists", index], f"unknown list type '{code}'")
    cond = clause.records
    if cond is None:
        return
    rec: list[int | str] = [*loc, "records"]
    _twice(cond.items, [*rec, "items"], problems)
    _twice(cond.categories, [*rec, "categories"], problems)
    _twice(cond.severities, [*rec, "severities"], problems)
    if Category.BASIC in cond.categories:
        problems.add(
            [*rec, "categories"], "basic information is not conduct; no measure rests on it"
        )
    for index, item in enumerate(cond.items):
        found = _item_categories(item, catalog)
        if not found:
            problems.add([*rec, "items", index], f"unknown catalog item '{item}'")
        elif Category.BASIC in found:
            reason = f"{item} is basic information, not conduct; no measure rests on it"
            problems.add([*rec, "items", index], reason)
        elif cond.categories and not found & set(cond.categories):
            reason = (f"{item} is {'/'.join(sorted(found))} information, not among categories "
                      f"({', '.join(cond.categories)}): the clause could never hold")  # fmt: skip
            problems.add([*rec, "items", index], reason)
    if cond.severities and not _has_severity(cond.items, cond.categories, catalog):
        problems.add([*rec, "severities"],
                     "no catalog item the clause names records a severity")  # fmt: skip


def _has_severity(items: Sequence[str], categories: Sequence[Category], catalog: Catalog) -> bool:
    if items:
        versions = [v for code in items if code in catalog.codes() for v in catalog.versions(code)]
    else:
        versions = [v for v in catalog.all_versions() if v.category in categories]
    return any(v.field("severity") is not None for v in versions)


def _check_fit(
    kind: MeasureKind,
    clause: Clause,
    loc: list[int | str],
    *,
    catalog: Catalog,
    lists: ListTypes,
    problems: _Problems,
) -> None:
    """A reward never rests on dishonesty, a punishment never on good conduct."""
    reward = kind is MeasureKind.REWARD
    unfit = DISHONEST_KINDS if reward else frozenset({ListKind.RED})
    what = "a reward" if reward else "a punishment"
    for index, code in enumerate(clause.lists):
        kinds = {t.kind for t in lists.versions.get(code, ())} & unfit
        if kinds:
            reason = f"{code} is a {kinds.pop()} list: {what} cannot rest on it"
            problems.add([*loc, "lists", index], reason)
    for index, list_kind in enumerate(clause.list_kinds):
        if list_kind in unfit:
            problems.add([*loc, "list_kinds", index], f"{what} cannot rest on {list_kind} lists")
    if clause.records is None:
        return
    categories = _categories(clause, catalog)
    if reward and categories & BAD_CATEGORIES:
        reason = "a reward cannot rest on bad or serious records (name them under unless)"
        problems.add([*loc, "records"], reason)
    if not reward and Category.GOOD in categories:
        problems.add([*loc, "records"], "a punishment cannot rest on good records")


# --- all files -------------------------------------------------------------------------------


def shipped_files() -> list[SourceFile]:
    root = files("chengxin.measures") / "data"
    out = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(SUFFIXES):
            with entry.open("rb") as fh:
                raw = fh.read(MAX_FILE_BYTES + 1)
            out.append(SourceFile(SHIPPED_PREFIX + entry.name, raw, shipped=True))
    return out


def operator_files(directory: Path) -> list[SourceFile]:
    """The folder's *.yaml / *.yml files (not sub-folders, not hidden ones), by name; each read
    up to one byte past the limit, so an oversized file is refused without filling memory."""
    if not directory.is_dir():
        raise ConfigError(f"measures folder {directory} does not exist or is not a folder",
                          field=SETTING)  # fmt: skip
    try:
        paths = sorted(
            p
            for p in directory.iterdir()
            if p.suffix in SUFFIXES and p.is_file() and not p.name.startswith(".")
        )
        if len(paths) > MAX_OPERATOR_FILES:
            raise MeasuresError(
                [f"{directory}:1: (folder): holds {len(paths)} measure files; at most "
                 f"{MAX_OPERATOR_FILES} are read"]
            )  # fmt: skip
        out = []
        for path in paths:
            with path.open("rb") as fh:
                out.append(SourceFile(str(path), fh.read(MAX_FILE_BYTES + 1), shipped=False))
    except OSError as exc:
        raise ConfigError(f"cannot read measures folder {directory} ({exc.strerror})",
                          field=SETTING) from None  # fmt: skip
    return out


def _check_versions(placed: list[_Placed], problems: list[str]) -> dict[str, list[_Placed]]:
    by_code: dict[str, list[_Placed]] = {}
    seen: dict[tuple[str, dt.date], _Placed] = {}
    for entry in placed:
        m = entry.measure
        first = seen.get((m.code, m.effective_from))
        if first is not None:
            why = ("a shipped version cannot be replaced; give a later effective_from"
                   if first.source.shipped and not entry.source.shipped
                   else "each version is defined once")  # fmt: skip
            problems.append(f"{entry.at('effective_from')}: {m.code} of {m.effective_from} is "
                            f"already defined at {first.where}; {why}")  # fmt: skip
            continue
        seen[(m.code, m.effective_from)] = entry
        by_code.setdefault(m.code, []).append(entry)
    for versions in by_code.values():
        versions.sort(key=lambda e: e.measure.effective_from)
        head = versions[0]
        if head.measure.retired:
            problems.append(f"{head.at('retired')}: the first version of {head.measure.code} "
                            "cannot retire it (nothing is in force yet)")  # fmt: skip
        for before, after in itertools.pairwise(versions):
            if after.measure.kind is not before.measure.kind:
                problems.append(
                    f"{after.at('kind')}: {after.measure.code} is a {before.measure.kind} at "
                    f"{before.where}; a code keeps its kind (give a new code)"
                )
            if after.measure.retired and before.measure.retired:
                problems.append(f"{after.at('retired')}: {after.measure.code} is already retired "
                                f"from {before.measure.effective_from}")  # fmt: skip
    return by_code


def build_measures(sources: Sequence[SourceFile], catalog: Catalog, lists: ListTypes) -> Measures:
    """Check every file (shipped first) and the versions against each other. Raises
    MeasuresError listing every problem; returns nothing half-checked."""
    problems: list[str] = []
    placed: list[_Placed] = []
    for source in sources:
        placed.extend(read_file(source, catalog, lists, problems))
    by_code = _check_versions(placed, problems)
    if not by_code and not problems:
        problems.append("(no file):1: (file): no measure is defined")
    if problems:
        raise MeasuresError(problems)
    return Measures(
        {code: tuple(e.measure for e in versions) for code, versions in sorted(by_code.items())}
    )


def load_measures(catalog: Catalog, lists: ListTypes, extra_dir: Path | None = None) -> Measures:
    """The shipped measures plus, if given, the operator's folder.

    Raises MeasuresError (a ConfigError) listing every problem, or ConfigError when the folder
    cannot be read."""
    sources = shipped_files()
    if extra_dir is not None:
        sources += operator_files(extra_dir)
    return build_measures(sources, catalog, lists)
