"""Sign-up, log-in and log-out for people (sessions), and who the caller is."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from chengxin.access import accounts
from chengxin.access.deps import (
    allowed,
    clear_session_cookie,
    session_cookie_name,
    set_session_cookie,
)
from chengxin.access.permissions import ROLE_PERMISSIONS, Permission, Role
from chengxin.access.principal import Principal
from chengxin.errors import Unauthenticated
from chengxin.problems import GUARDED, NO_NUL, problem_responses
from chengxin.runtime import runtime_of

router = APIRouter(prefix="/api/v1", tags=["access"], responses=GUARDED, dependencies=NO_NUL)
Caller = Annotated[Principal, allowed(Permission.SESSIONS_USE)]


class SignUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: str = Field(max_length=32, description="Citizen ID number")
    name: str = Field(max_length=64, description="The name registered with the ID number")
    username: str = Field(max_length=64)
    password: str = Field(max_length=128)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=64)
    password: str = Field(max_length=128)


class SessionOut(BaseModel):
    username: str
    role: Role
    csrf_token: str = Field(description="Send as X-CSRF-Token on every POST of this session")
    expires_at: dt.datetime


class MeOut(BaseModel):
    role: Role
    actor: str
    subject_id: uuid.UUID | None
    permissions: list[str]


class AccountOut(BaseModel):
    username: str
    role: Role


@router.post(
    "/auth/signup",
    status_code=201,
    response_model=AccountOut,
    summary="Citizen sign-up",
    responses=problem_responses(409),
)
def sign_up(request: Request, _caller: Caller, body: SignUpIn) -> AccountOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        account = accounts.sign_up_citizen(
            session, rt.keys, rt.clock(), id_number=body.id_number, name=body.name,
            username=body.username, password=body.password,
        )  # fmt: skip
        return AccountOut(username=account.username, role=account.role)


@router.post("/auth/login", response_model=SessionOut, summary="Log in (sets the session cookie)")
def log_in(request: Request, response: Response, _caller: Caller, body: LoginIn) -> SessionOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():  # the attempt is kept, failed or not
        done = accounts.log_in(
            session, rt.keys, rt.clock(), username=body.username, password=body.password,
            client=request.client.host if request.client else "-",
            hours=rt.settings.session_hours,
        )  # fmt: skip
        out = None
        if done is not None:
            out = SessionOut(username=done.account.username, role=done.account.role,
                             csrf_token=done.csrf_token, expires_at=done.expires_at)  # fmt: skip
    if done is None or out is None:
        raise Unauthenticated("wrong username or password", field="password", rule="credentials")
    set_session_cookie(response, rt, done.token)
    return out


@router.post("/auth/logout", status_code=204, summary="End the session")
def log_out(request: Request, _caller: Caller) -> Response:
    rt = runtime_of(request)
    name = session_cookie_name(rt.settings.cookie_secure)
    token = request.cookies.get(name)
    if token:
        with rt.sessions() as session, session.begin():
            accounts.log_out(session, rt.clock(), token)
    response = Response(status_code=204)
    clear_session_cookie(response, rt)
    return response


@router.get("/me", response_model=MeOut, summary="Who the caller is and what the role may do")
def me(caller: Caller) -> MeOut:
    return MeOut(
        role=caller.role, actor=caller.actor, subject_id=caller.subject_id,
        permissions=sorted(ROLE_PERMISSIONS[caller.role]),
    )  # fmt: skip
