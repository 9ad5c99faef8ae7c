"""What the console's casework pages share (batches, identity reviews, objections and repairs,
tip-offs): pages of a list, refusals of the services shown at a form's field, and
the answer that streams a sealed evidence file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import Form
from fastapi.responses import RedirectResponse, Response

from chengxin.clock import china_date
from chengxin.errors import ChengxinError, Conflict, NotFound
from chengxin.web.i18n import N_

PER_PAGE = 50
MAX_PAGE = 1000
MAX_REASON = 2000
RAW_REASON = 2 * MAX_REASON  # longer posts are refused before they are read (an error page)
# (field, rule) → the message shown at the field; rule None: any other refusal of the field.
MESSAGES: dict[tuple[str, str | None], str] = {
    ("reason", None): N_("Give the reasons in 1 to 2000 characters, without control characters"),
    ("decision", None): N_("Choose a decision"),
    ("action", None): N_("Choose one of the steps shown"),
    ("outcome", None): N_("Choose one of the outcomes shown"),
    ("document_number", None): N_("Give the decision's document number (at most 100 characters)"),
    ("source_code", None): N_("Choose the designating source to refer the tip-off to"),
    ("state", None): N_("The case has moved on since the page was opened: see its state now"),
}


def reason_form() -> Any:
    return Form(max_length=RAW_REASON)


def age_days(at: dt.datetime, today: dt.date) -> int:
    """Calendar days since `at` (Beijing), 0 on the same day."""
    return (today - china_date(at)).days


@dataclass(frozen=True)
class Pages:
    """Which page of a list is shown, and the numbers of its neighbours (None: none)."""

    page: int
    total: int  # without `exact`: the rows up to this page and one more if there are more
    per_page: int = PER_PAGE
    exact: bool = True

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.last else None

    def check(self) -> None:
        """A page past the last is not found (page 1 of an empty list is)."""
        if self.page > self.last:
            raise NotFound("no such page", field="page")


def field_error(refused: ChengxinError, fields: tuple[str, ...]) -> tuple[str, str]:
    """The form field a service's refusal belongs to and its message; refusals no field of the
    form can mend (not found, not allowed) go on to the error page."""
    name = "state" if isinstance(refused, Conflict) else refused.field
    if name not in fields and name != "state":
        raise refused
    return name, MESSAGES.get((name, refused.rule)) or MESSAGES[(name, None)]


def see_other(path: str) -> RedirectResponse:
    """Post/redirect/get: the answer to a form that did its work."""
    return RedirectResponse(path, status_code=303)


def evidence_answer(data: bytes, media_type: str, file_id: object) -> Response:
    """A sealed evidence file, opened, as a download: never shown inline, never cached."""
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="evidence-{file_id}"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
    })  # fmt: skip
