"""The report verification pages (报告核验, R-5.3): `/verify/{code}` says whether a report with this
code was issued here and whether the person's data changed since (the address printed on every
report); `/verify` is a form to type a code. Public, under `REPORTS_VERIFY`; the code names a
report, not a person."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.clock import CHINA_TZ
from chengxin.reports import service
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage

router = APIRouter(include_in_schema=False)
Verifier = Annotated[Principal, allowed(Permission.REPORTS_VERIFY)]
CODE = re.compile(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}")
MAX_CODE = 40  # what the service reads of a typed code
BAD_CODE = N_("A verification code is 16 letters and digits, such as ABCD-EFGH-JKMN-PQRS")


def normalise(typed: str) -> str | None:
    """`abcd efgh ijkl mnop` and `ABCDEFGHIJKLMNOP` are `ABCD-EFGH-IJKL-MNOP`; None: no code."""
    squeezed = "".join(typed.split()).upper().replace("-", "")
    code = "-".join(squeezed[i : i + 4] for i in range(0, len(squeezed), 4))
    return code if CODE.fullmatch(code) else None


@router.get("/verify", response_class=HTMLResponse)
def verify_form(
    _who: Verifier,
    page: GuardedPage,
    code: Annotated[str | None, Query(max_length=MAX_CODE)] = None,
) -> Response:
    """The form; with a code, on to its page (a GET form: a report's code is not personal)."""
    if code is None:
        return page.render("verify.html", typed="", errors={}, found=None)
    clean = normalise(code)
    if clean is None:
        return page.render("verify.html", status=422, typed=code, found=None,
                           errors={"code": BAD_CODE})  # fmt: skip
    return RedirectResponse(f"/verify/{clean}", status_code=303)


@router.get("/verify/{code}", response_class=HTMLResponse)
def verify_page(_who: Verifier, page: GuardedPage, code: str) -> HTMLResponse:
    with page.runtime.reads() as session:
        found = service.check_code(session, code[:MAX_CODE])
    at = found.issued_at
    issued = None if at is None else (at if at.tzinfo else at.replace(tzinfo=dt.UTC))
    return page.render("verify.html", status=200 if found.valid else 404, typed="", errors={},
                       found=found, shown=code[:MAX_CODE],
                       issued=None if issued is None else issued.astimezone(CHINA_TZ))  # fmt: skip
