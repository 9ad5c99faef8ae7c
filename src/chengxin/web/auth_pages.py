"""Signing in on pages: log-in and sign-up forms, log-out. The same accounts, throttling and
session cookie as the API (`access/accounts.py`); refusals are shown at their field."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.access import accounts
from chengxin.access.deps import (
    allowed,
    clear_session_cookie,
    session_cookie_name,
    set_session_cookie,
)
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.errors import ChengxinError, TooManyRequests
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage, PageRequest
from chengxin.web.viewer import home_of, local_path

router = APIRouter(include_in_schema=False)
Anyone = Annotated[Principal, allowed(Permission.SESSIONS_USE)]
Field64 = Annotated[str, Form(max_length=64)]
Secret = Annotated[str, Form(max_length=128)]
Next = Annotated[str, Form(max_length=200)]
THROTTLED = N_("Too many failed log-ins. Please wait 15 minutes and try again.")
SIGNUP_FIELDS = ("id_number", "name", "username", "password")
# What a refusal of the account service says at its field, by (field, rule); (field, None) for
# any other rule of that field.
SIGNUP_MESSAGES = {
    ("id_number", "unique"): N_("This person already has an account. Log in instead."),
    ("id_number", None): N_("Enter a valid 18-character citizen ID number"),
    ("name", None): N_("The name does not match the one registered for this ID number"),
    ("username", "unique"): N_("This username is taken"),
    ("username", None): N_(
        "3 to 64 characters: a-z, 0-9, '.', '_' or '-', starting with a letter or digit"
    ),
    ("password", None): N_(
        "10 to 128 characters, at least 4 different ones, no spaces at either end"
    ),
}


def _login_form(
    page: PageRequest, *, status: int = 200, errors: dict[str, str] | None = None,
    username: str = "", next_path: str = "",
) -> HTMLResponse:  # fmt: skip
    return page.render("login.html", status=status, errors=errors or {}, username=username,
                       next_path=next_path)  # fmt: skip


def _signed_in(page: PageRequest, done: accounts.LoggedIn, target: str | None) -> Response:
    response = RedirectResponse(target or home_of(done.account.role), status_code=303)
    set_session_cookie(response, page.runtime, done.token)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(
    page: GuardedPage, _caller: Anyone, next: Annotated[str, Query(max_length=200)] = ""
) -> HTMLResponse:
    return _login_form(page, next_path=local_path(next) or "")


@router.post("/login", response_class=HTMLResponse)
def login(
    page: GuardedPage, _caller: Anyone, username: Field64 = "", password: Secret = "",
    next: Next = "",
) -> Response:  # fmt: skip
    target = local_path(next)
    errors = {}
    if not username.strip():
        errors["username"] = N_("Enter your username")
    if not password:
        errors["password"] = N_("Enter your password")
    if errors:
        return _login_form(page, status=422, errors=errors, username=username,
                           next_path=target or "")  # fmt: skip
    rt, request = page.runtime, page.request
    try:
        with rt.sessions() as session, session.begin():  # the attempt is kept, failed or not
            done = accounts.log_in(
                session, rt.keys, rt.clock(), username=username, password=password,
                client=request.client.host if request.client else "-",
                hours=rt.settings.session_hours,
            )  # fmt: skip
    except TooManyRequests as refused:
        answer = _login_form(page, status=429, username=username, next_path=target or "",
                             errors={"username": THROTTLED})  # fmt: skip
        answer.headers["Retry-After"] = str(refused.retry_after)
        return answer
    if done is None:
        return _login_form(page, status=401, username=username, next_path=target or "",
                           errors={"password": N_("Wrong username or password")})  # fmt: skip
    return _signed_in(page, done, target)


@router.post("/logout")
def logout(page: GuardedPage, _caller: Anyone) -> Response:
    """Ends the session (the form's CSRF token is checked by `allowed`)."""
    rt = page.runtime
    token = page.request.cookies.get(session_cookie_name(rt.settings.cookie_secure))
    if token:
        with rt.sessions() as session, session.begin():
            accounts.log_out(session, rt.clock(), token)
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response, rt)
    return response


@router.get("/signup", response_class=HTMLResponse)
def signup_page(page: GuardedPage, _caller: Anyone) -> HTMLResponse:
    return page.render("signup.html", errors={}, shown={})


@router.post("/signup", response_class=HTMLResponse)
def signup(
    page: GuardedPage, _caller: Anyone, id_number: Field64 = "", name: Field64 = "",
    username: Field64 = "", password: Secret = "",
) -> Response:  # fmt: skip
    shown = {"id_number": id_number, "name": name, "username": username}
    given = {"id_number": id_number, "name": name, "username": username, "password": password}
    errors = {f: N_("This field is required") for f in SIGNUP_FIELDS if not given[f].strip()}
    rt, now = page.runtime, page.runtime.clock()
    if not errors:
        try:
            with rt.sessions() as session, session.begin():
                accounts.sign_up_citizen(
                    session, rt.keys, now, id_number=id_number.strip().upper(), name=name,
                    username=username, password=password,
                )  # fmt: skip
        except ChengxinError as refused:
            if refused.field not in SIGNUP_FIELDS:
                raise
            field = str(refused.field)
            errors[field] = SIGNUP_MESSAGES.get((field, refused.rule), SIGNUP_MESSAGES[field, None])
    if errors:
        return page.render("signup.html", status=422, errors=errors, shown=shown)
    with rt.sessions() as session, session.begin():
        done = accounts.log_in(
            session, rt.keys, now, username=username, password=password,
            client=page.request.client.host if page.request.client else "-",
            hours=rt.settings.session_hours,
        )  # fmt: skip
    if done is None:  # cannot happen: the account was just made
        return RedirectResponse("/login", status_code=303)
    return _signed_in(page, done, "/me")
