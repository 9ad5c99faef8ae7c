"""Typical cases (典型案例, R-7.1) as a pure state machine and the checks of what staff write.
No database, no clock.

    asked ─consent→ consented ─publish→ published
      │                 │                   │
      └─decline→ declined   (withdraw by the person, or retire by staff, from either) → ended

A case is published only with the consent of the person it is about (the guiding opinions
publicise integrity models and warning cases; publishing about a person needs their consent or
a legal basis, and a story is not a legal basis). The person consents to exactly the text they
read: the consent's ledger entry holds the text's digest, and no verb edits a case's text.
"""

from __future__ import annotations

import hashlib
import json
import re
from enum import StrEnum

from chengxin.errors import Conflict, InvalidInput
from chengxin.texts import clean_text

MAX_TITLE = 100
MIN_STORY = 20
MAX_STORY = 5000
MAX_REASON = 2000
MIN_MONTHS, MAX_MONTHS, DEFAULT_MONTHS = 1, 36, 12  # how long a published case stays shown
# Something that reads as an ID number (18 characters, the last a digit or X) or a phone number:
# a story names the person by their masked name only.
_ID_SHAPED = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])|(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


class CaseKind(StrEnum):
    HONOUR = "honour"  # 诚信典型: a model of keeping one's word
    WARNING = "warning"  # 失信案例警示: a warning case of dishonesty


class CaseState(StrEnum):
    ASKED = "asked"  # 待本人同意
    CONSENTED = "consented"  # 本人已同意，待发布
    DECLINED = "declined"  # 本人不同意
    PUBLISHED = "published"  # 已发布
    ENDED = "ended"  # 已撤回（本人撤回同意或工作人员撤下）


class CaseEvent(StrEnum):
    ASK = "ask"
    CONSENT = "consent"
    DECLINE = "decline"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"  # the person withdraws their consent
    RETIRE = "retire"  # staff take the case down


_S, _E = CaseState, CaseEvent
TRANSITIONS: dict[tuple[CaseState, CaseEvent], CaseState] = {
    (_S.ASKED, _E.CONSENT): _S.CONSENTED,
    (_S.ASKED, _E.DECLINE): _S.DECLINED,
    (_S.CONSENTED, _E.PUBLISH): _S.PUBLISHED,
    (_S.CONSENTED, _E.WITHDRAW): _S.ENDED,
    (_S.PUBLISHED, _E.WITHDRAW): _S.ENDED,
    (_S.ASKED, _E.RETIRE): _S.ENDED,
    (_S.CONSENTED, _E.RETIRE): _S.ENDED,
    (_S.PUBLISHED, _E.RETIRE): _S.ENDED,
}
PERSON_EVENTS = frozenset({_E.CONSENT, _E.DECLINE, _E.WITHDRAW})


def next_state(state: CaseState, event: CaseEvent) -> CaseState:
    found = TRANSITIONS.get((state, event))
    if found is None:
        raise Conflict(f"a case that is {state} cannot be given '{event}'", field="state",
                       rule="case-transition")  # fmt: skip
    return found


def clean_title(raw: str, field: str) -> str:
    return _no_identifiers(clean_text(raw, field, limit=MAX_TITLE, minimum=4), field)


def clean_story(raw: str, field: str) -> str:
    text = clean_text(raw.replace("\r\n", "\n"), field, limit=MAX_STORY, minimum=MIN_STORY,
                      lines=True)  # fmt: skip
    return _no_identifiers(text, field)


def _no_identifiers(text: str, field: str) -> str:
    if _ID_SHAPED.search(text):
        raise InvalidInput("must not contain an ID number or a telephone number", field=field,
                           rule="no-identifiers")  # fmt: skip
    return text


def check_not_named(texts: dict[str, str], name: str) -> None:
    """A story names the person by the masked name shown with it, never by the full name."""
    for field, text in texts.items():
        if len(name) >= 2 and name in text:  # a one-character name is everywhere
            raise InvalidInput(
                "must not contain the person's full name (the masked name is shown with it)",
                field=field, rule="no-full-name",
            )  # fmt: skip


def check_months(months: int) -> int:
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise InvalidInput(f"must be {MIN_MONTHS} to {MAX_MONTHS} months", field="months",
                           rule="range")  # fmt: skip
    return months


def digest(texts: dict[str, str]) -> str:
    """What the person consents to, as a SHA-256 over the texts in canonical JSON."""
    canonical = json.dumps(texts, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
