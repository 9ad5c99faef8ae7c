"""Notification routes: a citizen reads their inbox (站内信), marks notices read, and sets or
removes the e-mail address notices are also sent to."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from chengxin.access.deps import allowed, own_subject
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.errors import Forbidden
from chengxin.notifications import service
from chengxin.notifications.models import Notification
from chengxin.problems import GUARDED, NO_NUL, problem_responses
from chengxin.runtime import runtime_of

router = APIRouter(prefix="/api/v1", tags=["notifications"], responses=GUARDED, dependencies=NO_NUL)
Citizen = Annotated[Principal, allowed(Permission.OWN_NOTIFICATIONS)]


class NotificationOut(BaseModel):
    id: uuid.UUID
    topic: str = Field(description="What happened, e.g. objection.accepted")
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    ref: str | None = Field(description="What it is about, e.g. an objection's id")
    created_at: dt.datetime
    read_at: dt.datetime | None


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=service.MAX_EMAIL_CHARS, description="An e-mail address")


class ContactOut(BaseModel):
    email: str | None = Field(description="The address, masked (z***@example.com); null: none")
    verified: bool = Field(description="Always false for now: no confirmation mail is sent")
    updated_at: dt.datetime | None


def _out(notice: Notification) -> NotificationOut:
    return NotificationOut.model_validate(notice, from_attributes=True)


@router.get(
    "/me/notifications",
    response_model=list[NotificationOut],
    summary="My notices (站内信), newest first",
)
def get_notifications(
    request: Request,
    principal: Citizen,
    unread: Annotated[bool, Query(description="Only notices not yet read")] = False,
    limit: Annotated[int, Query(ge=1, le=service.MAX_INBOX)] = 50,
) -> list[NotificationOut]:
    subject_id = own_subject(principal, "notices")
    with runtime_of(request).reads() as session:
        notices = service.inbox(session, subject_id=subject_id, unread_only=unread, limit=limit)
        return [_out(n) for n in notices]


@router.post(
    "/me/notifications/{notification_id}/read",
    response_model=NotificationOut,
    summary="Mark one of my notices read",
    responses=problem_responses(described={404: "No notice of yours has this id"}),
)
def post_read(
    request: Request, principal: Citizen, notification_id: Annotated[uuid.UUID, Path()]
) -> NotificationOut:
    rt = runtime_of(request)
    subject_id = own_subject(principal, "notices")
    with rt.sessions() as session, session.begin():
        notice = service.mark_read(
            session, rt.clock(), notification_id=notification_id, subject_id=subject_id
        )
        return _out(notice)


def _contact(request: Request, subject_id: uuid.UUID) -> ContactOut:
    rt = runtime_of(request)
    with rt.reads() as session:
        view = service.contact_view(session, rt.keys, subject_id=subject_id)
    if view is None:
        return ContactOut(email=None, verified=False, updated_at=None)
    return ContactOut(
        email=view.masked_email, verified=view.verified_at is not None, updated_at=view.updated_at
    )


@router.get("/me/contact", response_model=ContactOut, summary="My e-mail address, masked")
def get_contact(request: Request, principal: Citizen) -> ContactOut:
    return _contact(request, own_subject(principal, "notices"))


@router.put(
    "/me/contact",
    response_model=ContactOut,
    summary="Set my e-mail address; notices are then also sent by e-mail",
)
def put_contact(request: Request, principal: Citizen, body: ContactIn) -> ContactOut:
    rt = runtime_of(request)
    subject_id = own_subject(principal, "notices")
    with rt.sessions() as session, session.begin():
        service.set_contact(session, rt.keys, rt.clock(), subject_id=subject_id, email=body.email)
    return _contact(request, subject_id)


@router.delete(
    "/me/contact",
    status_code=204,
    summary="Remove my e-mail address; e-mails still waiting are not sent",
)
def delete_contact(request: Request, principal: Citizen) -> Response:
    rt = runtime_of(request)
    subject_id = own_subject(principal, "notices")
    with rt.sessions() as session, session.begin():
        service.clear_contact(session, subject_id=subject_id)
    return Response(status_code=204)


Staff = Annotated[Principal, allowed(Permission.STAFF_NOTICES)]


def _account(principal: Principal) -> uuid.UUID:
    if principal.account_id is None:
        raise Forbidden("staff notices are read with a staff account", field="role",
                        rule="staff-account")  # fmt: skip
    return principal.account_id


@router.get(
    "/staff/notifications",
    response_model=list[NotificationOut],
    summary="My staff notices (e.g. overdue deadlines), newest first",
)
def get_staff_notifications(
    request: Request,
    principal: Staff,
    unread: Annotated[bool, Query(description="Only notices not yet read")] = False,
    limit: Annotated[int, Query(ge=1, le=service.MAX_INBOX)] = 50,
) -> list[NotificationOut]:
    account_id = _account(principal)
    with runtime_of(request).reads() as session:
        notices = service.inbox(session, account_id=account_id, unread_only=unread, limit=limit)
        return [_out(n) for n in notices]


@router.post(
    "/staff/notifications/{notification_id}/read",
    response_model=NotificationOut,
    summary="Mark one of my staff notices read",
    responses=problem_responses(404),
)
def post_staff_read(
    request: Request, principal: Staff, notification_id: Annotated[uuid.UUID, Path()]
) -> NotificationOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        notice = service.mark_read(
            session, rt.clock(), notification_id=notification_id, account_id=_account(principal)
        )
        return _out(notice)
