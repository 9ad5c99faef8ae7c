"""Personal names as written on the resident identity card. Pure."""

from __future__ import annotations

import re
import unicodedata

from chengxin.errors import InvalidInput

MAX_NAME_CHARS = 64
# Han characters, Latin letters, the middle dot of minority names (阿依古丽·买买提), spaces,
# hyphens, apostrophes and full stops; no digits, no control or formatting characters.
_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[·・.\-' ])*$")


def normalize_name(raw: str, field: str = "name") -> str:
    name = unicodedata.normalize("NFC", raw).strip()
    name = name.replace("•", "·").replace("．", "·")
    if not name:
        raise InvalidInput("must not be empty", field=field, rule="required")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(
            f"must be at most {MAX_NAME_CHARS} characters", field=field, rule="max-length"
        )
    if not _NAME.match(name):
        raise InvalidInput(
            "may contain letters, the middle dot, spaces, hyphens and apostrophes only",
            field=field,
            rule="name-characters",
        )
    return name
