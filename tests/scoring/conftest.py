"""Fixtures of the scoring tests: the catalog, the shipped model, and people with records written
straight into the tables (no ingestion: the score reads only the records' columns)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from sqlalchemy.orm import Session

from chengxin.catalog.loader import load_catalog
from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import SourceKind
from chengxin.collection.models import Source
from chengxin.identity.models import Person, Subject, SubjectKind
from chengxin.records.models import Record, RecordStatus
from chengxin.scoring.loader import load_models
from chengxin.scoring.model import ScoreModel
from tests.conftest import NOW

CATEGORY = {"PENALTY-TAX": "bad", "PENALTY-TRAFFIC": "bad", "LIST-SERIOUS-DISHONESTY": "serious",
            "JUDICIAL-DISHONEST-DEBTOR": "serious", "CONTRACT-BREACH": "bad",
            "HONOUR-MORAL-MODEL": "good", "HONOUR-BLOOD-DONATION": "good",
            "VOLUNTEER-SERVICE-HOURS": "good", "DONATION-CHARITABLE": "good",
            "QUAL-LAWYER": "basic"}  # fmt: skip


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def model(catalog: Catalog) -> ScoreModel:
    (shipped,) = load_models(None, catalog)
    return shipped


def add_source(session: Session) -> uuid.UUID:
    source = Source(id=uuid.uuid4(), code=f"S-{uuid.uuid4().hex[:8]}", name="测试来源",
                    region_code="110105", kind=SourceKind.GOVERNMENT_DEPARTMENT, created_at=NOW,
                    created_by="test")  # fmt: skip
    session.add(source)
    session.flush()
    return source.id


def add_person(session: Session) -> uuid.UUID:
    subject = Subject(id=uuid.uuid4(), kind=SubjectKind.PERSON, lookup=uuid.uuid4().hex,
                      region_code="110105", created_at=NOW)  # fmt: skip
    session.add(subject)
    session.flush()
    session.add(Person(id=subject.id, id_number_enc=b"x", name_enc=b"x", name_version=1, sex="F"))
    session.flush()
    return subject.id


def add_record(
    session: Session,
    subject: uuid.UUID,
    source: uuid.UUID,
    item: str,
    decided: dt.date,
    *,
    severity: str | None = None,
    status: RecordStatus = RecordStatus.ACTIVE,
    content: dict[str, Any] | None = None,
    at: dt.datetime = NOW,
) -> uuid.UUID:
    body = json.dumps(content or {}, sort_keys=True, separators=(",", ":"))
    record = Record(
        id=uuid.uuid4(), subject_id=subject, item_code=item, source_id=source,
        source_record_id=uuid.uuid4().hex, category=CATEGORY[item], disclosure="authorised",
        created_at=at, updated_at=at, version=1, status=status, content=body,
        content_hash="0" * 64, item_version=dt.date(2021, 1, 1), document_number=None,
        decision_date=decided, occurrence_date=decided, severity=severity, publicised=True,
        display_start=decided, display_earliest_end=None, display_latest_end=None, batch_id=None,
    )  # fmt: skip
    session.add(record)
    session.flush()
    return record.id
