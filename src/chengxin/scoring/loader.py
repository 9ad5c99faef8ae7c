"""Loading score models: the files shipped in `data/`, then the operator's folder
(CHENGXIN_SCORING_DIR). Every file holds one model version (`kind: score_model`).

All files are read and checked before anything is returned: unknown keys, unknown catalog items
or categories, basic information given points, points of the wrong sign, negative caps,
per-unit fields that are not numbers of the item, grade thresholds that do not increase, two
versions on one day … Every problem is reported as `file:line: field: reason` in one
ScoreModelError. An operator file may add model versions, never replace a shipped one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import Category, FieldType, Severity
from chengxin.catalog.yamlsource import (
    CatalogError,
    YMap,
    line_of,
    parse_yaml,
    plain,
)
from chengxin.errors import ConfigError
from chengxin.records.models import RecordStatus
from chengxin.scoring.model import (
    SCORED_CATEGORIES,
    Decay,
    DecayKind,
    Grade,
    PerUnit,
    Rule,
    ScoreModel,
    model_in_force,
)

KIND = "score_model"
SETTING = "CHENGXIN_SCORING_DIR"
SUFFIXES = (".yaml", ".yml")
MAX_FILE_BYTES = 512 * 1024
MAX_OPERATOR_FILES = 200
SHIPPED_PREFIX = "chengxin/scoring/data/"
NUMERIC = (FieldType.INTEGER, FieldType.DECIMAL)
_NAME = r"^[a-z][a-z0-9-]{0,47}$"
_CODE = r"^[A-Z][A-Z0-9-]{0,31}$"
Points = Annotated[StrictInt, Field(ge=-100_000, le=100_000)]
Cap = Annotated[StrictInt, Field(ge=0, le=1_000_000)]


class ScoreModelError(ConfigError):
    """Score model files that cannot be used. `problems` lists every one found, each as
    `file:line: field: reason`."""

    def __init__(self, problems: Sequence[str]) -> None:
        if not problems:
            raise ValueError("ScoreModelError needs at least one problem")
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}", field=SETTING, rule=KIND)
        self.problems = tuple(problems)


# --- the file's shape ------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Names(_Strict):
    zh: str = Field(min_length=1, max_length=100)
    en: str = Field(min_length=1, max_length=100)


class _Scale(_Strict):
    base: Points
    min: Points
    max: Points


class _Decay(_Strict):
    kind: DecayKind
    months: Annotated[StrictInt, Field(ge=1, le=600)] | None = None
    hold_months: Annotated[StrictInt, Field(ge=0, le=600)] = 0


class _PerUnit(_Strict):
    field: str = Field(min_length=1, max_length=64)
    unit: Decimal = Field(gt=0, le=Decimal(10) ** 12, max_digits=20, decimal_places=4)
    points: Points


class _Rule(_Strict):
    name: str = Field(pattern=_NAME)
    item: str | None = Field(default=None, min_length=1, max_length=64)
    category: Category | None = None
    points: Points | None = None
    by_severity: dict[Severity, Points] | None = None
    per_unit: _PerUnit | None = None
    max_per_record: Annotated[StrictInt, Field(ge=1, le=1_000_000)] | None = None
    cap: Cap | None = None
    decay: _Decay | None = None
    note: str = Field(default="", max_length=500)


class _Statuses(_Strict):
    expired: Annotated[StrictInt, Field(ge=0, le=100)] = 0
    repaired: Annotated[StrictInt, Field(ge=0, le=100)] = 0


class _Grade(_Strict):
    code: str = Field(pattern=r"^[A-Z][A-Z+-]{0,7}$")
    min: Points
    zh: str = Field(min_length=1, max_length=50)
    en: str = Field(min_length=1, max_length=50)


class _File(_Strict):
    kind: Literal["score_model"]
    code: str = Field(pattern=_CODE)
    version: Annotated[StrictInt, Field(ge=1, le=1_000_000)]
    effective_from: dt.date
    name: _Names
    scale: _Scale
    statuses: _Statuses = _Statuses()
    default_decay: _Decay | None = None
    category_caps: dict[Category, Cap] = Field(default_factory=dict)
    rules: list[_Rule] = Field(min_length=1, max_length=500)
    grades: list[_Grade] = Field(min_length=1, max_length=20)
    notes: str = Field(default="", max_length=4000)


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceFile:
    name: str  # as shown in messages
    raw: bytes
    shipped: bool


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


class _Problems:
    def __init__(self, file: str, root: YMap) -> None:
        self.file, self.root = file, root
        self.found: list[str] = []

    def add(self, loc: Sequence[int | str], reason: str) -> None:
        self.found.append(f"{self.file}:{line_of(self.root, loc)}: {_path(loc)}: {reason}")


def _pydantic_problem(problems: _Problems, loc: Sequence[int | str], message: str) -> None:
    # Pydantic names a bad mapping key with a trailing "[key]", which is no key of the file.
    if loc and loc[-1] == "[key]":
        problems.add(loc[:-1], f"not a known key: {message}")
    else:
        problems.add(loc, message)


def parse_model(source: SourceFile, catalog: Catalog) -> ScoreModel:
    """Check one model file against its shape and the catalog. Raises ScoreModelError."""
    try:
        root = parse_yaml(source.name, source.raw)
    except CatalogError as exc:
        raise ScoreModelError([str(p) for p in exc.problems]) from None
    problems = _Problems(source.name, root)
    try:
        parsed = _File.model_validate(plain(root))
    except ValidationError as exc:
        for error in exc.errors():
            _pydantic_problem(problems, error["loc"], error["msg"])
        raise ScoreModelError(problems.found) from None
    model = _build(parsed, source.name, catalog, problems)
    if problems.found:
        raise ScoreModelError(problems.found)
    return model


def _build(parsed: _File, name: str, catalog: Catalog, problems: _Problems) -> ScoreModel:
    _check_scale(parsed, problems)
    default = parsed.default_decay
    if default is not None:
        _check_decay(default, ["default_decay"], problems)
    rules = []
    seen_items: dict[str, int] = {}
    seen_categories: dict[Category, int] = {}
    names: dict[str, int] = {}
    for index, spec in enumerate(parsed.rules):
        loc: list[int | str] = ["rules", index]
        if spec.name in names:
            problems.add([*loc, "name"], f"rule '{spec.name}' is already rules[{names[spec.name]}]")
        names.setdefault(spec.name, index)
        category = _rule_category(spec, loc, catalog, problems)
        if category is None:
            continue
        if spec.item is not None:
            first = seen_items.setdefault(spec.item, index)
            if first != index:
                problems.add([*loc, "item"], f"{spec.item} already has a rule (rules[{first}])")
        else:
            first = seen_categories.setdefault(category, index)
            if first != index:
                problems.add([*loc, "category"], f"{category} already has a rule (rules[{first}])")
        _check_points(spec, category, loc, catalog, problems)
        decay = spec.decay or default
        if spec.decay is not None:
            _check_decay(spec.decay, [*loc, "decay"], problems)
        rule = Rule(
            name=spec.name, category=category, item=spec.item, points=spec.points or 0,
            by_severity=dict(spec.by_severity or {}), per_unit=_per_unit(spec.per_unit),
            max_per_record=spec.max_per_record, cap=spec.cap, decay=_decay(decay), note=spec.note,
        )  # fmt: skip
        rules.append(rule)
    for category in parsed.category_caps:
        if category not in SCORED_CATEGORIES:
            problems.add(["category_caps", category.value],
                         "basic information carries no points, so it has no cap")  # fmt: skip
    grades = _grades(parsed, problems)
    return ScoreModel(
        code=parsed.code, version=parsed.version, effective_from=parsed.effective_from,
        name_zh=parsed.name.zh, name_en=parsed.name.en, base=parsed.scale.base,
        minimum=parsed.scale.min, maximum=parsed.scale.max, rules=tuple(rules),
        category_caps=dict(parsed.category_caps),
        status_percent={RecordStatus.ACTIVE: 100, RecordStatus.REVOKED: 0,
                        RecordStatus.EXPIRED: parsed.statuses.expired,
                        RecordStatus.REPAIRED: parsed.statuses.repaired},
        grades=grades, source=name,
    )  # fmt: skip


def _check_scale(parsed: _File, problems: _Problems) -> None:
    scale = parsed.scale
    if scale.min >= scale.max:
        problems.add(["scale", "max"], f"must be greater than min ({scale.min})")
    elif not scale.min <= scale.base <= scale.max:
        problems.add(["scale", "base"], f"must lie between min ({scale.min}) and max ({scale.max})")


def _check_decay(decay: _Decay, loc: list[int | str], problems: _Problems) -> None:
    if decay.kind is DecayKind.NONE:
        if decay.months is not None or decay.hold_months:
            problems.add(loc, "a decay of kind none takes no months")
    elif decay.months is None:
        problems.add([*loc, "kind"], f"a {decay.kind} decay needs months")


def _decay(decay: _Decay | None) -> Decay:
    if decay is None or decay.kind is DecayKind.NONE or decay.months is None:
        return Decay()
    return Decay(decay.kind, decay.months, decay.hold_months)


def _per_unit(spec: _PerUnit | None) -> PerUnit | None:
    return None if spec is None else PerUnit(spec.field, spec.unit, spec.points)


def _rule_category(
    spec: _Rule, loc: list[int | str], catalog: Catalog, problems: _Problems
) -> Category | None:
    """The category the rule's points belong to: its item's (the same in every version of the
    item) or its own; None, with the problem noted, when there is none usable."""
    if (spec.item is None) == (spec.category is None):
        problems.add(loc, "give either item (a catalog item code) or category, not both or none")
        return None
    if spec.item is None:
        assert spec.category is not None  # noqa: S101  (checked just above)
        if spec.category not in SCORED_CATEGORIES:
            problems.add([*loc, "category"], "basic information is not conduct and never scores")
            return None
        return spec.category
    found = (
        {v.category for v in catalog.versions(spec.item)} if spec.item in catalog.codes() else set()
    )
    if not found:
        reason = f"unknown catalog item '{spec.item}'"
    elif len(found) > 1:
        reason = f"{spec.item} changes category between its versions"
    elif not found <= set(SCORED_CATEGORIES):
        reason = f"{spec.item} is basic information, which is not conduct and never scores"
    else:
        return found.pop()
    problems.add([*loc, "item"], reason)
    return None


def _check_points(
    spec: _Rule, category: Category, loc: list[int | str], catalog: Catalog, problems: _Problems
) -> None:
    good = category is Category.GOOD
    sign = "positive" if good else "negative"

    def check_sign(where: list[int | str], value: int) -> None:
        if value == 0 or (value > 0) != good:
            problems.add(where, f"must be {sign}: the rule's points are {category} information")

    given = [k for k in ("points", "by_severity", "per_unit") if getattr(spec, k) is not None]
    if spec.per_unit is not None:
        if len(given) > 1:
            problems.add([*loc, "per_unit"], "per_unit replaces points and by_severity")
        if spec.item is None:
            problems.add([*loc, "per_unit"], "per_unit needs an item rule (a field of one item)")
        else:
            _check_field(spec.item, spec.per_unit.field, [*loc, "per_unit", "field"], catalog,
                         problems)  # fmt: skip
        check_sign([*loc, "per_unit", "points"], spec.per_unit.points)
        if spec.max_per_record is None:
            problems.add(
                loc, "a per_unit rule needs max_per_record (no one record may outweigh all)"
            )
        return
    if spec.points is None:
        problems.add(loc, "give points (with by_severity if wished) or per_unit")
        return
    check_sign([*loc, "points"], spec.points)
    for level, value in (spec.by_severity or {}).items():
        check_sign([*loc, "by_severity", level.value], value)


def _check_field(
    item: str, name: str, loc: list[int | str], catalog: Catalog, problems: _Problems
) -> None:
    specs = [v.field(name) for v in catalog.versions(item)]
    if all(s is None for s in specs):
        problems.add(loc, f"{item} has no field '{name}'")
    elif any(s is not None and s.type not in NUMERIC for s in specs):
        problems.add(loc, f"field '{name}' of {item} is not a number (integer or decimal)")


def _grades(parsed: _File, problems: _Problems) -> tuple[Grade, ...]:
    grades = []
    codes: set[str] = set()
    previous: int | None = None
    for index, spec in enumerate(parsed.grades):
        loc: list[int | str] = ["grades", index]
        if spec.code in codes:
            problems.add([*loc, "code"], f"grade '{spec.code}' is given twice")
        codes.add(spec.code)
        if index == 0 and spec.min != parsed.scale.min:
            problems.add(
                [*loc, "min"], f"the lowest grade must start at scale.min ({parsed.scale.min})"
            )
        if previous is not None and spec.min <= previous:
            problems.add([*loc, "min"], f"thresholds must increase (the one before is {previous})")
        if spec.min > parsed.scale.max:
            problems.add([*loc, "min"], f"is above scale.max ({parsed.scale.max})")
        previous = spec.min
        grades.append(Grade(spec.code, spec.min, spec.zh, spec.en))
    return tuple(grades)


# --- all files -------------------------------------------------------------------------------


def shipped_files() -> list[SourceFile]:
    root = files("chengxin.scoring") / "data"
    out = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(SUFFIXES):
            with entry.open("rb") as fh:
                raw = fh.read(MAX_FILE_BYTES + 1)
            out.append(SourceFile(SHIPPED_PREFIX + entry.name, raw, shipped=True))
    return out


def operator_files(directory: Path) -> list[SourceFile]:
    """The folder's *.yaml / *.yml files (not sub-folders, not hidden ones), by name."""
    if not directory.is_dir():
        raise ConfigError(f"score model folder {directory} does not exist or is not a folder",
                          field=SETTING)  # fmt: skip
    try:
        paths = sorted(
            p
            for p in directory.iterdir()
            if p.suffix in SUFFIXES and p.is_file() and not p.name.startswith(".")
        )
        if len(paths) > MAX_OPERATOR_FILES:
            raise ConfigError(f"more than {MAX_OPERATOR_FILES} files in {directory}", field=SETTING)
        out = []
        for path in paths:
            with path.open("rb") as fh:
                out.append(SourceFile(str(path), fh.read(MAX_FILE_BYTES + 1), shipped=False))
    except OSError as exc:
        raise ConfigError(f"cannot read score model folder {directory} ({exc.strerror})",
                          field=SETTING) from None  # fmt: skip
    return out


