"""What a validated record's columns say: its dates, document number, display window, hash.
Pure: the catalog and `today` are parameters."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from chengxin.catalog.fields import FieldValue, content_to_json
from chengxin.catalog.periods import DisplayPeriod
from chengxin.catalog.schema import CONDUCT_DATE_FIELD, SEVERITY_FIELD, Catalog, CatalogItem
from chengxin.catalog.vocab import FieldType
from chengxin.errors import InvalidInput

# Fields, in order of preference, that carry the number of the document a record rests on.
DOCUMENT_FIELDS = (
    "decision_number",
    "document_number",
    "list_document_number",
    "case_number",
    "licence_number",
    "certificate_number",
)
# Date fields that name an end and may lie in the future; every other date must not.
FUTURE_DATE_FIELDS = frozenset({"valid_until", "term_end", "fulfil_by"})


@dataclass(frozen=True)
class RecordFacts:
    content: str  # canonical JSON (sorted keys, no spaces)
    content_hash: str
    item_version: dt.date
    document_number: str | None
    decision_date: dt.date
    occurrence_date: dt.date
    severity: str | None
    publicised: bool
    display_start: dt.date | None
    display_earliest_end: dt.date | None
    display_latest_end: dt.date | None


def start_field(catalog: Catalog, item: CatalogItem) -> str | None:
    """The field holding the date that matters for the record (the display period's start)."""
    return item.display_start_field or catalog.display_rule(item).start_field


def check_dates(item: CatalogItem, values: Mapping[str, FieldValue], today: dt.date) -> None:
    """R-2.2: dates may not lie in the future (end dates such as `valid_until` excepted)."""
    for spec in item.fields:
        value = values.get(spec.name)
        if (
            spec.type is FieldType.DATE
            and isinstance(value, dt.date)
            and value > today
            and spec.name not in FUTURE_DATE_FIELDS
        ):
            raise InvalidInput("must not lie in the future", field=spec.name, rule="future-date")


def record_facts(
    catalog: Catalog, item: CatalogItem, values: Mapping[str, FieldValue], received: dt.date
) -> RecordFacts:
    """Columns of a record whose content `validate_fields` has checked."""
    content = json.dumps(
        content_to_json(values), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    digest = hashlib.sha256(f"{item.code}\n{content}".encode()).hexdigest()
    name = start_field(catalog, item)
    start = values.get(name) if name else None
    decision = start if isinstance(start, dt.date) else received
    conduct = values.get(CONDUCT_DATE_FIELD)
    period = catalog.display_period(item, values)
    document = next((values[f] for f in DOCUMENT_FIELDS if isinstance(values.get(f), str)), None)
    severity = values.get(SEVERITY_FIELD)
    shown = period if isinstance(period, DisplayPeriod) else None
    return RecordFacts(
        content=content,
        content_hash=digest,
        item_version=item.effective_from,
        # The column holds 100 characters; an operator's item may allow longer numbers.
        document_number=document[:100] if isinstance(document, str) else None,
        decision_date=decision,
        occurrence_date=conduct if isinstance(conduct, dt.date) else decision,
        severity=severity if isinstance(severity, str) else None,
        publicised=shown is not None,
        display_start=shown.start if shown else None,
        display_earliest_end=shown.earliest_end if shown else None,
        display_latest_end=shown.latest_end if shown else None,
    )
