"""Agency verbs (R-5.5): register a credit agency (征信机构), make and end an agreement (协议)
with it. Each is one transaction of the caller and a ledger entry `agency` in it: to whom this
platform discloses, and on what terms, is part of its history."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chengxin.agencies.models import Agency, Agreement
from chengxin.agencies.rules import (
    MAX_LEGAL_BASIS,
    MAX_NAME,
    Frequency,
    Purpose,
    check_items,
    check_period,
)
from chengxin.catalog.schema import Catalog
from chengxin.clock import china_today
from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.exchange.node_rules import b64, check_code, fingerprint, parse_public_key
from chengxin.exchange.nodes import find_peer
from chengxin.ledger.service import append_entry
from chengxin.texts import clean_text


def add_agency(
    session: Session, now: dt.datetime, *, code: str, name: str, public_key: str | None,
    actor: str,
) -> Agency:  # fmt: skip
    """Register an agency; its code is the receiver of the packages made for it."""
    code = check_code(code.strip())
    name = clean_text(name, "name", limit=MAX_NAME)
    key = b64(parse_public_key(public_key)) if public_key else None
    if find_agency(session, code) is not None:
        raise Conflict(f"an agency with code {code} is already on file", field="code",
                       rule="unique")  # fmt: skip
    if find_peer(session, code) is not None:  # one code, one receiver: packages never mix
        raise Conflict(f"{code} is a peer node's code", field="code", rule="unique")
    agency = Agency(code=code, name=name, public_key=key, added_at=now, added_by=actor)
    try:
        with session.begin_nested():
            session.add(agency)
    except IntegrityError:
        raise Conflict(f"an agency with code {code} was just added", field="code",
                       rule="unique") from None  # fmt: skip
    append_entry(session, now, {
        "kind": "agency", "event": "add", "agency": code,
        "name": name, "actor": actor,
        "key_fingerprint": fingerprint(parse_public_key(key)) if key else None,
    })  # fmt: skip
    return agency


def find_agency(session: Session, code: str) -> Agency | None:
    return session.scalar(select(Agency).where(Agency.code == code))


def get_agency(session: Session, code: str) -> Agency:
    agency = find_agency(session, code)
    if agency is None:
        raise NotFound(f"no agency has code {code}", field="agency", rule="exists")
    return agency


def list_agencies(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.code)))


def make_agreement(
    session: Session, catalog: Catalog, now: dt.datetime, *, agency_code: str,
    items: Sequence[str], purposes: Sequence[Purpose], frequency: Frequency,
    valid_from: dt.date, valid_until: dt.date | None, legal_basis: str, actor: str,
) -> Agreement:  # fmt: skip
    """An agreement with an agency: public catalog items only (rules.check_items), checked on
    the first day it is in force (or today, if that is later)."""
    agency = get_agency(session, agency_code)
    codes = check_items(catalog, items, max(valid_from, china_today(now)))
    check_period(valid_from, valid_until)
    basis = clean_text(legal_basis, "legal_basis", limit=MAX_LEGAL_BASIS)
    if not purposes:
        raise InvalidInput("name at least one purpose", field="purposes", rule="required")
    agreement = Agreement(
        id=uuid.uuid4(), agency_id=agency.id, items=json.dumps(list(codes)),
        purposes=json.dumps([p.value for p in purposes]), frequency=frequency.value,
        valid_from=valid_from, valid_until=valid_until, legal_basis=basis, created_at=now,
        created_by=actor,
    )  # fmt: skip
    session.add(agreement)
    session.flush()
    append_entry(session, now, {
        "kind": "agency", "event": "agree", "agency": agency.code,
        "agreement": str(agreement.id), "items": list(codes),
        "purposes": [p.value for p in purposes], "frequency": frequency.value,
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "legal_basis_sha256": _sha(basis), "actor": actor,
    })  # fmt: skip
    return agreement


def end_agreement(session: Session, now: dt.datetime, agreement_id: uuid.UUID, *,
                  actor: str) -> Agreement:  # fmt: skip
    """End an agreement now: no export is made under it from now on. It stays on file."""
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFound(f"no agreement has id {agreement_id}", field="agreement", rule="exists")
    if agreement.ended_at is not None:
        raise Conflict("the agreement has already ended", field="agreement", rule="in-force")
    agreement.ended_at, agreement.ended_by = now, actor
    session.flush()
    agency = session.get_one(Agency, agreement.agency_id)
    append_entry(session, now, {
        "kind": "agency", "event": "end", "agency": agency.code,
        "agreement": str(agreement.id), "actor": actor,
    })  # fmt: skip
    return agreement


@dataclass(frozen=True)
class AgreementView:
    id: uuid.UUID
    agency: str
    items: list[str]
    purposes: list[str]
    frequency: str
    valid_from: dt.date
    valid_until: dt.date | None
    legal_basis: str
    created_at: dt.datetime
    ended_at: dt.datetime | None


def view(agreement: Agreement, agency: Agency) -> AgreementView:
    return AgreementView(
        agreement.id, agency.code, json.loads(agreement.items), json.loads(agreement.purposes),
        agreement.frequency, agreement.valid_from, agreement.valid_until, agreement.legal_basis,
        agreement.created_at, agreement.ended_at,
    )  # fmt: skip


def list_agreements(session: Session, agency_code: str | None = None) -> list[AgreementView]:
    query = select(Agreement, Agency).join(Agency, Agency.id == Agreement.agency_id)
    if agency_code is not None:
        query = query.where(Agency.code == agency_code)
    rows = session.execute(query.order_by(Agency.code, Agreement.created_at)).all()
    return [view(agreement, agency) for agreement, agency in rows]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
