"""Consent routes: a citizen grants, lists and withdraws their own consents (R-3.4, R-5.3); staff
list consents by requester, with subject ids only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from chengxin.access.deps import allowed, own_subject
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.catalog.vocab import Category, DisclosureLevel
from chengxin.consents import service
from chengxin.consents.models import Consent
from chengxin.consents.rules import PURPOSE_LABELS, ConsentStatus, Purpose, parse_scope
from chengxin.problems import GUARDED, NO_NUL, problem_responses
from chengxin.requesters.models import Requester
from chengxin.runtime import runtime_of

router = APIRouter(prefix="/api/v1", tags=["consents"], responses=GUARDED, dependencies=NO_NUL)
Citizen = Annotated[Principal, allowed(Permission.OWN_CONSENTS_WRITE)]
Staff = Annotated[Principal, allowed(Permission.CONSENTS_READ)]


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requester: str = Field(max_length=32, description="Code of the requester (查询机构)")
    purpose: Purpose = Field(description="Purpose (查询用途); administrative_duty is refused")
    levels: list[DisclosureLevel] | None = Field(
        default=None, max_length=3, description="Disclosure levels; default public, authorised"
    )
    categories: list[Category] | None = Field(
        default=None, max_length=4, description="Categories; default (or empty) all"
    )
    valid_from: dt.date | None = Field(default=None, description="First day (China); default today")
    valid_until: dt.date = Field(description="Last day (China), at most one year ahead")


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=500)


class PurposeOut(BaseModel):
    code: Purpose
    zh: str
    en: str


class ScopeOut(BaseModel):
    levels: list[DisclosureLevel]
    categories: list[Category] = Field(description="Empty: every category")


class RequesterRefOut(BaseModel):
    code: str
    name: str


class _ConsentBase(BaseModel):
    id: uuid.UUID
    purpose: PurposeOut
    scope: ScopeOut
    valid_from: dt.datetime
    valid_until: dt.datetime = Field(description="The consent holds until just before this")
    status: ConsentStatus
    version: int
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None


class ConsentOut(_ConsentBase):
    requester: RequesterRefOut
    withdraw_reason: str | None
    signed_body: str = Field(description="The current version's canonical JSON, as signed")
    signature: str = Field(
        description="base64 Ed25519 signature over signed_body's UTF-8 bytes by the node key "
        "(GET /api/v1/ledger/public-key)"
    )


class ConsentStaffOut(_ConsentBase):
    subject_id: uuid.UUID
    requester: str


def _base(consent: Consent) -> dict[str, object]:
    scope = service.scope_of(consent)
    zh, en = PURPOSE_LABELS[consent.purpose]
    return {
        "id": consent.id,
        "purpose": PurposeOut(code=consent.purpose, zh=zh, en=en),
        "scope": ScopeOut(levels=sorted(scope.levels), categories=sorted(scope.categories)),
        "valid_from": consent.valid_from,
        "valid_until": consent.valid_until,
        "status": consent.status,
        "version": consent.version,
        "created_at": consent.created_at,
        "withdrawn_at": consent.withdrawn_at,
    }


def _own(session: Session, consent: Consent, requester: Requester) -> ConsentOut:
    version = service.current_version(session, consent)
    return ConsentOut.model_validate(
        {
            **_base(consent),
            "requester": RequesterRefOut(code=requester.code, name=requester.name),
            "withdraw_reason": consent.withdraw_reason,
            "signed_body": version.body if version else "",
            "signature": version.signature if version else "",
        }
    )


@router.post(
    "/me/consents",
    status_code=201,
    response_model=ConsentOut,
    summary="Give a requester consent (授权) for a purpose, scope and period",
    responses=problem_responses(described={404: "No requester has this code"}),
)
def post_consent(request: Request, principal: Citizen, body: ConsentIn) -> ConsentOut:
    rt = runtime_of(request)
    subject_id = own_subject(principal, "consents")
    scope = parse_scope(
        None if body.levels is None else [v.value for v in body.levels],
        [v.value for v in body.categories or []],
    )
    with rt.sessions() as session, session.begin():
        consent = service.grant_consent(
            session, rt.keys, rt.clock(), subject_id=subject_id, requester_code=body.requester,
            purpose=body.purpose, scope=scope, valid_until=body.valid_until,
            valid_from=body.valid_from, actor=principal.actor,
        )  # fmt: skip
        return _own(session, consent, session.get_one(Requester, consent.requester_id))


@router.get("/me/consents", response_model=list[ConsentOut], summary="My consents, newest first")
def get_my_consents(request: Request, principal: Citizen) -> list[ConsentOut]:
    subject_id = own_subject(principal, "consents")
    with runtime_of(request).reads() as session:
        consents = service.consents_of(session, subject_id)
        requesters = service.requesters_by_id(session, consents)
        return [_own(session, c, requesters[c.requester_id]) for c in consents]


@router.post(
    "/me/consents/{consent_id}/withdraw",
    response_model=ConsentOut,
    summary="Withdraw one of my consents; it stops opening anything at once",
    responses=problem_responses(described={404: "No consent of yours has this id"}),
)
def post_withdraw(
    request: Request,
    principal: Citizen,
    consent_id: Annotated[uuid.UUID, Path()],
    body: WithdrawIn,
) -> ConsentOut:
    rt = runtime_of(request)
    subject_id = own_subject(principal, "consents")
    with rt.sessions() as session, session.begin():
        consent = service.withdraw_consent(
            session, rt.keys, rt.clock(), consent_id=consent_id, subject_id=subject_id,
            reason=body.reason, actor=principal.actor,
        )  # fmt: skip
        return _own(session, consent, session.get_one(Requester, consent.requester_id))


@router.get(
    "/consents",
    response_model=list[ConsentStaffOut],
    summary="Consents, newest first, optionally of one requester (subject ids only)",
    responses=problem_responses(404),
)
def get_consents(
    request: Request,
    _principal: Staff,
    requester: Annotated[str | None, Query(max_length=32, description="Requester code")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[ConsentStaffOut]:
    with runtime_of(request).reads() as session:
        consents = service.consents_for(session, requester_code=requester, limit=limit)
        requesters = service.requesters_by_id(session, consents)
        return [
            ConsentStaffOut.model_validate(
                {
                    **_base(c),
                    "subject_id": c.subject_id,
                    "requester": requesters[c.requester_id].code,
                }
            )
            for c in consents
        ]
