"""What the typical-case pages read and say: the staff's form checked field by field with the
case rules (so every refusal shows at its field at once; the service checks again), and the
labels of kinds and states."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from chengxin.errors import ChengxinError, NotFound
from chengxin.identity.numbers import parse_id_number
from chengxin.tipoffs.rules import check_region
from chengxin.typicalcases.rules import CaseKind, CaseState, check_months, clean_story, clean_title
from chengxin.web.i18n import N_

KIND_LABELS = {
    CaseKind.HONOUR: N_("Model of integrity (诚信典型)"),
    CaseKind.WARNING: N_("Warning case of dishonesty (失信案例警示)"),
}
STATE_LABELS = {
    CaseState.ASKED: N_("Waiting for the person's consent"),
    CaseState.CONSENTED: N_("Consented, not yet published"),
    CaseState.DECLINED: N_("Declined by the person"),
    CaseState.PUBLISHED: N_("Published"),
    CaseState.ENDED: N_("Taken down"),
}
# (field, rule) → the message at the field; `None` as rule: any other refusal of the field.
MESSAGES = {
    ("kind", None): N_("Choose one of the kinds shown"),
    ("id_number", "not-found"): N_("No registered person has this ID number"),
    ("id_number", None): N_("Give a valid 18-character resident ID number"),
    ("region_code", None): N_("Give a six-digit administrative division code, for example 110105"),
    ("title_zh", "length"): N_("Write a title of 4 to 100 characters"),
    ("title_en", "length"): N_("Write a title of 4 to 100 characters"),
    ("story_zh", "length"): N_("Write the story in 20 to 5000 characters"),
    ("story_en", "length"): N_("Write the story in 20 to 5000 characters"),
    ("no-identifiers", None): N_(
        "Remove the ID number or telephone number: the public sees only the masked name"
    ),
    ("no-full-name", None): N_(
        "Do not write the person's full name: the masked name is shown with the case"
    ),
    ("text", None): N_("Write the text without control characters (the title on one line)"),
    ("months", None): N_("Give a number of months from 1 to 36"),
    ("reason", "length"): N_("Give a reason of 1 to 2000 characters"),
    ("reason", None): N_("Remove the control characters from the reason"),
}
FIELDS = ("kind", "id_number", "region_code", "title_zh", "title_en", "story_zh", "story_en")
TEXT_FIELDS = ("title_zh", "title_en", "story_zh", "story_en")
RAW_LIMIT = 12_000  # a raw form value longer than this is refused before it is read


def message(field_name: str, refused: ChengxinError) -> str:
    rule = "not-found" if isinstance(refused, NotFound) else refused.rule
    if rule in {"no-identifiers", "no-full-name"}:
        return MESSAGES[(rule, None)]
    found = MESSAGES.get((field_name, rule)) or MESSAGES.get((field_name, None))
    return found or MESSAGES[("text", None)]


@dataclass
class CaseForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    def check(self, today: dt.date) -> None:
        v = self.values
        checks: dict[str, Callable[[], object]] = {
            "kind": lambda: CaseKind(v["kind"]),
            "id_number": lambda: parse_id_number(v["id_number"].strip(), today),
            "region_code": lambda: check_region(v["region_code"].strip()),
            "title_zh": lambda: clean_title(v["title_zh"], "title_zh"),
            "title_en": lambda: clean_title(v["title_en"], "title_en"),
            "story_zh": lambda: clean_story(v["story_zh"], "story_zh"),
            "story_en": lambda: clean_story(v["story_en"], "story_en"),
        }
        for name, check in checks.items():
            try:
                check()
            except ValueError:  # not a kind
                self.errors[name] = MESSAGES[(name, None)]
            except ChengxinError as refused:
                self.errors[name] = message(name, refused)

    def refuse(self, refused: ChengxinError) -> None:
        """A refusal the service found (an unknown person, the full name in a text)."""
        name = refused.field if refused.field in FIELDS else "id_number"
        self.errors[name] = message(name, refused)


def new_form(**typed: str) -> CaseForm:
    return CaseForm({name: typed.get(name, "") for name in FIELDS})


def months_error(raw: str) -> str | None:
    try:
        check_months(int(raw))
    except (ValueError, ChengxinError):
        return MESSAGES[("months", None)]
    return None
