"""Demo requesters, a consent and a few queries through the one door, so that the register and the
ledger of a fresh demo node hold something to look at (issue C)."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.access.permissions import Role
from chengxin.access.principal import Principal
from chengxin.catalog.schema import Catalog
from chengxin.consents.rules import Purpose, parse_scope
from chengxin.consents.service import grant_consent
from chengxin.demo.generator import generate
from chengxin.errors import Forbidden
from chengxin.identity.service import find_person
from chengxin.keys import KeyRing
from chengxin.ledger.service import sign_checkpoint
from chengxin.queries.service import query_person
from chengxin.queries.thresholds import Thresholds
from chengxin.records.models import Record
from chengxin.requesters.models import Requester, RequesterKind
from chengxin.requesters.service import add_requester

ACTOR = "demo"
REQUESTERS = (
    ("DEMO-BANK", "示例银行股份有限公司北京分行", RequesterKind.BANK),
    ("DEMO-HR", "示例科技有限公司", RequesterKind.EMPLOYER),
    ("DEMO-MARKET", "北京市市场监督管理局（示例）", RequesterKind.GOVERNMENT_DEPARTMENT),
)


@dataclass(frozen=True)
class AccessDemo:
    requesters: int
    queries: int


def _ensure_requesters(session: Session, now: dt.datetime) -> dict[str, Requester]:
    found = {}
    for code, name, kind in REQUESTERS:
        row = session.scalar(select(Requester).where(Requester.code == code))
        found[code] = row or add_requester(
            session, now, code=code, name=name, kind=kind, region_code="110000", actor=ACTOR
        )
    return found


def load_access_demo(
    factory: sessionmaker[Session],
    keys: KeyRing,
    catalog: Catalog,
    now: dt.datetime,
    *,
    people: int,
    seed: int,
    origin: str,
) -> AccessDemo:
    """Three requesters; the demo person with most records consents to the bank; the bank queries
    with the consent, an employer without one (refused), and a department on a legal basis."""
    today = now.date()
    with factory() as session, session.begin():
        requesters = _ensure_requesters(session, now)
        grouped = select(Record.subject_id, func.count()).group_by(Record.subject_id)
        counts = {row[0]: row[1] for row in session.execute(grouped)}
        ranked = []
        for person in generate(people, seed, today).people:
            subject = find_person(session, keys, person.id_number, today)
            if subject in counts:
                ranked.append((counts[subject], person.id_number, subject))
        if not ranked:
            return AccessDemo(len(requesters), 0)
        _count, id_number, subject = max(ranked)
        consent = grant_consent(
            session, keys, now, subject_id=subject, requester_code="DEMO-BANK",
            purpose=Purpose.LOAN_APPROVAL, scope=parse_scope(None, None),
            valid_until=today + dt.timedelta(days=180), actor=ACTOR,
        )  # fmt: skip
    thresholds = Thresholds(subjects_per_hour=100, refusals_per_hour=5)
    asks = (
        ("DEMO-BANK", Role.REQUESTER, Purpose.LOAN_APPROVAL, consent.id, None),
        ("DEMO-HR", Role.REQUESTER, Purpose.EMPLOYMENT, None, None),
        ("DEMO-MARKET", Role.DEPARTMENT, Purpose.ADMINISTRATIVE_DUTY, None,
         "《中华人民共和国行政许可法》第三十一条"),
    )  # fmt: skip
    for code, role, purpose, consent_id, basis in asks:
        principal = Principal(role=role, actor=f"demo:{code}", requester_id=requesters[code].id)
        # The employer has no consent: refused, and registered as refused.
        with contextlib.suppress(Forbidden):
            query_person(
                factory, keys, catalog, now, principal=principal, purpose=purpose,
                id_number=id_number, consent_id=consent_id, legal_basis=basis,
                thresholds=thresholds, channel="cli",
            )  # fmt: skip
    with factory() as session, session.begin():
        sign_checkpoint(session, keys, now, origin=origin)
    return AccessDemo(len(requesters), len(asks))
