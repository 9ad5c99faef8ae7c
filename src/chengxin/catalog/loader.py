"""Loading the catalog: the files shipped in the package, then the operator's folder.

Every file is a YAML mapping with a `kind`: `catalog_items`, `display_rules` or `penalty_regime`.
All files are read and checked before anything is returned; every problem found is reported as
`file:line: reason` in one CatalogError. An operator file may add items, field sets, display
rules and regimes, and later versions of shipped items; it may not replace anything shipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from itertools import pairwise
from pathlib import Path

from chengxin.catalog.fields import FieldSpec
from chengxin.catalog.itemfile import PlacedFieldSet, file_edition, read_field_sets, read_item
from chengxin.catalog.periods import DisplayRule, PenaltyRegime
from chengxin.catalog.reader import MapReader, Problems
from chengxin.catalog.rulefile import Placed, read_display_rules, read_regime
from chengxin.catalog.schema import (
    PENALTY_TYPES_FIELD,
    SEVERITY_FIELD,
    SUMMARY_PROCEDURE_FIELD,
    Catalog,
    CatalogItem,
    Origin,
)
from chengxin.catalog.vocab import DisplayKind, FieldType, PenaltyType, Severity
from chengxin.catalog.yamlsource import MAX_FILE_BYTES, CatalogError, YMap, parse_yaml
from chengxin.errors import ConfigError

SUFFIXES = (".yaml", ".yml")
MAX_OPERATOR_FILES = 1000
FILE_KINDS = ("catalog_items", "display_rules", "penalty_regime")
_Fail = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A catalog file's name (as shown in messages), bytes and origin."""

    name: str
    raw: bytes
    origin: Origin


def load_catalog(extra_dir: Path | None = None) -> Catalog:
    """Load the shipped catalog plus, if given, the operator's folder (CHENGXIN_CATALOG_DIR).

    Raises CatalogError (a ConfigError) listing every problem as `file:line: reason`, or
    ConfigError when the folder cannot be read.
    """
    sources = shipped_files()
    if extra_dir is not None:
        sources += operator_files(extra_dir)
    return build_catalog(sources)


def shipped_files() -> list[SourceFile]:
    root = files("chengxin.catalog") / "data"
    return [
        SourceFile(f"chengxin/catalog/data/{rel}", _read_limited(res), Origin.SHIPPED)
        for rel, res in sorted(_walk(root, ""), key=lambda pair: pair[0])
    ]


def _walk(folder: Traversable, prefix: str) -> Iterable[tuple[str, Traversable]]:
    for entry in folder.iterdir():
        rel = f"{prefix}{entry.name}"
        if entry.is_dir():
            yield from _walk(entry, rel + "/")
        elif entry.name.endswith(SUFFIXES):
            yield rel, entry


def _read_limited(resource: Traversable | Path) -> bytes:
    with resource.open("rb") as fh:
        data: bytes = fh.read(MAX_FILE_BYTES + 1)
    return data


def operator_files(directory: Path) -> list[SourceFile]:
    """Every *.yaml / *.yml file under the folder (sub-folders too, hidden ones skipped),
    in path order."""
    if not directory.is_dir():
        raise ConfigError(
            f"catalog folder {directory} does not exist or is not a folder",
            field="CHENGXIN_CATALOG_DIR",
        )
    try:
        paths = sorted(
            p
            for p in directory.rglob("*")
            if p.suffix in SUFFIXES
            and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(directory).parts)
        )
    except OSError as exc:
        raise ConfigError(
            f"cannot read catalog folder {directory} ({exc.strerror})",
            field="CHENGXIN_CATALOG_DIR",
        ) from None
    if len(paths) > MAX_OPERATOR_FILES:
        raise ConfigError(
            f"more than {MAX_OPERATOR_FILES} files in catalog folder {directory}",
            field="CHENGXIN_CATALOG_DIR",
        )
    out = []
    for path in paths:
        try:
            out.append(SourceFile(str(path), _read_limited(path), Origin.OPERATOR))
        except OSError as exc:
            raise ConfigError(
                f"cannot read {path} ({exc.strerror})", field="CHENGXIN_CATALOG_DIR"
            ) from None
    return out


@dataclass
class _Collected:
    field_sets: dict[str, PlacedFieldSet]
    item_files: list[tuple[MapReader, str, Origin]]
    rules: list[Placed[DisplayRule]]
    regimes: list[Placed[PenaltyRegime]]


