"""The one door (R-3.2): `query_person` is the only way to read a person's records. It checks role,
purpose and consent or legal basis, filters by disclosure level and display period, and registers
the query — refusals included — with its ledger entry in the same transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from chengxin.access.permissions import Permission, Role
from chengxin.access.principal import Principal
from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import DisclosureLevel
from chengxin.clock import china_today
from chengxin.consents.rules import CONSENTABLE, Purpose
from chengxin.consents.service import check_consent, scope_of
from chengxin.errors import ChengxinError, Forbidden, InvalidInput
from chengxin.identity import service as identity
from chengxin.keys import KeyRing
from chengxin.ledger.service import append_entry
from chengxin.queries import rules
from chengxin.queries.flags import flags_of
from chengxin.queries.models import QueryEntry
from chengxin.queries.records import RecordView, read_records
from chengxin.queries.rules import Flag, Outcome, View
from chengxin.queries.thresholds import Thresholds
from chengxin.requesters.models import Requester

MAX_BASIS_CHARS = 200
LOCAL = "local"  # PersonReport.cross_region of a node that has no national node to ask


@dataclass(frozen=True)
class PersonReport:
    query_id: uuid.UUID
    ledger_index: int
    at: dt.datetime
    purpose: Purpose
    found: bool  # False: no person with this ID number is registered
    name: str | None  # masked unless the caller may see full identities
    id_number: str | None
    records: list[RecordView] = field(default_factory=list)
    # 互查: "complete" when the national node added what other regions hold, "partial"
    # when some of it could not be stored here, "unavailable" when it could not be asked (the
    # records are this node's only), "local" when this node has no national node to ask.
    cross_region: str = LOCAL
    national_query_id: uuid.UUID | None = None  # the query in the national node's register


@dataclass(frozen=True)
class CrossAsk:
    """A query the door allows, as the national node is asked it (互查): the asking node's
    decision — purpose, consent or legal basis, and the view — travels with it."""

    id_number: str
    purpose: Purpose
    requester: str  # the requester's code, or the staff user; for the national register
    consent_id: uuid.UUID | None
    legal_basis: str | None
    view: View


@dataclass(frozen=True)
class CrossAnswer:
    status: str  # complete | partial | unavailable | local, as PersonReport.cross_region
    national_query_id: uuid.UUID | None = None


# Asks the national node and stores what it returns as copies (exchange/crossfetch.py); the
# door takes it as a parameter so that it stays free of the network.
CrossRegion = Callable[[CrossAsk], CrossAnswer]


@dataclass(frozen=True)
class _Decision:
    subject_id: uuid.UUID | None
    view: View | None = None
    consent_id: uuid.UUID | None = None
    refusal: ChengxinError | None = None


def _check_basis(legal_basis: str | None) -> str | None:
    if legal_basis is None:
        return None
    basis = legal_basis.strip()
    if not basis or len(basis) > MAX_BASIS_CHARS:
        raise InvalidInput(
            f"must be 1 to {MAX_BASIS_CHARS} characters", field="legal_basis", rule="length"
        )
    return basis


def _subject(  # noqa: PLR0917  (the door's own helper)
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    principal: Principal,
    id_number: str | None,
    subject_id: uuid.UUID | None,
) -> uuid.UUID | None:
    """Whom the query names: by ID number, or (a department re-checking a person it was
    answered about) by subject id, which spares it handling the number again."""
    if subject_id is None:
        if id_number is None:
            raise InvalidInput("is required", field="id_number", rule="required")
        return identity.find_person(session, keys, id_number, china_today(now))
    if principal.role != Role.DEPARTMENT or id_number is not None:
        raise InvalidInput(
            "only a department may name a subject id, and not with an ID number",
            field="subject_id", rule="subject-or-id-number",
        )  # fmt: skip
    if not identity.is_person(session, subject_id):
        raise InvalidInput("is not a registered person", field="subject_id", rule="unknown")
    return subject_id


def _decide(  # noqa: PLR0911  (one return per refusal reason)
    session: Session,
    keys: KeyRing,
    now: dt.datetime,
    *,
    principal: Principal,
    id_number: str | None,
    subject_id: uuid.UUID | None,
    purpose: Purpose,
    consent_id: uuid.UUID | None,
    legal_basis: str | None,
) -> _Decision:
    """Whose records, and what of them the caller may see — or why not."""
    if principal.role == Role.CITIZEN:  # a self-query (本人查询): always the caller's own subject
        if purpose != Purpose.SELF_QUERY:
            return _Decision(principal.subject_id, refusal=Forbidden(
                "a citizen queries only themself, with purpose self_query",
                field="purpose", rule="self-query-only"))  # fmt: skip
        return _Decision(principal.subject_id, SELF_VIEW)
    if not principal.can(Permission.PERSON_RECORDS_QUERY):
        return _Decision(None, refusal=Forbidden(
            f"the {principal.role} role may not query people", field="role",
            rule=Permission.PERSON_RECORDS_QUERY))  # fmt: skip
    subject_id = _subject(session, keys, now, principal, id_number, subject_id)
    if principal.role == Role.DEPARTMENT:
        if purpose != Purpose.ADMINISTRATIVE_DUTY or legal_basis is None:
            return _Decision(subject_id, refusal=Forbidden(
                "a department queries for administrative_duty and names its legal basis",
                field="legal_basis", rule="legal-basis-required"))  # fmt: skip
        return _Decision(subject_id, GOVERNMENT_VIEW)
    if purpose not in CONSENTABLE:
        return _Decision(subject_id, refusal=Forbidden(
            f"{purpose} is not a purpose a requester may query for", field="purpose",
            rule="purpose"))  # fmt: skip
    if subject_id is None or principal.requester_id is None:
        return _Decision(subject_id, refusal=Forbidden(
            "no active consent of this person covers the query", field="consent_id",
            rule="consent-unknown" if consent_id else "consent-required"))  # fmt: skip
    try:
        consent = check_consent(
            session, now, consent_id=consent_id, subject_id=subject_id,
            requester_id=principal.requester_id, purpose=purpose,
        )  # fmt: skip
    except Forbidden as refusal:
        return _Decision(subject_id, refusal=refusal)
    scope = scope_of(consent)  # government-shared items are never opened by a consent
    view = View(
        scope.levels - {DisclosureLevel.GOVERNMENT}, scope.categories or None,
        unpublicised=False, expired=False,
    )  # fmt: skip
    return _Decision(subject_id, view, consent.id)


SELF_VIEW = rules.SELF_VIEW
GOVERNMENT_VIEW = rules.GOVERNMENT_VIEW


def _register(
    session: Session,
    now: dt.datetime,
    *,
    principal: Principal,
    subject_id: uuid.UUID | None,
    purpose: str | None,
    consent_id: uuid.UUID | None,
    legal_basis: str | None,
    items: list[str],
    refusal: ChengxinError | None,
    flags: list[Flag],
    channel: str,
    requester: str | None,
    cross: CrossAnswer | None = None,
) -> QueryEntry:
    """One register row and its ledger entry (no personal data: ids, codes and enums). Written
    last in the transaction: the ledger's head stays locked from here to the commit."""
    entry_id = uuid.uuid4()
    outcome = Outcome.REFUSED if refusal else Outcome.ANSWERED
    ledger: dict[str, Any] = {
        "kind": "query", "query": str(entry_id), "actor": principal.actor,
        "role": str(principal.role), "requester": requester, "purpose": purpose,
        "consent": str(consent_id) if consent_id else None, "legal_basis": legal_basis,
        "items": sorted(set(items)), "records": len(items), "outcome": str(outcome),
        "refusal": refusal.rule if refusal else None, "flags": [str(f) for f in flags],
        "channel": channel,
    }  # fmt: skip
    if subject_id is not None:
        ledger["subject"] = str(subject_id)
    if cross is not None:  # the register has no column for it: the ledger entry notes it
        ledger["cross_region"] = cross.status
        national = cross.national_query_id
        ledger["national_query"] = str(national) if national is not None else None
    index = append_entry(session, now, ledger)
    row = QueryEntry(
        id=entry_id, at=now, actor=principal.actor, role=principal.role,
        requester_id=principal.requester_id, subject_id=subject_id, purpose=purpose,
        consent_id=consent_id, legal_basis=legal_basis, items=",".join(sorted(set(items))),
        record_count=len(items), outcome=outcome, refusal=refusal.rule if refusal else None,
        flags=",".join(flags), channel=channel, ledger_index=index,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class DoorAnswer:
    """What the door answered inside the caller's transaction: the report, whom it is about,
    and the refusal (already registered) if the query was refused."""

    report: PersonReport
    subject_id: uuid.UUID | None
    refusal: ChengxinError | None


def parse_purpose(purpose: str) -> Purpose:
    try:
        return Purpose(purpose)
    except ValueError:
        allowed = ", ".join(p.value for p in Purpose)
        raise InvalidInput(f"must be one of {allowed}", field="purpose", rule="enum") from None


@dataclass(frozen=True)
class DoorRead:
    """Everything the door read and decided, before anything is written."""

    principal: Principal
    purpose: Purpose
    legal_basis: str | None
    consent_id: uuid.UUID | None
    decision: _Decision
    records: list[RecordView]
    flags: list[Flag]
    requester: str | None  # the requester's code, for the register
    name: str | None
    id_number: str | None
    channel: str

    @property
    def subject_id(self) -> uuid.UUID | None:
        return self.decision.subject_id

    @property
    def refusal(self) -> ChengxinError | None:
        return self.decision.refusal


def read_door(
    session: Session,
    keys: KeyRing,
    catalog: Catalog,
    now: dt.datetime,
    *,
    principal: Principal,
    purpose: Purpose,
    id_number: str | None = None,
    subject_id: uuid.UUID | None = None,
    consent_id: uuid.UUID | None = None,
    legal_basis: str | None = None,
    thresholds: Thresholds,
    channel: str = "api",
) -> DoorRead:
    """The door's reads and decision; `register_read` writes it down. Verbs that read more about
    the person (checks) do so in between, so that the ledger is locked only for the writes."""
    basis = _check_basis(legal_basis)
    decision = _decide(
        session, keys, now, principal=principal, id_number=id_number, subject_id=subject_id,
        purpose=purpose, consent_id=consent_id, legal_basis=basis,
    )  # fmt: skip
    records: list[RecordView] = []
    if decision.refusal is None and decision.subject_id is not None and decision.view:
        records = read_records(
            session, keys, catalog, decision.subject_id, decision.view, china_today(now)
        )
    consent_missing = principal.role == Role.REQUESTER and decision.consent_id is None
    flags = flags_of(
        session, now, principal, decision.subject_id, refused=decision.refusal is not None,
        consent_missing=consent_missing, thresholds=thresholds,
    )  # fmt: skip
    name, number = _identity(session, keys, principal, decision)
    return DoorRead(
        principal=principal, purpose=purpose, legal_basis=basis,
        consent_id=decision.consent_id or consent_id, decision=decision, records=records,
        flags=flags, requester=_requester_code(session, principal), name=name,
        id_number=number, channel=channel,
    )  # fmt: skip


def register_read(
    session: Session, now: dt.datetime, read: DoorRead, cross: CrossAnswer | None = None
) -> DoorAnswer:
    """Register what the door read, with its ledger entry; the refusal is returned, not raised:
    the caller commits, then raises."""
    entry = _register(
        session, now, principal=read.principal, subject_id=read.subject_id,
        purpose=read.purpose, consent_id=read.consent_id, legal_basis=read.legal_basis,
        items=[r.item for r in read.records], refusal=read.refusal, flags=read.flags,
        channel=read.channel, requester=read.requester, cross=cross,
    )  # fmt: skip
    report = PersonReport(
        query_id=entry.id, ledger_index=entry.ledger_index, at=entry.at, purpose=read.purpose,
        found=read.subject_id is not None, name=read.name, id_number=read.id_number,
        records=read.records,
    )  # fmt: skip
    if cross is not None:
        report = replace(
            report, cross_region=cross.status, national_query_id=cross.national_query_id
        )
    return DoorAnswer(report, read.subject_id, read.refusal)


def query_person(
    sessions: sessionmaker[Session],
    keys: KeyRing,
    catalog: Catalog,
    now: dt.datetime,
    *,
    principal: Principal,
    purpose: str,
    id_number: str | None = None,
    consent_id: uuid.UUID | None = None,
    legal_basis: str | None = None,
    thresholds: Thresholds,
    channel: str = "api",
    cross_region: CrossRegion | None = None,
) -> PersonReport:
    """Read a person's records for `principal`, registered in one transaction. A refusal is
    registered (and committed) before it is raised. With `cross_region`, a query the door
    allows first asks the national node for what other regions hold (互查, R-5.2), stored here
    as copies, so that the door's read is the union."""
    chosen = parse_purpose(purpose)
    _check_basis(legal_basis)
    cross = None
    if cross_region is not None:
        with sessions() as session:  # a read only: nothing is held while the national answers
            ask = _cross_ask(session, keys, now, principal=principal, purpose=chosen,
                             id_number=id_number, consent_id=consent_id,
                             legal_basis=legal_basis)  # fmt: skip
        cross = cross_region(ask) if ask is not None else None
        if cross is not None and cross.status == LOCAL:  # no national node: nothing to note
            cross = None
    with sessions() as session, session.begin():
        read = read_door(
            session, keys, catalog, now, principal=principal, purpose=chosen,
            id_number=id_number, consent_id=consent_id, legal_basis=legal_basis,
            thresholds=thresholds, channel=channel,
        )  # fmt: skip
        done = register_read(session, now, read, cross)
    if done.refusal is not None:
        raise done.refusal
    return done.report


def _cross_ask(
    session: Session, keys: KeyRing, now: dt.datetime, *, principal: Principal,
    purpose: Purpose, id_number: str | None, consent_id: uuid.UUID | None,
    legal_basis: str | None,
) -> CrossAsk | None:  # fmt: skip
    """What the national node is asked, decided as the door decides; None when the door refuses
    (the refusal is registered by the door's own pass, and nobody else is asked)."""
    basis = _check_basis(legal_basis)
    decision = _decide(
        session, keys, now, principal=principal, id_number=id_number, subject_id=None,
        purpose=purpose, consent_id=consent_id, legal_basis=basis,
    )  # fmt: skip
    if decision.refusal is not None or decision.view is None:
        return None
    if id_number is None:  # a self-query: the person's own number, from this registry
        if decision.subject_id is None:
            return None
        id_number = identity.reveal_person(session, keys, decision.subject_id).id_number
    requester = _requester_code(session, principal)
    if requester is None:  # staff name themselves; a person asking about themself does not
        requester = "self" if principal.role == Role.CITIZEN else principal.actor
    return CrossAsk(id_number=id_number, purpose=purpose, requester=requester,
                    consent_id=decision.consent_id, legal_basis=basis,
                    view=decision.view)  # fmt: skip


def _identity(
    session: Session, keys: KeyRing, principal: Principal, decision: _Decision
) -> tuple[str | None, str | None]:
    """The person's name and ID number as the caller may see them (masked unless allowed)."""
    if decision.refusal is not None or decision.subject_id is None:
        return None, None
    person = identity.reveal_person(session, keys, decision.subject_id)
    if principal.can(Permission.PERSON_IDENTITY_FULL) or principal.role == Role.CITIZEN:
        return person.name, person.id_number
    return person.masked_name, person.masked_id_number


def _requester_code(session: Session, principal: Principal) -> str | None:
    if principal.requester_id is None:
        return None
    return session.get_one(Requester, principal.requester_id).code


def register_node_query(
    session: Session, now: dt.datetime, *, principal: Principal, subject_id: uuid.UUID | None,
    purpose: str, consent_id: uuid.UUID | None, legal_basis: str | None, items: list[str],
    refusal: ChengxinError | None, requester: str,
) -> QueryEntry:  # fmt: skip
    """A peer node's cross-region query (互查) this node served or refused: its register row, with
    the asking node's requester (in the ledger entry; the register's requester column names this
    node's requesters only). No anomaly flags: the asking node flags its own callers."""
    return _register(
        session, now, principal=principal, subject_id=subject_id, purpose=purpose,
        consent_id=consent_id, legal_basis=legal_basis, items=items, refusal=refusal, flags=[],
        channel="exchange", requester=requester,
    )  # fmt: skip


def register_blacklisted_attempt(
    session: Session, now: dt.datetime, *, principal: Principal
) -> QueryEntry:
    """A blacklisted requester's request, refused before anything is read, is registered too."""
    return _register(
        session, now, principal=principal, subject_id=None, purpose=None, consent_id=None,
        legal_basis=None, items=[], refusal=Forbidden("blacklisted", rule="blacklisted"),
        flags=[], channel="api", requester=_requester_code(session, principal),
    )  # fmt: skip
