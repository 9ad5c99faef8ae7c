"""Consent verbs (R-3.4, R-5.3): grant and withdraw, each a new version signed by the node and
logged in the ledger in the same transaction; reads; signature checks; and `check_consent`, the
question the one-door query service asks before a requester reads a person."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import uuid
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.consents.models import Consent, ConsentVersion
from chengxin.consents.rules import (
    CONSENTABLE,
    ConsentStatus,
    Purpose,
    Scope,
    clean_reason,
    consent_body,
    scope_from_stored,
    validity,
)
from chengxin.errors import Forbidden, InvalidInput, NotFound
from chengxin.identity.models import Person
from chengxin.keys import KeyRing
from chengxin.ledger.entries import canonical_json
from chengxin.ledger.service import append_entry, entries_about
from chengxin.requesters.models import Requester, RequesterKind
from chengxin.requesters.service import get_requester


def scope_of(consent: Consent) -> Scope:
    return scope_from_stored(consent.scope_levels, consent.scope_categories)


def _requester_code(session: Session, consent: Consent) -> str:
    return session.get_one(Requester, consent.requester_id).code


def body_of(session: Session, consent: Consent) -> dict[str, Any]:
    """The canonical body the consent row says now (equal to its last signed version's)."""
    return consent_body(
        consent_id=consent.id, version=consent.version, subject_id=consent.subject_id,
        requester_code=_requester_code(session, consent), purpose=consent.purpose,
        scope=scope_of(consent), valid_from=consent.valid_from, valid_until=consent.valid_until,
        status=consent.status, created_at=consent.created_at, created_by=consent.created_by,
        withdrawn_at=consent.withdrawn_at, withdrawn_by=consent.withdrawn_by,
        withdraw_reason=consent.withdraw_reason,
    )  # fmt: skip


def _body_text(body: dict[str, Any]) -> str:
    return canonical_json(body).decode("utf-8")


def _write_version(
    session: Session, keys: KeyRing, now: dt.datetime, consent: Consent, *, event: str, actor: str
) -> ConsentVersion:
    body = body_of(session, consent)
    text = _body_text(body)
    signature = base64.b64encode(keys.sign(text.encode("utf-8"))).decode("ascii")
    version = ConsentVersion(
        id=uuid.uuid4(), consent_id=consent.id, subject_id=consent.subject_id,
        version=consent.version, body=text, signature=signature, created_at=now, actor=actor,
    )  # fmt: skip
    session.add(version)
    session.flush()
    append_entry(
        session,
        now,
        {
            "kind": "consent",
            "event": event,
            "subject": str(consent.subject_id),
            "consent": str(consent.id),
            "version": consent.version,
            "status": consent.status.value,
            "requester": body["requester"],
            "purpose": consent.purpose.value,
            "valid_until": body["valid_until"],
            "body_hash": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        },
    )
    return version


def grant_consent(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    *,
    subject_id: uuid.UUID,
    requester_code: str,
    purpose: Purpose,
    scope: Scope,
    valid_until: dt.date,
    actor: str,
    valid_from: dt.date | None = None,
) -> Consent:
    """A person's consent (授权) for one requester, purpose, scope and period; version 1.

    `valid_until` is the last day (China calendar) the consent holds; see `rules.validity`."""
    if purpose not in CONSENTABLE:
        raise InvalidInput(
            "administrative_duty (依法履职) rests on a legal basis and is never given by consent",
            field="purpose",
            rule="purpose-not-consentable",
        )
    requester = get_requester(session, requester_code)
    if requester.kind == RequesterKind.GOVERNMENT_DEPARTMENT:
        raise InvalidInput(
            "government departments (实施部门) query on a legal basis, not by consent",
            field="requester",
            rule="requester-kind",
        )
    if requester.blacklisted_at is not None:
        raise InvalidInput(
            "is on the violation blacklist (违规经营黑名单)", field="requester", rule="blacklisted"
        )
    if session.get(Person, subject_id) is None:
        raise NotFound("no person has this subject id", field="subject")
    start, end = validity(now, valid_until=valid_until, valid_from=valid_from)
    levels, categories = scope.stored()
    consent = Consent(
        id=uuid.uuid4(), subject_id=subject_id, requester_id=requester.id, purpose=purpose,
        scope_levels=levels, scope_categories=categories, valid_from=start, valid_until=end,
        status=ConsentStatus.ACTIVE, version=1, created_at=now, created_by=actor,
    )  # fmt: skip
    session.add(consent)
    session.flush()
    _write_version(session, keys, now, consent, event="granted", actor=actor)
    return consent


def withdraw_consent(
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    *,
    consent_id: uuid.UUID,
    subject_id: uuid.UUID,
    reason: str,
    actor: str,
) -> Consent:
    """Withdraw a consent; it stops opening anything at once. Only the consent's own subject may:
    anyone else's id answers NotFound, so ids of other people's consents are not confirmed."""
    consent = session.scalar(
        select(Consent)
        .where(Consent.id == consent_id, Consent.subject_id == subject_id)
        .with_for_update()
    )
    if consent is None:
        raise NotFound("no consent of this person has this id", field="consent_id")
    if consent.status == ConsentStatus.WITHDRAWN:
        raise InvalidInput("is already withdrawn", field="consent_id", rule="already-withdrawn")
    consent.withdraw_reason = clean_reason(reason)
    consent.status, consent.version = ConsentStatus.WITHDRAWN, consent.version + 1
    consent.withdrawn_at, consent.withdrawn_by = now, actor
    session.flush()
    _write_version(session, keys, now, consent, event="withdrawn", actor=actor)
    return consent


# --- reads -----------------------------------------------------------------------------------


def get_consent(session: Session, consent_id: uuid.UUID) -> Consent:
    consent = session.get(Consent, consent_id)
    if consent is None:
        raise NotFound("no consent has this id", field="consent_id")
    return consent


def consents_of(session: Session, subject_id: uuid.UUID) -> list[Consent]:
    """A person's consents, newest first."""
    return list(
        session.scalars(
            select(Consent)
            .where(Consent.subject_id == subject_id)
            .order_by(Consent.created_at.desc(), Consent.id)
        )
    )


def consents_for(
    session: Session,
    *,
    requester_code: str | None = None,
    subject_id: uuid.UUID | None = None,
    limit: int | None = None,
) -> list[Consent]:
    """Consents by requester and/or subject, newest first."""
    query = select(Consent).order_by(Consent.created_at.desc(), Consent.id)
    if requester_code is not None:
        query = query.where(Consent.requester_id == get_requester(session, requester_code).id)
    if subject_id is not None:
        query = query.where(Consent.subject_id == subject_id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def versions_of(session: Session, consent_id: uuid.UUID) -> list[ConsentVersion]:
    return list(
        session.scalars(
            select(ConsentVersion)
            .where(ConsentVersion.consent_id == consent_id)
            .order_by(ConsentVersion.version)
        )
    )


def current_version(session: Session, consent: Consent) -> ConsentVersion | None:
    return session.scalar(
        select(ConsentVersion).where(
            ConsentVersion.consent_id == consent.id, ConsentVersion.version == consent.version
        )
    )


def requesters_by_id(session: Session, consents: list[Consent]) -> dict[uuid.UUID, Requester]:
    """The requesters of some consents, by id (one query for a list)."""
    ids = {c.requester_id for c in consents}
    if not ids:
        return {}
    return {r.id: r for r in session.scalars(select(Requester).where(Requester.id.in_(ids)))}


def _signature_ok(keys: KeyRing, version: ConsentVersion) -> bool:
    try:
        signature = base64.b64decode(version.signature, validate=True)
        keys.public_key.verify(signature, version.body.encode("utf-8"))
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True


def verify_consent(session: Session, keys: KeyRing, consent_id: uuid.UUID) -> list[str]:
    """Problems found with a consent (empty: it is sound). Checks that the versions run 1..n,
    every signature holds with the node key, every body names its consent, version and subject,
    the ledger logged each version's body hash, and the row says what the last version says."""
    consent = get_consent(session, consent_id)
    versions = versions_of(session, consent_id)
    problems: list[str] = []
    if [v.version for v in versions] != list(range(1, len(versions) + 1)) or not versions:
        problems.append(f"versions are {[v.version for v in versions]}, not 1..n")
    logged = {
        (entry.get("version"), entry.get("body_hash"))
        for entry in (
            json.loads(row.body) for row in entries_about(session, consent.subject_id, "consent")
        )
        if entry.get("consent") == str(consent.id)
    }
    for version in versions:
        where = f"version {version.version}"
        if not _signature_ok(keys, version):
            problems.append(f"{where}: the signature does not match the body")
        try:
            body = json.loads(version.body)
        except ValueError:
            problems.append(f"{where}: the body is not JSON")
            continue
        named = (body.get("consent"), body.get("version"), body.get("subject"))
        if named != (str(consent.id), version.version, str(version.subject_id)):
            problems.append(f"{where}: the body names another consent, version or subject")
        digest = hashlib.sha256(version.body.encode("utf-8")).hexdigest()
        if (version.version, digest) not in logged:
            problems.append(f"{where}: the ledger has no entry with this body's hash")
    if versions and consent.version != versions[-1].version:
        problems.append(
            f"the consent says version {consent.version}, the last signed is {versions[-1].version}"
        )
    if versions and (consent.version, _body_text(body_of(session, consent))) != (
        versions[-1].version,
        versions[-1].body,
    ):
        current = body_of(session, consent)
        try:
            signed = json.loads(versions[-1].body)
        except ValueError:
            signed = {}
        changed = sorted(k for k in current if current.get(k) != signed.get(k))
        problems.append(
            f"the consent row differs from its last signed version in: {', '.join(changed)}"
        )
    logged_versions = {v for v, _ in logged}
    for missing in sorted(logged_versions - {v.version for v in versions}, key=str):
        problems.append(f"version {missing} is in the ledger but missing here")
    return problems


# --- the one door's question -----------------------------------------------------------------


def check_consent(
    session: Session,
    now: dt.datetime,
    *,
    consent_id: uuid.UUID | None,
    subject_id: uuid.UUID,
    requester_id: uuid.UUID,
    purpose: Purpose,
) -> Consent:
    """The active consent that lets this requester query this person for this purpose now;
    Forbidden (field `consent_id`) with the reason otherwise. A consent of another person or
    another requester is answered as unknown, so the answer confirms nothing about it."""

    def refuse(message: str, rule: str) -> Forbidden:
        return Forbidden(message, field="consent_id", rule=rule)

    if consent_id is None:
        raise refuse("a consent (授权) of the person is required", "consent-required")
    consent = session.scalar(
        select(Consent).where(
            Consent.id == consent_id,
            Consent.subject_id == subject_id,
            Consent.requester_id == requester_id,
        )
    )
    if consent is None:
        raise refuse("no such consent of this person for this requester", "consent-unknown")
    if consent.status != ConsentStatus.ACTIVE:
        raise refuse("the consent has been withdrawn (已撤回)", "consent-withdrawn")
    if now < consent.valid_from:
        raise refuse(
            f"the consent is valid from {consent.valid_from.isoformat()}", "consent-not-yet-valid"
        )
    if now >= consent.valid_until:
        raise refuse(f"the consent ended at {consent.valid_until.isoformat()}", "consent-expired")
    if purpose != consent.purpose:
        raise refuse(
            f"the consent is for {consent.purpose.value}, not {purpose.value}", "consent-purpose"
        )
    return consent
