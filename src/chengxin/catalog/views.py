"""The catalog as the API and the CLI show it: typed pydantic models, built from the domain types.

Where a file defined an item (a server path) is not part of these views.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field

from chengxin.catalog.fields import Bilingual, FieldSpec
from chengxin.catalog.periods import DisplayRule
from chengxin.catalog.schema import Catalog, CatalogItem
from chengxin.catalog.vocab import (
    Category,
    DisclosureLevel,
    DisplayKind,
    Domain,
    FieldType,
    InfoClass,
    SourceKind,
    UpdateFrequency,
)


class TextOut(BaseModel):
    zh: str
    en: str


class LegalBasisOut(BaseModel):
    instrument: str = Field(description="Law or regulation, with its title in 《》")
    article: str = Field(description="Article, e.g. 第四十八条; for a policy document its section")


class SourcesOut(BaseModel):
    kinds: list[SourceKind]
    departments: list[str]


class FieldOut(BaseModel):
    name: str
    label: TextOut
    type: FieldType
    required: bool
    max_length: int | None
    pattern: str | None
    values: list[str]
    multiple: bool
    minimum: str | None = Field(description="Decimal as text")
    maximum: str | None = Field(description="Decimal as text")
    description: TextOut | None


class DisplayRuleOut(BaseModel):
    name: str
    kind: DisplayKind
    description: TextOut
    source: str
    start_field: str | None
    end_field: str | None
    min_months: int | None
    max_months: int | None


class ItemSummaryOut(BaseModel):
    code: str
    name: TextOut
    category: Category
    info_class: InfoClass
    domain: Domain
    disclosure: DisclosureLevel
    edition: str
    effective_from: dt.date
    effective_to: dt.date | None


class ItemVersionOut(ItemSummaryOut):
    description: TextOut | None
    topics: list[str]
    legal_basis: list[LegalBasisOut]
    sources: SourcesOut
    display_rule: DisplayRuleOut
    update_frequency: UpdateFrequency
    min_age_at_conduct: int | None
    fields: list[FieldOut]
    origin: str = Field(description="shipped or operator")


class ItemListOut(BaseModel):
    on: dt.date = Field(description="The date the items are in force on")
    count: int
    items: list[ItemSummaryOut]


class ItemDetailOut(BaseModel):
    code: str
    on: dt.date
    current: ItemVersionOut | None = Field(description="The version in force on `on`, if any")
    versions: list[ItemVersionOut] = Field(description="Every version, oldest first")


def _text(value: Bilingual) -> TextOut:
    return TextOut(zh=value.zh, en=value.en)


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def field_view(spec: FieldSpec) -> FieldOut:
    return FieldOut(
        name=spec.name,
        label=_text(spec.label),
        type=spec.type,
        required=spec.required,
        max_length=spec.max_length,
        pattern=spec.pattern,
        values=list(spec.values),
        multiple=spec.multiple,
        minimum=_decimal(spec.minimum),
        maximum=_decimal(spec.maximum),
        description=_text(spec.description) if spec.description else None,
    )


def rule_view(rule: DisplayRule, item: CatalogItem | None = None) -> DisplayRuleOut:
    start = (item.display_start_field if item else None) or rule.start_field
    end = (item.display_end_field if item else None) or rule.end_field
    return DisplayRuleOut(
        name=rule.name,
        kind=rule.kind,
        description=_text(rule.description),
        source=rule.source,
        start_field=start,
        end_field=end,
        min_months=rule.min_months,
        max_months=rule.max_months,
    )


def summary_view(item: CatalogItem) -> ItemSummaryOut:
    return ItemSummaryOut(
        code=item.code,
        name=_text(item.name),
        category=item.category,
        info_class=item.info_class,
        domain=item.domain,
        disclosure=item.disclosure,
        edition=item.edition,
        effective_from=item.effective_from,
        effective_to=item.effective_to,
    )


def version_view(catalog: Catalog, item: CatalogItem) -> ItemVersionOut:
    return ItemVersionOut(
        **summary_view(item).model_dump(),
        description=_text(item.description) if item.description else None,
        topics=list(item.topics),
        legal_basis=[
            LegalBasisOut(instrument=b.instrument, article=b.article) for b in item.legal_basis
        ],
        sources=SourcesOut(
            kinds=list(item.sources.kinds), departments=list(item.sources.departments)
        ),
        display_rule=rule_view(catalog.display_rule(item), item),
        update_frequency=item.update_frequency,
        min_age_at_conduct=item.min_age_at_conduct,
        fields=[field_view(f) for f in item.fields],
        origin=str(item.origin),
    )


def list_view(items: tuple[CatalogItem, ...], on: dt.date) -> ItemListOut:
    return ItemListOut(on=on, count=len(items), items=[summary_view(i) for i in items])


def detail_view(catalog: Catalog, code: str, on: dt.date) -> ItemDetailOut:
    """Raises NotFound for an unknown code."""
    versions = catalog.versions(code)
    current = catalog.find(code, on)
    return ItemDetailOut(
        code=code,
        on=on,
        current=version_view(catalog, current) if current else None,
        versions=[version_view(catalog, v) for v in versions],
    )
