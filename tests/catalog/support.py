"""Helpers of the catalog tests: a valid operator file and writing and loading folders."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from chengxin.catalog.loader import load_catalog
from chengxin.catalog.yamlsource import CatalogError, Problem

# A valid operator file; tests change one line of it at a time.
VALID_ITEM = """\
kind: catalog_items
edition: "2026.1"
items:
  - code: OP-TEST-ITEM
    effective_from: 2026-04-01
    name: {zh: 测试事项, en: Test item}
    category: bad
    info_class: compliance
    domain: education
    legal_basis:
      - instrument: 《中华人民共和国行政处罚法》
        article: 第四十八条
    sources:
      kinds: [government_department]
    disclosure: authorised
    display_rule: bad_record_5y
    update_frequency: monthly
    fields:
      - name: decision_date
        label: {zh: 认定日期, en: Date established}
        type: date
        required: true
      - name: summary
        label: {zh: 摘要, en: Summary}
        type: string
        max_length: 100
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def line_no(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the n-th occurrence of `fragment`."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if fragment in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{fragment!r} not in text")


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(CatalogError) as info:
        load_catalog(folder)
    return list(info.value.problems)
