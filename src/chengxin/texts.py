"""Free text people type (reasons, facts, titles): trimmed, within its length, and without
control characters — which would hide text in logs and pages — except line breaks and tabs where
the text may have several lines. Pure."""

from __future__ import annotations

import re

from chengxin.errors import InvalidInput

# C0 and C1 controls, the line and paragraph separators, and the bidirectional overrides and
# isolates (U+202A–U+202E, U+2066–U+2069), which can make a text read otherwise than it is.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
CONTROL_BUT_LINES = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)  # \t and \n allowed


def clean_text(raw: str, field: str, *, limit: int, minimum: int = 1, lines: bool = False) -> str:
    text = raw.strip()
    if not minimum <= len(text) <= limit:
        raise InvalidInput(f"must be {minimum} to {limit} characters", field=field, rule="length")
    if (CONTROL_BUT_LINES if lines else CONTROL).search(text):
        raise InvalidInput("must not contain control characters", field=field, rule="control")
    return text
