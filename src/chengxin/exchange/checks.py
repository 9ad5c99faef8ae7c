"""What a message's schema cannot say and a receiver still needs to hold (R-5.1): check
characters of ID numbers and USCCs, names in their normal form, a content hash that matches the
content, display dates that belong together, an organisation's listing reaching a person with
both the organisation and the role. Pure; refusals name the JSON path and the rule."""

from __future__ import annotations

import hashlib

from chengxin.errors import InvalidInput
from chengxin.exchange.canonical import dumps
from chengxin.exchange.messages import (
    Correction,
    ListEntryMessage,
    Message,
    OrganisationRef,
    PersonRef,
    RecordState,
    RecordVersionMessage,
    SubjectRef,
)
from chengxin.identity.names import normalize_name
from chengxin.identity.numbers import check_character, parse_uscc


class MessageInvalid(ValueError):
    def __init__(self, path: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.rule = rule
        self.message = message


def content_hash(item_code: str, state: RecordState) -> str:
    """As the origin computes it: SHA-256 of the item code, a line feed, the canonical content."""
    return hashlib.sha256(f"{item_code}\n{dumps(dict(state.content))}".encode()).hexdigest()


def check_message(message: Message) -> None:
    if isinstance(message, RecordVersionMessage | ListEntryMessage):
        _check_subject(message.subject, "$.subject")
    if isinstance(message, RecordVersionMessage | Correction):
        _check_state(message.item_code, message.state)
    if isinstance(message, ListEntryMessage):
        _check_listing(message)


def _check_subject(subject: SubjectRef, path: str) -> None:
    if isinstance(subject, PersonRef):
        number = subject.id_number
        if number[17] != check_character(number[:17]):
            raise MessageInvalid(
                f"{path}.id_number", "GB 11643 check character",
                "check character: does not match the first 17 digits",
            )  # fmt: skip
        try:
            normal = normalize_name(subject.name, "name")
        except InvalidInput as exc:
            raise MessageInvalid(f"{path}.name", exc.rule or "name", exc.message) from None
        if normal != subject.name:
            raise MessageInvalid(f"{path}.name", "name-normal-form", "must be in normal form")
    else:
        _check_organisation(subject, path)


def _check_organisation(organisation: OrganisationRef, path: str) -> None:
    try:
        parse_uscc(organisation.uscc)
    except InvalidInput as exc:
        raise MessageInvalid(f"{path}.uscc", exc.rule or "uscc", exc.message) from None


def _check_state(item_code: str, state: RecordState) -> None:
    if state.content_hash != content_hash(item_code, state):
        raise MessageInvalid(
            "$.state.content_hash", "content-hash",
            "does not match the item code and content (SHA-256 of code, LF, canonical content)",
        )  # fmt: skip
    shown = (state.display_start, state.display_earliest_end, state.display_latest_end)
    if state.publicised != (state.display_start is not None) or (
        state.display_start is None and any(day is not None for day in shown)
    ):
        raise MessageInvalid(
            "$.state.display_start", "display-period",
            "a publicised record has a display start; one not publicised has no display dates",
        )  # fmt: skip
    present = [day for day in shown if day is not None]
    if present != sorted(present):
        raise MessageInvalid(
            "$.state.display_earliest_end", "display-period",
            "display dates must run start ≤ earliest end ≤ latest end",
        )  # fmt: skip


def _check_listing(entry: ListEntryMessage) -> None:
    if entry.via_organisation is not None:
        _check_organisation(entry.via_organisation, "$.via_organisation")
    through = (entry.via_organisation is not None, entry.org_role is not None)
    if through[0] != through[1] or (entry.org_entry_id is not None and not through[0]):
        raise MessageInvalid(
            "$.org_role", "org-listing",
            "via_organisation and org_role go together; org_entry_id needs both",
        )  # fmt: skip
    if entry.term_end is not None and entry.term_end < entry.effective_from:
        raise MessageInvalid("$.term_end", "term", "must not be before effective_from")
