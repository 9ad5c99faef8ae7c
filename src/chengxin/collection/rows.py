"""One row of a submission, checked from end to end (R-2.2, R-2.6). Pure: the catalog, the
source's grants and `today` are parameters; every refusal names the field and the rule."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from chengxin.catalog.schema import Catalog, CatalogItem, check_min_age, validate_fields
from chengxin.catalog.vocab import SourceKind
from chengxin.errors import Forbidden, InvalidInput, NotFound
from chengxin.identity.names import normalize_name
from chengxin.identity.numbers import IdNumber, parse_id_number
from chengxin.records.rules import RecordFacts, check_dates, record_facts, start_field

STANDARD = ("id_number", "name", "item", "record_id", "action")
MAX_RECORD_ID = 100


class Action(StrEnum):
    ADD = "add"  # new record, or a correction when the natural key is known
    CORRECT = "correct"  # must name a known record
    REVOKE = "revoke"  # the source withdraws the record (撤销)


@dataclass(frozen=True)
class RowContext:
    catalog: Catalog
    source_kind: SourceKind
    granted: frozenset[str]
    today: dt.date
    item_code: str | None = None  # fixed for the whole batch (`--item`)


@dataclass(frozen=True)
class PreparedRow:
    number: int
    id_number: IdNumber
    name: str
    item: CatalogItem
    record_id: str
    action: Action
    facts: RecordFacts | None  # None for a revocation, which needs no content


@functools.lru_cache(maxsize=65536)
def _parse_id(raw: str, today: dt.date) -> IdNumber:
    # A batch often repeats people; parsing is pure, so cache it.
    return parse_id_number(raw, today)


def _text(values: Mapping[str, object], key: str) -> str:
    value = values.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput("a value is required", field=key, rule="required")
    if not isinstance(value, str | int):
        raise InvalidInput("must be text", field=key, rule="type")
    return str(value).strip()


def _choose_item(
    values: Mapping[str, object], ctx: RowContext, content: Mapping[str, object]
) -> CatalogItem:
    code = ctx.item_code or _text(values, "item")
    try:
        versions = ctx.catalog.versions(code)
    except NotFound:
        raise InvalidInput("is not in the catalog", field="item", rule="unknown-item") from None
    if code not in ctx.granted:
        raise Forbidden("is not granted to this source", field="item", rule="not-granted")
    # The version in force on the record's date decides its fields; the date's field name is
    # taken from the newest version (field names are stable across versions).
    name = start_field(ctx.catalog, versions[-1])
    raw = content.get(name) if name else None
    try:
        day = dt.date.fromisoformat(str(raw).strip()) if raw else ctx.today
    except ValueError:
        day = ctx.today  # validation below names the bad date
    item = ctx.catalog.find(code, day)
    if item is None:
        raise InvalidInput(f"is not in force on {day}", field="item", rule="item-not-in-force")
    if not item.sources.allows(ctx.source_kind):
        raise Forbidden(
            f"may not be supplied by a {ctx.source_kind.value}", field="item", rule="source-kind"
        )
    return item


def prepare_row(
    number: int, values: Mapping[str, object], ctx: RowContext, action: Action
) -> PreparedRow:
    """Check a row whose headers are already canonical; raise the first refusal found."""
    id_number = _parse_id(_text(values, "id_number"), ctx.today)
    name = normalize_name(_text(values, "name"))
    record_id = _text(values, "record_id")
    if len(record_id) > MAX_RECORD_ID:
        raise InvalidInput(
            f"must be at most {MAX_RECORD_ID} characters", field="record_id", rule="max-length"
        )
    content = {k: v for k, v in values.items() if k not in STANDARD}
    item = _choose_item(values, ctx, content)
    if action is Action.REVOKE:
        return PreparedRow(number, id_number, name, item, record_id, action, None)
    checked = validate_fields(item, content)
    check_dates(item, checked, ctx.today)
    facts = record_facts(ctx.catalog, item, checked, ctx.today)
    check_min_age(item, id_number.birth_date, facts.occurrence_date)
    return PreparedRow(number, id_number, name, item, record_id, action, facts)
