"""Reading `kind: catalog_items` files: field sets and item versions, checked key by key.

Checks that need other files (display rules, versions of the same code, field sets defined
elsewhere) are the loader's; this module checks what one entry can tell about itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from chengxin.catalog.fields import Bilingual, FieldSpec
from chengxin.catalog.reader import MapReader
from chengxin.catalog.schema import CONDUCT_DATE_FIELD, CatalogItem, LegalBasis, Origin, Sources
from chengxin.catalog.vocab import (
    VOCABULARIES,
    Category,
    DisclosureLevel,
    Domain,
    FieldType,
    InfoClass,
    SourceKind,
    UpdateFrequency,
)

CODE = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,47}")
SET_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
ENUM_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
TOPIC = re.compile(r"[a-z][a-z0-9_]{0,47}")
EDITION = re.compile(r"\d{4}\.\d{1,3}")
INSTRUMENT = re.compile(r".*《[^《》]+》.*", re.DOTALL)
ARTICLE_REQUIRED = (
    "missing required key 'article': a legal basis names the article that authorises the item"
    " (e.g. 第四十八条; for a policy document, its section, e.g. 三（二）)"
)
MAX_STRING_LENGTH = 20_000
MAX_PATTERN_LENGTH = 300
MAX_FIELDS = 60
MAX_AGE = 150

_FIELD_KEYS = (
    "required",
    "max_length",
    "pattern",
    "values",
    "values_from",
    "multiple",
    "min",
    "max",
    "description",
)
_ONLY_FOR: dict[str, tuple[FieldType, ...]] = {
    "max_length": (FieldType.STRING,),
    "pattern": (FieldType.STRING,),
    "values": (FieldType.ENUM,),
    "values_from": (FieldType.ENUM,),
    "multiple": (FieldType.ENUM,),
    "min": (FieldType.INTEGER, FieldType.DECIMAL),
    "max": (FieldType.INTEGER, FieldType.DECIMAL),
}
_ITEM_REQUIRED = (
    "code",
    "effective_from",
    "name",
    "category",
    "info_class",
    "domain",
    "legal_basis",
    "sources",
    "disclosure",
    "display_rule",
    "update_frequency",
    "fields",
)
_ITEM_OPTIONAL = (
    "effective_to",
    "description",
    "topics",
    "display_fields",
    "min_age_at_conduct",
)


@dataclass(frozen=True, slots=True)
class PlacedFieldSet:
    name: str
    fields: tuple[FieldSpec, ...]
    file: str
    line: int
    origin: Origin


def read_bilingual(r: MapReader, key: str, *, required: bool = True) -> Bilingual | None:
    sub = r.map(key, required=required)
    if sub is None or not sub.check_keys(("zh", "en")):
        return None
    zh = sub.text("zh", max_length=2000)
    en = sub.text("en", max_length=2000)
    return Bilingual(zh, en) if zh is not None and en is not None else None


def read_field_sets(r: MapReader, origin: Origin) -> list[PlacedFieldSet]:
    sets = r.map("field_sets", required=False)
    if sets is None:
        return []
    out = []
    for name in sets.node.entries:
        line = sets.line_of(name)
        if not SET_NAME.fullmatch(name):
            sets.fail(name, "a field set name is lower-case letters, digits and _")
            continue
        before = len(r.problems)
        fields = _read_field_list(sets, name, allow_use=False, field_sets={})
        if len(r.problems) == before and fields:
            out.append(PlacedFieldSet(name, tuple(fields), r.file, line, origin))
    return out


def _read_field_list(
    r: MapReader, key: str, *, allow_use: bool, field_sets: dict[str, PlacedFieldSet]
) -> list[FieldSpec]:
    fields: list[FieldSpec] = []
    lines: dict[str, int] = {}
    for index, node in enumerate(r.seq(key)):
        entry = r.item_reader(key, index, node)
        if entry is None:
            continue
        if "use" in entry.node.entries:
            new = _use_field_set(entry, allow_use=allow_use, field_sets=field_sets)
        else:
            spec = read_field(entry)
            new = [spec] if spec is not None else []
        for spec in new:
            if spec.name in lines:
                entry.fail(
                    None, f"field '{spec.name}' is defined twice (first on line {lines[spec.name]})"
                )
            else:
                lines[spec.name] = node.line
                fields.append(spec)
    if len(fields) > MAX_FIELDS:
        r.fail(key, f"more than {MAX_FIELDS} fields")
    return fields


def _use_field_set(
    entry: MapReader, *, allow_use: bool, field_sets: dict[str, PlacedFieldSet]
) -> list[FieldSpec]:
    if not allow_use:
        entry.fail("use", "field sets cannot include other field sets")
        return []
    if not entry.check_keys(("use",)):
        return []
    name = entry.text("use", max_length=64)
    if name is None:
        return []
    used = field_sets.get(name)
    if used is None:
        known = ", ".join(sorted(field_sets)) or "none"
        entry.fail("use", f"unknown field set '{name}' (known: {known})")
        return []
    return list(used.fields)


def read_field(r: MapReader) -> FieldSpec | None:
    before = len(r.problems)
    if not r.check_keys(("name", "label", "type"), _FIELD_KEYS):
        return None
    name = r.text("name", max_length=48, pattern=FIELD_NAME, hint="lower-case letters, digits, _")
    label = read_bilingual(r, "label")
    kind = r.enum("type", FieldType)
    if kind is None:
        return None
    for key, types in _ONLY_FOR.items():
        if key in r.node.entries and kind not in types:
            r.fail(key, f"applies only to {' and '.join(types)} fields, not {kind}")
    max_length = r.integer("max_length", minimum=1)
    if kind is FieldType.STRING and max_length is None and "max_length" not in r.node.entries:
        r.fail(None, "a string field needs max_length")
    if max_length is not None and max_length > MAX_STRING_LENGTH:
        r.fail("max_length", f"must be at most {MAX_STRING_LENGTH}")
    pattern = r.text("pattern", required=False, max_length=MAX_PATTERN_LENGTH)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            r.fail("pattern", f"not a valid regular expression ({exc})")
    values = _read_enum_values(r) if kind is FieldType.ENUM else ()
    minimum, maximum = _read_bounds(r, kind)
    required = r.boolean("required", default=False)
    multiple = r.boolean("multiple", default=False)
    description = read_bilingual(r, "description", required=False)
    if len(r.problems) != before or name is None or label is None:
        return None
    return FieldSpec(
        name=name,
        label=label,
        type=kind,
        required=required,
        max_length=max_length,
        pattern=pattern,
        values=values,
        multiple=multiple,
        minimum=minimum,
        maximum=maximum,
        description=description,
    )


def _read_bounds(r: MapReader, kind: FieldType) -> tuple[Decimal | None, Decimal | None]:
    minimum = _read_decimal(r, "min")
    maximum = _read_decimal(r, "max")
    if minimum is not None and maximum is not None and minimum > maximum:
        r.fail("min", "is greater than max")
    if kind is FieldType.INTEGER:
        for key, bound in (("min", minimum), ("max", maximum)):
            if bound is not None and bound != bound.to_integral_value():
                r.fail(key, "must be a whole number for an integer field")
    return minimum, maximum


def _read_enum_values(r: MapReader) -> tuple[str, ...]:
    has_values, has_from = r.has("values"), r.has("values_from")
    if has_values == has_from:
        r.fail(None, "an enum field needs exactly one of values or values_from")
        return ()
    if has_from:
        name = r.text("values_from", max_length=64)
        if name is None:
            return ()
        if name not in VOCABULARIES:
            r.fail("values_from", f"unknown list '{name}' (known: {', '.join(VOCABULARIES)})")
            return ()
        return VOCABULARIES[name]
    values = r.texts("values", max_length=64)
    for value in values:
        if not ENUM_VALUE.fullmatch(value):
            r.fail("values", f"{value!r}: use letters, digits, _ . - (at most 64)")
    return tuple(values)


def _read_decimal(r: MapReader, key: str) -> Decimal | None:
    text = r.number_text(key)
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        r.fail(key, "must be a number")
        return None
    if not value.is_finite():
        r.fail(key, "must be a finite number")
        return None
    return value


def read_item(
    r: MapReader,
    *,
    edition: str,
    field_sets: dict[str, PlacedFieldSet],
    origin: Origin,
) -> CatalogItem | None:
    before = len(r.problems)
    r.check_keys(_ITEM_REQUIRED, _ITEM_OPTIONAL)
    code = r.text("code", max_length=48, pattern=CODE, hint="upper-case words joined by -")
    effective_from = r.date("effective_from")
    effective_to = r.date("effective_to", required=False)
    if effective_from and effective_to and effective_to < effective_from:
        r.fail("effective_to", "is before effective_from")
    name = read_bilingual(r, "name")
    description = read_bilingual(r, "description", required=False)
    category = r.enum("category", Category)
    info_class = r.enum("info_class", InfoClass)
    domain = r.enum("domain", Domain)
    legal_basis = _read_legal_basis(r)
    sources = _read_sources(r)
    disclosure = r.enum("disclosure", DisclosureLevel)
    display_rule = r.text("display_rule", max_length=64)
    start_field, end_field = _read_display_fields(r)
    frequency = r.enum("update_frequency", UpdateFrequency)
    topics = r.texts("topics", required=False, max_length=48)
    for topic in topics:
        if not TOPIC.fullmatch(topic):
            r.fail("topics", f"{topic!r}: use lower-case letters, digits and _")
    fields = _read_field_list(r, "fields", allow_use=True, field_sets=field_sets)
    min_age = r.integer("min_age_at_conduct", minimum=1)
    if min_age is not None:
        if min_age > MAX_AGE:
            r.fail("min_age_at_conduct", f"must be at most {MAX_AGE}")
        conduct = next((f for f in fields if f.name == CONDUCT_DATE_FIELD), None)
        if conduct is None or conduct.type is not FieldType.DATE or not conduct.required:
            r.fail(
                "min_age_at_conduct",
                f"needs a required date field '{CONDUCT_DATE_FIELD}' to check the age against",
            )
    if (
        len(r.problems) != before
        or code is None
        or effective_from is None
        or name is None
        or category is None
        or info_class is None
        or domain is None
        or sources is None
        or disclosure is None
        or display_rule is None
        or frequency is None
    ):
        return None
    return CatalogItem(
        code=code,
        effective_from=effective_from,
        effective_to=effective_to,
        edition=edition,
        name=name,
        description=description,
        category=category,
        info_class=info_class,
        domain=domain,
        topics=tuple(topics),
        legal_basis=tuple(legal_basis),
        sources=sources,
        disclosure=disclosure,
        display_rule=display_rule,
        display_start_field=start_field,
        display_end_field=end_field,
        update_frequency=frequency,
        fields=tuple(fields),
        min_age_at_conduct=min_age,
        origin=origin,
        defined_at=f"{r.file}:{r.node.line}",
    )


def _read_legal_basis(r: MapReader) -> list[LegalBasis]:
    out: list[LegalBasis] = []
    nodes = r.seq("legal_basis")
    for index, node in enumerate(nodes):
        entry = r.item_reader("legal_basis", index, node)
        if entry is None or not entry.check_keys(("instrument",), ("article",)):
            continue
        instrument = entry.text(
            "instrument",
            max_length=200,
            pattern=INSTRUMENT,
            hint="name the law or regulation with its title in 《》",
        )
        if "article" not in entry.node.entries:
            entry.fail(None, ARTICLE_REQUIRED)
            continue
        article = entry.text("article", max_length=100)
        if instrument is None or article is None:
            continue
        basis = LegalBasis(instrument, article)
        if basis in out:
            entry.fail(None, "this legal basis is listed twice")
        else:
            out.append(basis)
    return out


def _read_sources(r: MapReader) -> Sources | None:
    sub = r.map("sources")
    if sub is None or not sub.check_keys(("kinds",), ("departments",)):
        return None
    kinds = sub.enums("kinds", SourceKind)
    departments = sub.texts("departments", required=False, max_length=100)
    return Sources(tuple(kinds), tuple(departments)) if kinds else None


def _read_display_fields(r: MapReader) -> tuple[str | None, str | None]:
    sub = r.map("display_fields", required=False)
    if sub is None or not sub.check_keys((), ("start", "end")):
        return None, None
    start = sub.text("start", required=False, max_length=48, pattern=FIELD_NAME)
    end = sub.text("end", required=False, max_length=48, pattern=FIELD_NAME)
    return start, end


def file_edition(r: MapReader) -> str | None:
    return r.text("edition", max_length=16, pattern=EDITION, hint="YYYY.N, e.g. 2026.1")
