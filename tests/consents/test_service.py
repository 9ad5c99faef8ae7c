"""Consent verbs (R-3.4, R-5.3): grant, withdraw, signed versions, verification, check_consent."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from chengxin.consents import service
from chengxin.consents.models import Consent, ConsentVersion
from chengxin.consents.rules import ConsentStatus, Purpose, parse_scope
from chengxin.errors import Forbidden, InvalidInput, NotFound
from chengxin.ledger.models import LedgerEntry
from chengxin.requesters.service import blacklist_requester, get_requester
from tests.consents.conftest import World

UNTIL = dt.date(2027, 5, 31)


def grant(session: Session, w: World, subject: uuid.UUID | None = None, **kw: Any) -> Consent:
    args: dict[str, Any] = {
        "subject_id": subject or w.zhang, "requester_code": "BANK-BJ",
        "purpose": Purpose.LOAN_APPROVAL, "scope": parse_scope(None, None),
        "valid_until": UNTIL, "actor": "account:zhang",
    }  # fmt: skip
    now = kw.pop("now", w.now)
    args.update(kw)
    return service.grant_consent(session, w.keys, now, **args)


def consent_entries(session: Session) -> list[dict[str, Any]]:
    bodies = session.scalars(
        select(LedgerEntry.body).where(LedgerEntry.kind == "consent").order_by(LedgerEntry.idx)
    )
    return [json.loads(b) for b in bodies]


def check(session: Session, w: World, consent_id: uuid.UUID | None, **kw: Any) -> Consent:
    args: dict[str, Any] = {
        "consent_id": consent_id, "subject_id": w.zhang,
        "requester_id": get_requester(session, "BANK-BJ").id, "purpose": Purpose.LOAN_APPROVAL,
    }  # fmt: skip
    now = kw.pop("now", w.now)
    args.update(kw)
    return service.check_consent(session, now, **args)


def test_r3_4_r5_3_a_grant_is_a_signed_version_logged_in_the_ledger(world: World) -> None:
    w = world
    with w.sessions() as session, session.begin():
        consent = grant(session, w, scope=parse_scope(["authorised"], ["bad", "serious"]))
    with w.sessions() as session:
        (version,) = service.versions_of(session, consent.id)
        (entry,) = consent_entries(session)
        stored = session.get_one(Consent, consent.id)
        assert service.verify_consent(session, w.keys, consent.id) == []
        assert [c.id for c in service.consents_of(session, w.zhang)] == [consent.id]
        assert service.consents_of(session, w.li) == []
    assert (stored.status, stored.version) == (ConsentStatus.ACTIVE, 1)
    assert (stored.scope_levels, stored.scope_categories) == ("authorised", "bad,serious")
    assert stored.valid_from == w.now
    assert stored.valid_until == dt.datetime(2027, 5, 31, 16, 0, tzinfo=dt.UTC)
    w.keys.public_key.verify(base64.b64decode(version.signature), version.body.encode())
    body = json.loads(version.body)
    assert (body["consent"], body["version"], body["subject"]) == (str(consent.id), 1, str(w.zhang))
    assert (body["requester"], body["purpose"], body["status"]) == (
        "BANK-BJ",
        "loan_approval",
        "active",
    )
    assert entry["kind"] == "consent"
    assert entry["subject"] == str(w.zhang)
    assert (entry["consent"], entry["version"], entry["status"]) == (str(consent.id), 1, "active")
    assert entry["body_hash"] == hashlib.sha256(version.body.encode()).hexdigest()
    with w.sessions() as session:
        ledger_row = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "consent")).one()
    assert ledger_row.subject_id == w.zhang


def test_r3_4_check_consent_gives_each_reason_for_a_refusal(world: World) -> None:
    w = world
    with w.sessions() as session, session.begin():
        good = grant(session, w)
        later = grant(session, w, valid_from=dt.date(2026, 12, 1))
        landlord = grant(session, w, requester_code="LANDLORD-1", purpose=Purpose.TENANCY)
        li_consent = grant(session, w, subject=w.li)
    with w.sessions() as session:
        assert check(session, w, good.id).id == good.id

        def reason(consent_id: uuid.UUID | None, **kw: Any) -> str | None:
            with pytest.raises(Forbidden) as refused:
                check(session, w, consent_id, **kw)
            assert refused.value.field == "consent_id"
            return refused.value.rule

        assert reason(None) == "consent-required"
        assert reason(uuid.uuid4()) == "consent-unknown"
        assert reason(li_consent.id) == "consent-unknown"  # another person's consent
        assert reason(landlord.id) == "consent-unknown"  # another requester's consent
        assert reason(later.id) == "consent-not-yet-valid"
        assert check(session, w, later.id, now=dt.datetime(2026, 11, 30, 16, tzinfo=dt.UTC))
        assert reason(good.id, now=dt.datetime(2027, 5, 31, 16, tzinfo=dt.UTC)) == "consent-expired"
        assert check(session, w, good.id, now=dt.datetime(2027, 5, 31, 15, 59, tzinfo=dt.UTC))
        assert reason(good.id, purpose=Purpose.EMPLOYMENT) == "consent-purpose"
        assert reason(good.id, purpose=Purpose.ADMINISTRATIVE_DUTY) == "consent-purpose"


def test_r3_4_a_withdrawn_consent_stops_access_at_once(world: World) -> None:
    w = world
    with w.sessions() as session, session.begin():
        consent = grant(session, w)
    moment = w.now + dt.timedelta(minutes=5)
    with w.sessions() as session, session.begin():
        assert check(session, w, consent.id, now=moment)
        withdrawn = service.withdraw_consent(session, w.keys, moment, consent_id=consent.id,
                                             subject_id=w.zhang, reason="不再办理贷款",
                                             actor="account:zhang")  # fmt: skip
        with pytest.raises(Forbidden) as same_transaction:
            check(session, w, consent.id, now=moment)
        assert same_transaction.value.rule == "consent-withdrawn"
    with w.sessions() as session:
        with pytest.raises(Forbidden) as after_commit:
            check(session, w, consent.id, now=moment)
        assert after_commit.value.rule == "consent-withdrawn"
        versions = service.versions_of(session, consent.id)
        entries = consent_entries(session)
        assert service.verify_consent(session, w.keys, consent.id) == []
    assert (withdrawn.status, withdrawn.version, withdrawn.withdrawn_at) == (
        ConsentStatus.WITHDRAWN,
        2,
        moment,
    )
    assert [v.version for v in versions] == [1, 2]
    assert json.loads(versions[0].body)["status"] == "active"  # version 1 is never changed
    last = json.loads(versions[1].body)
    assert (last["status"], last["withdraw_reason"]) == ("withdrawn", "不再办理贷款")
    assert [(e["version"], e["status"], e["event"]) for e in entries] == [
        (1, "active", "granted"),
        (2, "withdrawn", "withdrawn"),
    ]
    assert "不再办理贷款" not in json.dumps(entries, ensure_ascii=False)


def test_r3_4_only_the_subject_withdraws_and_only_once(world: World) -> None:
    w = world
    with w.sessions() as session, session.begin():
        consent = grant(session, w)

    def withdraw(subject: uuid.UUID, reason: str = "no") -> Consent:
        with w.sessions() as session, session.begin():
            return service.withdraw_consent(session, w.keys, w.now, consent_id=consent.id,
                                            subject_id=subject, reason=reason, actor="t")  # fmt: skip

    with pytest.raises(NotFound) as other:
        withdraw(w.li)
    assert other.value.field == "consent_id"
    for bad_reason in ("  ", "x" * 501):
        with pytest.raises(InvalidInput) as reason:
            withdraw(w.zhang, bad_reason)
        assert (reason.value.field, reason.value.rule) == ("reason", "length")
    withdraw(w.zhang)
    with pytest.raises(InvalidInput) as twice:
        withdraw(w.zhang)
    assert (twice.value.field, twice.value.rule) == ("consent_id", "already-withdrawn")
    with w.sessions() as session:
        assert len(service.versions_of(session, consent.id)) == 2
        assert len(consent_entries(session)) == 2


@pytest.mark.parametrize(
    ("kw", "error", "field", "rule"),
    [
        (
            {"purpose": Purpose.ADMINISTRATIVE_DUTY},
            InvalidInput,
            "purpose",
            "purpose-not-consentable",
        ),
        ({"requester_code": "GOV-TAX"}, InvalidInput, "requester", "requester-kind"),
        ({"requester_code": "NOPE"}, NotFound, "requester", None),
        ({"subject_id": uuid.uuid4()}, NotFound, "subject", None),
        ({"valid_until": dt.date(2026, 11, 25)}, InvalidInput, "valid_until", "validity-past"),
        (
            {"valid_until": dt.date(2027, 11, 27)},
            InvalidInput,
            "valid_until",
            "validity-max-one-year",
        ),
        ({"valid_from": dt.date(2027, 6, 1)}, InvalidInput, "valid_until", "validity-order"),
    ],
)
def test_r3_4_grant_refusals_write_nothing(
    world: World, kw: dict[str, Any], error: type[Exception], field: str, rule: str | None
) -> None:
    w = world
    with w.sessions() as session, session.begin(), pytest.raises(error) as refused:
        grant(session, w, **kw)
    assert (refused.value.field, refused.value.rule) == (field, rule)  # type: ignore[attr-defined]
    with w.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Consent)) == 0
        assert consent_entries(session) == []


def test_r3_5_a_blacklisted_requester_gets_no_new_consent(world: World) -> None:
    w = world
    with w.sessions() as session, session.begin():
        blacklist_requester(session, w.now, code="BANK-BJ", reason="违规", actor="t")
    with w.sessions() as session, session.begin(), pytest.raises(InvalidInput) as refused:
        grant(session, w)
    assert (refused.value.field, refused.value.rule) == ("requester", "blacklisted")


def test_r3_4_consents_for_a_requester_or_a_subject(world: World) -> None:
    w = world
    with w.sessions() as session, session.begin():
        a = grant(session, w)
        b = grant(session, w, subject=w.li)
        c = grant(session, w, requester_code="LANDLORD-1", purpose=Purpose.TENANCY)
    with w.sessions() as session:
        assert {x.id for x in service.consents_for(session, requester_code="BANK-BJ")} == {
            a.id,
            b.id,
        }
        assert {x.id for x in service.consents_for(session, subject_id=w.zhang)} == {a.id, c.id}
        assert [x.id for x in service.consents_for(session, requester_code="LANDLORD-1",
                                                   subject_id=w.zhang)] == [c.id]  # fmt: skip
        assert len(service.consents_for(session)) == 3
        assert len(service.consents_for(session, limit=2)) == 2
        with pytest.raises(NotFound):
            service.consents_for(session, requester_code="NOPE")


def _tamper(world: World, statement: Any) -> list[str]:
    with world.sessions() as session, session.begin():
        session.execute(statement)
    with world.sessions() as session:
        consent_id = session.scalars(select(Consent.id)).one()
        return service.verify_consent(session, world.keys, consent_id)


def _withdrawn(world: World) -> Consent:
    with world.sessions() as session, session.begin():
        consent = grant(session, world)
        return service.withdraw_consent(session, world.keys, world.now, consent_id=consent.id,
                                        subject_id=world.zhang, reason="no", actor="t")  # fmt: skip


def test_r5_3_verify_detects_a_body_changed_in_the_table(world: World) -> None:
    consent = _withdrawn(world)
    with world.sessions() as session:
        body = session.scalars(select(ConsentVersion.body).where(ConsentVersion.version == 1)).one()
    changed = body.replace("loan_approval", "employment")
    problems = _tamper(world, update(ConsentVersion).where(
        ConsentVersion.consent_id == consent.id, ConsentVersion.version == 1).values(body=changed))  # fmt: skip
    assert "version 1: the signature does not match the body" in problems
    assert "version 1: the ledger has no entry with this body's hash" in problems


def test_r5_3_verify_detects_a_signature_changed_in_the_table(world: World) -> None:
    consent = _withdrawn(world)
    other = base64.b64encode(world.keys.sign(b"something else")).decode()
    problems = _tamper(world, update(ConsentVersion).where(
        ConsentVersion.consent_id == consent.id, ConsentVersion.version == 2).values(signature=other))  # fmt: skip
    assert problems == ["version 2: the signature does not match the body"]
    problems = _tamper(world, update(ConsentVersion).where(
        ConsentVersion.consent_id == consent.id, ConsentVersion.version == 2).values(signature="!!"))  # fmt: skip
    assert problems == ["version 2: the signature does not match the body"]


def test_r5_3_verify_detects_a_row_changed_behind_the_versions(world: World) -> None:
    with world.sessions() as session, session.begin():
        consent = grant(session, world)
    later = dt.datetime(2027, 11, 1, tzinfo=dt.UTC)
    problems = _tamper(world, update(Consent).where(Consent.id == consent.id).values(
        valid_until=later, purpose=Purpose.EMPLOYMENT))  # fmt: skip
    assert problems == [
        "the consent row differs from its last signed version in: purpose, valid_until"
    ]


def test_r5_3_verify_detects_a_withdrawal_rolled_back_in_the_tables(world: World) -> None:
    consent = _withdrawn(world)
    with world.sessions() as session, session.begin():
        session.execute(delete(ConsentVersion).where(ConsentVersion.version == 2))
    problems = _tamper(world, update(Consent).where(Consent.id == consent.id).values(
        status=ConsentStatus.ACTIVE, version=1, withdrawn_at=None, withdrawn_by=None,
        withdraw_reason=None))  # fmt: skip
    assert problems == ["version 2 is in the ledger but missing here"]
