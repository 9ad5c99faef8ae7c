"""What a ledger entry is: a JSON object, hashed in its canonical form. Pure."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

KINDS = frozenset(
    {
        "query",
        "record_version",
        "consent",
        "requester",
        "dispute",
        "listing",
        "tipoff",
        "typical_case",
        "node",
        "agency",
    }
)
SUBJECT_KEY = "subject"  # the subject id an entry is about, if any (redacted for outsiders)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the exact bytes a leaf hash is taken over.

    NaN and infinities are refused (they are not JSON, and no other parser would read them)."""
    text = json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return text.encode("utf-8")


def entry_body(entry: dict[str, Any], *, index: int, at: dt.datetime) -> dict[str, Any]:
    """The stored entry: the caller's fields plus its own index and time. The index inside the
    hashed bytes makes a moved entry detectable where it stands.

    Entries carry no personal data: whose an entry is goes in `subject` as the subject's id, a
    UUID in its canonical lower-case form, and nothing else names a person."""
    if entry.get("kind") not in KINDS:
        raise ValueError(f"ledger entry kind must be one of {sorted(KINDS)}")
    if "index" in entry or "at" in entry:
        raise ValueError("ledger entries get their index and time from the ledger")
    subject = entry.get(SUBJECT_KEY)
    if subject is not None and not _is_canonical_uuid(subject):
        raise ValueError("ledger entry subject must be a subject id (a lower-case UUID string)")
    if at.tzinfo is None:
        raise ValueError("ledger entry time must be timezone-aware")
    return {**entry, "index": index, "at": at.astimezone(dt.UTC).isoformat()}


def _is_canonical_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def redacted(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry as an outsider sees it: whose it is, removed (the leaf hash still proves it)."""
    if entry.get(SUBJECT_KEY) is None:
        return entry
    return {**entry, SUBJECT_KEY: "redacted"}
