"""What the tip-off pages (举报) read and say: the form's fields checked one by one with the
tip-off rules, so that every refusal is shown at its field at once (the service checks again),
the labels of categories and states, and the cross-site check of public form posts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request, UploadFile

from chengxin.disputes.attachments import Evidence, read_files
from chengxin.errors import ChengxinError, Forbidden, NotFound
from chengxin.texts import clean_text
from chengxin.tipoffs.rules import (
    MAX_SUBJECT,
    MAX_TEXT,
    MIN_TEXT,
    TipoffCategory,
    TipoffState,
    check_region,
    clean_contact,
)
from chengxin.web.i18n import N_

CATEGORY_LABELS = {
    TipoffCategory.HEALTH_SAFETY: N_(
        "Endangering people's health or lives (food and drugs, work safety, pollution …)"
    ),
    TipoffCategory.MARKET_ORDER: N_(
        "Undermining fair competition and public order (fraud, false advertising, unpaid debts …)"
    ),
    TipoffCategory.EVADING_OBLIGATIONS: N_(
        "Able to meet a legal obligation but refusing or evading it"
    ),
    TipoffCategory.NATIONAL_DEFENCE: N_("Refusing national defence obligations"),
    TipoffCategory.KEY_SUPERVISION: N_(
        "Debt evasion, illegal fund-raising, telecom or online fraud, traffic offences, tax "
        "dishonesty"
    ),
    TipoffCategory.OTHER: N_("Other dishonest conduct"),
}
STATE_LABELS = {
    TipoffState.RECEIVED: N_("Received: waiting to be reviewed"),
    TipoffState.ACCEPTED: N_("Accepted for handling"),
    TipoffState.REJECTED: N_("Not accepted"),
    TipoffState.REFERRED: N_("Referred to the designating body"),
    TipoffState.CLOSED: N_("Closed"),
}
# (field, rule) → the message shown at the field; `None` as rule: any other refusal of the field.
MESSAGES = {
    ("category", None): N_("Choose one of the categories shown"),
    ("region_code", None): N_("Give a six-digit administrative division code, for example 110105"),
    ("subject", "length"): N_("Name who or what you report in 2 to 500 characters"),
    ("subject", None): N_("Write the name on one line, without control characters"),
    ("text", "length"): N_("Describe what happened in 10 to 5000 characters"),
    ("text", None): N_("Remove the control characters from the text"),
    ("contact", "length"): N_("A contact has at most 200 characters"),
    ("contact", None): N_("Write the contact on one line, without control characters"),
    ("files", "max-files"): N_("Attach at most 5 files"),
    ("files", "max-bytes"): N_("Each file may be at most 5 MB"),
    ("files", "empty"): N_("One of the files is empty"),
    ("files", None): N_("Each file must be a PDF, JPEG or PNG file (judged by its content)"),
    ("tracking", "not-found"): N_("No tip-off has this tracking number"),
    ("tracking", "tracking-check"): N_(
        "This number does not add up: please check it for a typing error"
    ),
    ("tracking", None): N_("A tracking number is JB- followed by 12 letters and digits"),
}
FIELDS = ("category", "region_code", "subject", "text", "contact")
# Raw form values longer than these are refused before they are read (an error page); the
# rules' own limits are shown at the field.
RAW_LIMITS = {"category": 100, "region_code": 100, "subject": 2 * MAX_SUBJECT,
              "text": 2 * MAX_TEXT, "contact": 400, "tracking": 100}  # fmt: skip


def message(field_name: str, refused: ChengxinError) -> str:
    rule = "not-found" if isinstance(refused, NotFound) else refused.rule
    return MESSAGES.get((field_name, rule)) or MESSAGES[(field_name, None)]


@dataclass
class TipoffForm:
    """What was typed (shown again on a refusal, files excepted) and what was refused."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def category(self) -> TipoffCategory:
        return TipoffCategory(self.values["category"])

    def check(self, uploads: list[UploadFile | str]) -> None:
        v = self.values
        checks: dict[str, Callable[[], object]] = {
            "category": lambda: self.category,
            "region_code": lambda: check_region(v["region_code"].strip()),
            "subject": lambda: clean_text(v["subject"], "subject", limit=MAX_SUBJECT, minimum=2),
            "text": lambda: clean_text(
                v["text"], "text", limit=MAX_TEXT, minimum=MIN_TEXT, lines=True
            ),
            "contact": lambda: clean_contact(v["contact"]),
        }
        for name, check in checks.items():
            try:
                check()
            except ValueError:  # not a category
                self.errors[name] = MESSAGES[(name, None)]
            except ChengxinError as refused:
                self.errors[name] = message(name, refused)
        try:  # a file input left empty still sends a part without a name
            self.evidence = read_files(
                [u for u in uploads if not isinstance(u, str) and u.filename]
            )
        except ChengxinError as refused:
            self.errors["files"] = message("files", refused)


def new_form(**typed: str) -> TipoffForm:
    values = {name: typed.get(name, "") for name in FIELDS}
    values["text"] = values["text"].replace("\r\n", "\n")  # browsers send CRLF line ends
    return TipoffForm(values)


def check_origin(request: Request) -> None:
    """A form post from another site is refused: when the browser names the page's origin,
    it must be this site's own (the public forms read no session, so need no CSRF token)."""
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}".lower()
    if origin is not None and origin.strip().lower() != own:
        raise Forbidden("forms are accepted from this site's own pages only", field="origin",
                        rule="same-origin")  # fmt: skip