def build_models(sources: Sequence[SourceFile], catalog: Catalog) -> tuple[ScoreModel, ...]:
    """Check every file (shipped first) and the versions against each other; oldest first."""
    problems: list[str] = []
    models: list[tuple[ScoreModel, SourceFile]] = []
    for source in sources:
        if len(source.raw) > MAX_FILE_BYTES:
            problems.append(f"{source.name}:1: (file): is larger than {MAX_FILE_BYTES} bytes")
            continue
        try:
            models.append((parse_model(source, catalog), source))
        except ScoreModelError as exc:
            problems.extend(exc.problems)
    by_version: dict[tuple[str, int], SourceFile] = {}
    by_day: dict[dt.date, tuple[ScoreModel, SourceFile]] = {}
    for model, source in models:
        key = (model.code, model.version)
        if key in by_version:
            first = by_version[key]
            why = "a shipped model cannot be replaced; give a new version" if first.shipped else (
                "each version is defined once")  # fmt: skip
            problems.append(f"{source.name}:1: version: {model.label} is already defined in "
                            f"{first.name}; {why}")  # fmt: skip
            continue
        by_version[key] = source
        if model.effective_from in by_day:
            other, where = by_day[model.effective_from]
            problems.append(
                f"{source.name}:1: effective_from: {other.label} ({where.name}) takes effect "
                "the same day; which would apply is ambiguous"
            )
            continue
        by_day[model.effective_from] = (model, source)
    if not models and not problems:
        problems.append("(no file): no score model is defined")
    if problems:
        raise ScoreModelError(problems)
    return tuple(sorted((m for m, _ in by_day.values()), key=lambda m: m.effective_from))


def load_models(extra_dir: Path | None, catalog: Catalog) -> tuple[ScoreModel, ...]:
    """The shipped model versions plus, if given, the operator's folder; oldest first.

    Raises ScoreModelError (a ConfigError) listing every problem, or ConfigError when the folder
    cannot be read."""
    sources = shipped_files()
    if extra_dir is not None:
        sources += operator_files(extra_dir)
    return build_models(sources, catalog)


@lru_cache(maxsize=8)
def cached_models(extra_dir: Path | None, catalog: Catalog) -> tuple[ScoreModel, ...]:
    """`load_models`, once per folder and catalog (the files are read at first use)."""
    return load_models(extra_dir, catalog)


def model_on(models: Sequence[ScoreModel], on: dt.date) -> ScoreModel:
    """The model in force on a date; ConfigError when none is yet."""
    model = model_in_force(models, on)
    if model is None:
        first = min(m.effective_from for m in models)
        raise ConfigError(f"no score model is in force on {on} (the first takes effect {first})",
                          field=SETTING, rule="score-model-in-force")  # fmt: skip
    return model
