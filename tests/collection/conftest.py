"""Fixtures of the collection tests: the catalog, sources with grants, rows and files."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from chengxin.catalog.loader import load_catalog
from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import SourceKind
from chengxin.collection import service, sources
from chengxin.collection.ingest import Receipt
from chengxin.collection.readers import Limits
from chengxin.identity.numbers import check_character
from chengxin.keys import KeyRing
from tests.conftest import NOW

PENALTY_HEADERS = ["身份证号", "姓名", "记录编号", "行政处罚决定书文号", "处罚决定日期", "处罚机关",
                   "违法行为类型", "主要违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额（元）",
                   "失信程度"]  # fmt: skip


def person(n: int, birth: str = "19800101") -> str:
    """A valid ID number, different for each n."""
    first17 = f"110105{birth}{n % 1000:03d}"
    return first17 + check_character(first17)


def penalty_row(n: int, *, record: str | None = None, fine: str = "5000", name: str | None = None,
                number: str | None = None, decided: str = "2026-05-10") -> list[str]:  # fmt: skip
    return [number or person(n), name or f"张{'一二三四五六七八九十'[n % 10]}", record or f"R{n}",
            f"京税罚〔2026〕{n}号", decided, "国家税务总局北京市朝阳区税务局", "逃避缴纳税款",
            "少缴个人所得税", "《中华人民共和国税收征收管理法》第六十三条", "fine", "罚款", fine,
            "general"]  # fmt: skip


def write_csv(path: Path, headers: Sequence[str], rows: Sequence[Sequence[str]],
              encoding: str = "utf-8") -> Path:  # fmt: skip
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


class Node:
    """A node's database with two government sources, a court and an association."""

    def __init__(self, sessions: sessionmaker[Session], keys: KeyRing, catalog: Catalog) -> None:
        self.sessions, self.keys, self.catalog = sessions, keys, catalog
        self.now = NOW
        with sessions() as session, session.begin():
            for code, kind, items in (
                ("TAX-BJ", SourceKind.GOVERNMENT_DEPARTMENT, ["PENALTY-TAX", "PENALTY-GENERAL"]),
                ("EDU-BJ", SourceKind.GOVERNMENT_DEPARTMENT, ["STUDENT-EXAM-CHEATING"]),
                ("LAWYERS", SourceKind.INDUSTRY_ASSOCIATION, ["QUAL-LAWYER"]),
                ("COURT-BJ", SourceKind.COURT, ["JUDICIAL-DISHONEST-DEBTOR"]),
            ):
                source = sources.add_source(session, NOW, code=code, name=code, region_code="110105",
                                            kind=kind, actor="test")  # fmt: skip
                for item in items:
                    sources.grant_item(session, catalog, NOW, source, item, actor="test")

    def ingest(self, path: Path, source: str = "TAX-BJ", item: str | None = "PENALTY-TAX",
               limits: Limits | None = None, now: dt.datetime | None = None) -> Receipt:  # fmt: skip
        return service.ingest_file(
            self.sessions, self.keys, self.catalog, lambda: now or self.now, path=path,
            source_code=source, item_code=item, actor="test", limits=limits or Limits(),
        )  # fmt: skip


@pytest.fixture
def node(sessions: sessionmaker[Session], keys: KeyRing, catalog: Catalog) -> Node:
    return Node(sessions, keys, catalog)


@pytest.fixture
def penalties(tmp_path: Path) -> Callable[..., Path]:
    def make(rows: Sequence[Sequence[str]], name: str = "batch.csv", **kw: Any) -> Path:
        return write_csv(tmp_path / name, PENALTY_HEADERS, rows, **kw)

    return make
