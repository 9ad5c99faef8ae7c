"""What the portal's forms share: a service's refusal shown at its field in the visitor's language,
checks collected so that every refused field shows at once, evidence files, and the redirect
after a post that worked (post/redirect/get)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Form, UploadFile
from fastapi.responses import RedirectResponse

from chengxin.disputes.attachments import Evidence, read_files
from chengxin.errors import ChengxinError, NotFound
from chengxin.web.tipoff_form import MESSAGES as TIPOFF_MESSAGES

T = TypeVar("T")
# (field, rule) → the message id shown at the field; (field, None): any other refusal of it.
Messages = dict[tuple[str, str | None], str]
FILE_MESSAGES: Messages = {k: v for k, v in TIPOFF_MESSAGES.items() if k[0] == "files"}
RAW_TEXT = 4000  # a text field's raw limit (twice the services' 2,000): longer is an error page


def raw(limit: int = RAW_TEXT) -> Any:
    """A form field refused before it is read when far too long; the rule's own limit is
    checked by the service and shown at the field."""
    return Form(max_length=limit)


def refusal(messages: Messages, refused: ChengxinError) -> tuple[str, str] | None:
    """(field, message id) of a refusal the form shows at a field; None for any other."""
    name = (refused.field or "").split("[")[0]  # files[2] → files
    rule = "not-found" if isinstance(refused, NotFound) else refused.rule
    message = messages.get((name, rule)) or messages.get((name, None))
    return (name, message) if message else None


class Checks:
    """Refusals by field, collected over several checks (the first refusal of a field stays)."""

    def __init__(self, messages: Messages) -> None:
        self.messages = messages
        self.errors: dict[str, str] = {}

    def run(self, check: Callable[[], T]) -> T | None:
        """`check()`, or None with its refusal kept at its field; a refusal the form does not
        show at a field (a missing record, say) goes on to the error page."""
        try:
            return check()
        except ChengxinError as refused:
            self.refuse(refused)
            return None

    def refuse(self, refused: ChengxinError) -> None:
        found = refusal(self.messages, refused)
        if found is None:
            raise refused
        self.errors.setdefault(*found)

    def evidence(self, uploads: list[UploadFile | str]) -> list[Evidence]:
        # A file input left empty still sends a part without a name (or an empty string).
        chosen = [u for u in uploads if not isinstance(u, str) and u.filename]
        return self.run(lambda: read_files(chosen)) or []


def see_other(path: str) -> RedirectResponse:
    """The answer to a post that worked: the browser fetches `path` (post/redirect/get)."""
    return RedirectResponse(path, status_code=303)