def build_catalog(sources: Sequence[SourceFile]) -> Catalog:
    """Parse and check catalog files (shipped ones first) into a Catalog; no I/O."""
    problems = Problems()
    collected = _Collected({}, [], [], [])
    for source in sources:
        try:
            root = parse_yaml(source.name, source.raw)
        except CatalogError as exc:
            problems.found.extend(exc.problems)
            continue
        _collect(root, source, problems, collected)
    items: list[Placed[CatalogItem]] = []
    for reader, edition, origin in collected.item_files:
        for index, node in enumerate(reader.seq("items", required=False)):
            entry = reader.item_reader("items", index, node)
            if entry is None:
                continue
            item = read_item(entry, edition=edition, field_sets=collected.field_sets, origin=origin)
            if item is not None:
                items.append(Placed(item, reader.file, node.line, origin))
    rules = _unique_rules(collected.rules, problems)
    regimes = _checked_regimes(collected.regimes, problems)
    _check_versions(items, problems)
    for placed in items:
        _check_display(placed, rules, regimes, problems)
    problems.raise_if_any()
    return Catalog(
        (p.value for p in items),
        rules,
        regimes,
        files=[s.name for s in sources],
    )


def _collect(root: YMap, source: SourceFile, problems: Problems, out: _Collected) -> None:
    reader = MapReader(root, source.name, problems)
    kind = reader.text("kind", max_length=32)
    if kind is None:
        return
    if kind not in FILE_KINDS:
        reader.fail(
            "kind", f"unknown file kind '{kind}' (expected one of: {', '.join(FILE_KINDS)})"
        )
        return
    if kind == "display_rules":
        if reader.check_keys(("kind", "rules")):
            out.rules.extend(read_display_rules(reader, source.origin))
        return
    if kind == "penalty_regime":
        regime = read_regime(reader, source.origin)
        if regime is not None:
            out.regimes.append(regime)
        return
    if not reader.check_keys(("kind", "edition"), ("field_sets", "items")):
        return
    edition = file_edition(reader)
    for field_set in read_field_sets(reader, source.origin):
        first = out.field_sets.get(field_set.name)
        if first is not None:
            problems.add(
                field_set.file,
                field_set.line,
                f"field set '{field_set.name}' is already defined at {first.file}:{first.line}",
            )
        else:
            out.field_sets[field_set.name] = field_set
    if edition is not None:
        out.item_files.append((reader, edition, source.origin))


def _unique_rules(placed: list[Placed[DisplayRule]], problems: Problems) -> dict[str, DisplayRule]:
    rules: dict[str, Placed[DisplayRule]] = {}
    for p in placed:
        first = rules.get(p.value.name)
        if first is not None:
            problems.add(
                p.file,
                p.line,
                f"display rule '{p.value.name}' is already defined at {first.file}:{first.line}",
            )
        else:
            rules[p.value.name] = p
    return {name: p.value for name, p in rules.items()}


def _checked_regimes(
    placed: list[Placed[PenaltyRegime]], problems: Problems
) -> list[PenaltyRegime]:
    ordered = sorted(placed, key=lambda p: p.value.effective_from)
    seen: dict[str, Placed[PenaltyRegime]] = {}
    for index, p in enumerate(ordered):
        regime = p.value
        if regime.code in seen:
            first = seen[regime.code]
            problems.add(
                p.file,
                p.line,
                f"regime '{regime.code}' is already defined at {first.file}:{first.line}",
            )
            continue
        same_day = [q for q in ordered[:index] if q.value.effective_from == regime.effective_from]
        if same_day:
            q = same_day[0]
            problems.add(
                p.file,
                p.line,
                f"regime '{regime.code}' takes effect on {regime.effective_from}, the same day as "
                f"'{q.value.code}' ({q.file}:{q.line}); which one applies would be ambiguous",
            )
            continue
        seen[regime.code] = p
    return [p.value for p in seen.values()]


