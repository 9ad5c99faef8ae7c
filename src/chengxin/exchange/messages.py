"""The messages of the exchange format, version 1 (R-5.1, R-4.4), as typed values; their JSON
Schema files (`schemas/v1/`) are the contract, and `tests/exchange/test_format.py` keeps the two
in step.

A record or a listing is named by its id at the node where it lives (`origin`), the same at every
node. Only `record_version` and `list_entry` say whom they are about: a person by ID number and
name, an organisation by USCC and name. Blind indexes are keyed per node, so one node's index
means nothing at another; each receiving node derives its own (see docs/exchange-format.md).
Every change carries the whole state it sets, so a receiver that missed a version loses nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from chengxin.catalog.vocab import Category, DisclosureLevel, SourceKind
from chengxin.exchange.canonical import JsonValue
from chengxin.identity.models import OrgRole
from chengxin.lists.rules import ListKind, RemovalReason
from chengxin.records.models import Change, RecordStatus


@dataclass(frozen=True)
class PersonRef:
    KIND: ClassVar[str] = "person"
    id_number: str  # normalised, 18 characters (GB 11643)
    name: str


@dataclass(frozen=True)
class OrganisationRef:
    KIND: ClassVar[str] = "organisation"
    uscc: str  # GB 32100
    name: str


SubjectRef = PersonRef | OrganisationRef


@dataclass(frozen=True)
class SourceRef:
    """A data-providing unit; `code` is unique at the origin node only."""

    code: str
    name: str
    kind: SourceKind
    region_code: str


@dataclass(frozen=True)
class RecordState:
    """What one version of a record says (the columns shared by `records` and its versions)."""

    content: Mapping[str, JsonValue]
    content_hash: str  # SHA-256 of "<item code>\n<canonical content>", as the origin stores it
    item_version: dt.date  # effective_from of the catalog item version applied
    document_number: str | None
    decision_date: dt.date
    occurrence_date: dt.date
    severity: str | None
    publicised: bool
    display_start: dt.date | None
    display_earliest_end: dt.date | None
    display_latest_end: dt.date | None


@dataclass(frozen=True)
class RecordVersionMessage:
    """A record as shared (信息共享): the whole of one version, and whom it is about."""

    KIND: ClassVar[str] = "record_version"
    id: uuid.UUID
    origin: str
    at: dt.datetime
    record_id: uuid.UUID
    version: int
    change: Change
    status: RecordStatus
    reason: str
    subject: SubjectRef
    source: SourceRef
    item_code: str
    category: Category
    disclosure: DisclosureLevel
    state: RecordState


@dataclass(frozen=True)
class Correction:
    """更正: corrected content; the status stays."""

    KIND: ClassVar[str] = "correction"
    id: uuid.UUID
    origin: str
    at: dt.datetime
    record_id: uuid.UUID
    version: int
    change: Change  # corrected | objection_corrected
    reason: str
    item_code: str
    state: RecordState


@dataclass(frozen=True)
class Revocation:
    """撤销: withdrawn; shown nowhere."""

    KIND: ClassVar[str] = "revocation"
    id: uuid.UUID
    origin: str
    at: dt.datetime
    record_id: uuid.UUID
    version: int
    change: Change  # revoked | objection_revoked
    reason: str


@dataclass(frozen=True)
class Repair:
    """信用修复: publicity, sharing and use stop."""

    KIND: ClassVar[str] = "repair"
    id: uuid.UUID
    origin: str
    at: dt.datetime
    record_id: uuid.UUID
    version: int
    reason: str
    rule_set: str | None


@dataclass(frozen=True)
class Expiry:
    """展示期满: the display period ended."""

    KIND: ClassVar[str] = "expiry"
    id: uuid.UUID
    origin: str
    at: dt.datetime
    record_id: uuid.UUID
    version: int
    display_ended_on: dt.date


@dataclass(frozen=True)
class ListEntryMessage:
    """列入名单: a listing that took effect."""

    KIND: ClassVar[str] = "list_entry"
    id: uuid.UUID
    origin: str
    at: dt.datetime
    entry_id: uuid.UUID
    version: int
    list_type: str
    type_effective_from: dt.date
    list_kind: ListKind
    subject: SubjectRef
    source: SourceRef
    document_number: str
    decision_date: dt.date
    conduct_date: dt.date
    effective_from: dt.date
    term_end: dt.date | None
    via_organisation: OrganisationRef | None
    org_role: OrgRole | None
    org_entry_id: uuid.UUID | None


@dataclass(frozen=True)
class ListRemoval:
    """移出名单: a listing ended."""

    KIND: ClassVar[str] = "list_removal"
    id: uuid.UUID
    origin: str
    at: dt.datetime
    entry_id: uuid.UUID
    version: int
    removal_reason: RemovalReason
    document_number: str | None


class AckOutcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # applied before; nothing applied again


@dataclass(frozen=True)
class AckRefusal:
    message_id: uuid.UUID
    field: str
    rule: str


@dataclass(frozen=True)
class Ack:
    """回执: the answer to a package from the ack's receiver, by sequence and digest."""

    KIND: ClassVar[str] = "ack"
    id: uuid.UUID
    at: dt.datetime
    sequence: int
    messages_sha256: str
    outcome: AckOutcome
    refused: tuple[AckRefusal, ...] = ()


Message = (
    RecordVersionMessage | Correction | Revocation | Repair | Expiry
    | ListEntryMessage | ListRemoval | Ack
)  # fmt: skip
MESSAGE_TYPES: dict[str, type[Message]] = {
    cls.KIND: cls
    for cls in (RecordVersionMessage, Correction, Revocation, Repair, Expiry,
                ListEntryMessage, ListRemoval, Ack)
}  # fmt: skip