def _check_versions(items: list[Placed[CatalogItem]], problems: Problems) -> None:
    by_code: dict[str, list[Placed[CatalogItem]]] = {}
    for p in items:
        by_code.setdefault(p.value.code, []).append(p)
    for code, versions in by_code.items():
        shipped = [v.value.effective_from for v in versions if v.origin is Origin.SHIPPED]
        latest_shipped = max(shipped, default=None)
        seen: dict[object, Placed[CatalogItem]] = {}
        for p in versions:
            start = p.value.effective_from
            first = seen.get(start)
            if first is not None:
                what = (
                    "a shipped version cannot be replaced; add a version with a later "
                    "effective_from"
                    if first.origin is Origin.SHIPPED and p.origin is Origin.OPERATOR
                    else "two versions cannot start on the same day"
                )
                problems.add(
                    p.file,
                    p.line,
                    f"{code}: a version effective {start} is already defined at "
                    f"{first.file}:{first.line}; {what}",
                )
                continue
            seen[start] = p
            if (
                p.origin is Origin.OPERATOR
                and latest_shipped is not None
                and start < latest_shipped
            ):
                problems.add(
                    p.file,
                    p.line,
                    f"{code}: an operator version must take effect after the latest shipped "
                    f"version ({latest_shipped}), not on {start}",
                )
        ordered = sorted(seen.values(), key=lambda v: v.value.effective_from)
        for current, following in pairwise(ordered):
            end = current.value.effective_to
            if end is not None and end >= following.value.effective_from:
                problems.add(
                    current.file,
                    current.line,
                    f"{code}: effective_to {end} overlaps the version taking effect "
                    f"{following.value.effective_from} ({following.file}:{following.line})",
                )


def _check_display(
    placed: Placed[CatalogItem],
    rules: dict[str, DisplayRule],
    regimes: list[PenaltyRegime],
    problems: Problems,
) -> None:
    item = placed.value

    def fail(reason: str) -> None:
        problems.add(placed.file, placed.line, f"{item.code}: {reason}")

    rule = rules.get(item.display_rule)
    if rule is None:
        fail(f"unknown display rule '{item.display_rule}' (known: {', '.join(sorted(rules))})")
        return
    start = item.display_start_field or rule.start_field
    end = item.display_end_field or rule.end_field
    if rule.kind is DisplayKind.NOT_DISPLAYED:
        if item.display_start_field or item.display_end_field:
            fail("display_fields do not apply to a not_displayed rule")
        return
    if item.display_end_field and rule.kind not in (
        DisplayKind.WHILE_VALID,
        DisplayKind.UNTIL_REMOVED,
    ):
        fail(f"display_fields.end does not apply to a {rule.kind} rule")
    _need_field(item, start, FieldType.DATE, fail, required=True)
    if item.display_end_field is not None or (end is not None and item.field(end) is not None):
        # A rule's end field is used when the item has it; an item's own override must exist.
        _need_field(item, end, FieldType.DATE, fail, required=False)
    if rule.kind is DisplayKind.PENALTY_REGIME:
        if not regimes:
            fail("uses a penalty_regime display rule but no penalty regime is defined")
        spec = _need_field(item, PENALTY_TYPES_FIELD, FieldType.ENUM, fail, required=True)
        if spec is not None:
            _need_values(spec, set(PenaltyType), fail, multiple=True)
        severity = item.field(SEVERITY_FIELD)
        if severity is not None:
            _need_values(severity, set(Severity), fail, multiple=False)
        summary = item.field(SUMMARY_PROCEDURE_FIELD)
        if summary is not None and summary.type is not FieldType.BOOLEAN:
            fail(f"field '{SUMMARY_PROCEDURE_FIELD}' must be boolean")


def _need_field(
    item: CatalogItem,
    name: str | None,
    kind: FieldType,
    fail: _Fail,
    *,
    required: bool,
) -> FieldSpec | None:
    if name is None:
        return None
    spec = item.field(name)
    if spec is None:
        fail(f"its display rule needs a {kind} field '{name}'")
        return None
    if spec.type is not kind:
        fail(f"field '{name}' must be of type {kind} for the display rule")
        return None
    if required and not spec.required:
        fail(f"field '{name}' must be required: the display period runs from it")
        return None
    return spec


def _need_values(spec: FieldSpec, allowed: set[str], fail: _Fail, *, multiple: bool) -> None:
    if spec.type is not FieldType.ENUM or spec.multiple is not multiple:
        kind = "a list of values (multiple: true)" if multiple else "a single value"
        fail(f"field '{spec.name}' must be an enum field taking {kind}")
        return
    unknown = [v for v in spec.values if v not in allowed]
    if unknown:
        fail(f"field '{spec.name}' has values the display rules do not know: {', '.join(unknown)}")
