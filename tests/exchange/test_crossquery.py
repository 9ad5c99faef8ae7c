"""Issue H, cross-region query (互查, R-5.2, R-4.4): a query at a regional node about a person with
records in other regions returns the union, through the national node, which answers only what
the asking node's view allows — never the asker's own records — registers the query and shares
each record it answers with; the asking node degrades to its own records when the national node
cannot answer."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from chengxin.access.permissions import Role
from chengxin.access.principal import Principal
from chengxin.catalog.vocab import DisclosureLevel
from chengxin.consents.rules import Purpose
from chengxin.exchange import crossfetch
from chengxin.exchange.client import NodeClient, PeerAnswer
from chengxin.exchange.copies import Outcome, apply_message
from chengxin.exchange.messages import PersonRef, RecordVersionMessage
from chengxin.exchange.models import PeerNode
from chengxin.exchange.node_rules import NodeRole
from chengxin.exchange.nodes import add_peer, get_peer, own_node
from chengxin.exchange.outbox_messages import current_message
from chengxin.keys import new_key_ring
from chengxin.ledger.models import LedgerEntry
from chengxin.queries.models import QueryEntry
from chengxin.queries.service import query_person
from chengxin.queries.thresholds import Thresholds
from chengxin.records.models import Record, RecordShare, RecordStatus
from tests.collection.conftest import person
from tests.conftest import NOW
from tests.platform import ALICE, BOB, Platform, platform

REGION, OTHER, NATIONAL = "CN-110000", "CN-440300", "CN-NATIONAL"
CAROL = person(7, "19800101")  # known only to the national node (a record from region OTHER)
PATH = "/api/v1/exchange/queries"
DOWN = "http://127.0.0.1:9"  # nothing listens there; the TestClient serves any host


def _peer(p: Platform, other: Platform, code: str, role: NodeRole, region: str) -> None:
    with p.rt.sessions() as session, session.begin():
        add_peer(session, NOW, own_node(p.rt.settings, p.rt.keys), code=code, role=role,
                 region_code=region, base_url=DOWN, public_key=other.rt.keys.public_key_b64,
                 actor="test")  # fmt: skip


def _from_other(base: RecordVersionMessage, **changes: Any) -> RecordVersionMessage:
    """A record of region OTHER's, as it reached the national node: a new id, its own unit."""
    return dataclasses.replace(base, id=uuid.uuid4(), record_id=uuid.uuid4(), origin=OTHER,
                               **changes)  # fmt: skip


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])  # fmt: skip
def nodes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Platform, Platform]]:
    """A regional node (CN-110000) and the national node, each the other's peer. Both hold the
    platform's records about ALICE and BOB as their own. The national node also holds copies: of
    the region's tax record of ALICE (shared upward), and of region OTHER's records — ALICE's
    public, government-shared and expired ones, and CAROL's."""
    with (
        platform(tmp_path_factory.mktemp("region"), request.param) as region,
        platform(tmp_path_factory.mktemp("national"), request.param,
                 CHENGXIN_NODE_ROLE="national") as national,
    ):  # fmt: skip
        _peer(region, national, NATIONAL, NodeRole.NATIONAL, "110000")
        _peer(national, region, REGION, NodeRole.REGIONAL, "110000")
        with region.rt.sessions() as session:
            tax = session.scalars(select(Record).where(
                Record.subject_id == region.subject(ALICE), Record.item_code == "PENALTY-TAX"
            )).one()  # fmt: skip
            shared = current_message(session, region.rt.keys, origin=REGION,
                                     message_id=uuid.uuid4(), record_id=tax.id)  # fmt: skip
        copies = [
            shared,
            _from_other(shared),
            _from_other(shared, disclosure=DisclosureLevel.GOVERNMENT),
            _from_other(shared, status=RecordStatus.EXPIRED),
            _from_other(shared, subject=PersonRef(id_number=CAROL, name="王七")),
        ]
        with national.rt.sessions() as session, session.begin():
            for message in copies:
                done = apply_message(session, national.rt.keys, national.rt.workdays, NOW,
                                     sender=message.origin, message=message)  # fmt: skip
                assert done.outcome == Outcome.APPLIED, done
        yield region, national


def _records(p: Platform, id_number: str) -> dict[uuid.UUID, Record]:
    with p.rt.sessions() as session:
        subject = p.subject(id_number)
        rows = session.scalars(select(Record).where(Record.subject_id == subject))
        return {r.id: r for r in rows}


def _held(national: Platform, id_number: str = ALICE) -> dict[str, set[uuid.UUID]]:
    """The national node's records about a person by what they are."""
    out: dict[str, set[uuid.UUID]] = {"own": set(), "region": set(), "public": set(),
                                      "government": set(), "expired": set()}  # fmt: skip
    for r in _records(national, id_number).values():
        if r.origin is None:
            out["own"].add(r.id)
        elif r.origin == REGION:
            out["region"].add(r.id)
        elif r.status == RecordStatus.EXPIRED:
            out["expired"].add(r.id)
        else:
            out[r.disclosure if r.disclosure == "government" else "public"].add(r.id)
    return out


def _national_peer(region: Platform) -> PeerNode:
    with region.rt.sessions() as session:
        peer = get_peer(session, NATIONAL)
        session.expunge(peer)
        return peer


def _ask(region: Platform, national: Platform, body: dict[str, Any]) -> PeerAnswer:
    """The region's signed request to the national app, its signed answer checked."""
    raw = json.dumps(body).encode()
    with NodeClient.of(region.rt, http=national.client) as client:
        return client.send(_national_peer(region), "POST", PATH, raw,
                           {"Content-Type": "application/json"})  # fmt: skip


def _body(**changes: Any) -> dict[str, Any]:
    return {"id_number": ALICE, "purpose": "administrative_duty", "requester": "DEPT-M",
            "legal_basis": "《社会信用体系建设法》第二十条", "levels": ["public", "authorised",
            "government"], "unpublicised": True, **changes}  # fmt: skip


def _register_count(p: Platform) -> int:
    with p.rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(QueryEntry)) or 0


def _entry(p: Platform, query_id: str | uuid.UUID) -> tuple[QueryEntry, dict[str, Any]]:
    with p.rt.sessions() as session:
        row = session.get_one(QueryEntry, uuid.UUID(str(query_id)))
        ledger = session.scalars(
            select(LedgerEntry).where(LedgerEntry.idx == row.ledger_index)
        ).one()
        return row, json.loads(ledger.body)


def test_h_the_national_node_answers_a_government_view_without_the_askers_own(
    nodes: tuple[Platform, Platform],
) -> None:
    """R-5.2: a department's query with a legal basis gets the national node's own records and
    region OTHER's (government-shared included), never expired ones nor the asker's own; the
    query is in the national register with the asker as requester."""
    region, national = nodes
    answer = _ask(region, national, _body())
    assert answer.status == 200, answer.body
    held = _held(national)
    got = {uuid.UUID(m["record_id"]) for m in answer.json()["records"]}
    assert got == held["own"] | held["public"] | held["government"]
    assert not got & (held["region"] | held["expired"])
    assert all(m["kind"] == "record_version" and m["origin"] in {NATIONAL, OTHER}
               for m in answer.json()["records"])  # fmt: skip
    assert {m["source"]["code"] for m in answer.json()["records"]} == {"TAX-BJ"}  # no mirror
    row, ledger = _entry(national, answer.json()["query_id"])
    assert (row.actor, row.role, row.outcome, row.channel) == (
        f"node:{REGION}", Role.NODE, "answered", "exchange")  # fmt: skip
    assert row.subject_id == national.subject(ALICE)
    assert row.record_count == len(got)
    assert (ledger["requester"], ledger["legal_basis"]) == ("DEPT-M", _body()["legal_basis"])


def test_h_a_consent_view_gets_no_government_records_and_each_record_is_shared(
    nodes: tuple[Platform, Platform],
) -> None:
    """R-5.2, R-4.4: on a consent the national node leaves out government-shared records whatever
    the asker's levels say, registers the consent reference, and records a share with the asker
    for every record it answered with (later changes reach it)."""
    region, national = nodes
    consent = uuid.uuid4()
    answer = _ask(region, national, _body(purpose="loan_approval", requester="BANK-A",
                                          legal_basis=None, consent_id=str(consent)))  # fmt: skip
    assert answer.status == 200, answer.body
    held = _held(national)
    got = {uuid.UUID(m["record_id"]) for m in answer.json()["records"]}
    assert got == held["own"] | held["public"]
    row, ledger = _entry(national, answer.json()["query_id"])
    assert (row.consent_id, ledger["requester"], ledger["purpose"]) == (
        consent, "BANK-A", "loan_approval")  # fmt: skip
    with national.rt.sessions() as session:
        shares = set(session.scalars(
            select(RecordShare.record_id).where(RecordShare.recipient == REGION)
        ))  # fmt: skip
    assert got <= shares
    assert not shares & (held["region"] | held["expired"])


def test_h_a_query_no_view_allows_is_refused_and_registered(
    nodes: tuple[Platform, Platform],
) -> None:
    """R-5.2: a purpose that needs a consent, asked without one, is refused (registered as
    refused, nothing shared)."""
    region, national = nodes
    answer = _ask(region, national, _body(purpose="employment", legal_basis=None))
    assert answer.status == 403
    assert (answer.json()["field"], answer.json()["rule"]) == ("consent_id", "consent-required")
    with national.rt.sessions() as session:
        last = session.scalars(select(QueryEntry).order_by(QueryEntry.ledger_index.desc())).first()
    assert last is not None
    assert (last.actor, last.outcome, last.refusal, last.record_count) == (
        f"node:{REGION}", "refused", "consent-required", 0)  # fmt: skip


@pytest.mark.parametrize(("changes", "field", "rule"), [
    ({"id_number": None}, "id_number", "missing"),  # left out
    ({"id_number": "11010519800101001"}, "id_number", "GB 11643 length"),
    ({"id_number": "1" * 33}, "id_number", "string_too_long"),
    ({"purpose": "curiosity"}, "purpose", "enum"),
    ({"requester": "BANK\u202eA"}, "requester", "control"),
    ({"requester": " "}, "requester", "length"),
    ({"requester": "x" * 101}, "requester", "string_too_long"),
    ({"legal_basis": "\x00"}, "legal_basis", "control"),
    ({"legal_basis": "法" * 201}, "legal_basis", "string_too_long"),
    ({"consent_id": "not-a-uuid"}, "consent_id", "uuid_parsing"),
    ({"levels": []}, "levels", "too_short"),
    ({"levels": ["secret"]}, "levels[0]", "enum"),
    ({"categories": ["all"]}, "categories[0]", "enum"),
    ({"unpublicised": "maybe"}, "unpublicised", "bool_parsing"),
    ({"subject_id": str(uuid.uuid4())}, "subject_id", "extra_forbidden"),
])  # fmt: skip
def test_h_a_bad_request_is_refused_naming_field_and_rule_with_nothing_registered(
    nodes: tuple[Platform, Platform], changes: dict[str, Any], field: str, rule: str
) -> None:
    """R-5.2: every malformed or hostile field is refused by name and rule; nothing is written."""
    region, national = nodes
    before = _register_count(national)
    body = {k: v for k, v in _body(**changes).items() if v is not None or k != "id_number"}
    answer = _ask(region, national, body)
    assert answer.status == 422, answer.body
    assert (answer.json()["field"], answer.json()["rule"]) == (field, rule)
    assert _register_count(national) == before


def test_h_only_a_registered_peers_signed_request_may_ask(
    nodes: tuple[Platform, Platform],
) -> None:
    """R-5.2: no signature, a node's API key, or an unknown node's signature: refused, nothing
    registered."""
    region, national = nodes
    before = _register_count(national)
    unsigned = national.call("POST", PATH, None, json=_body())
    assert (unsigned.status_code, unsigned.json()["rule"]) == (401, "node:exchange:query")
    keyed = national.call("POST", PATH, "NODE", json=_body())
    assert (keyed.status_code, keyed.json()["field"], keyed.json()["rule"]) == (
        403, "X-Chengxin-Node", "node-signature")  # fmt: skip
    stranger = NodeClient(code="CN-310000", keys=new_key_ring(NOW), clock=region.clock,
                          http=national.client)  # fmt: skip
    answer = stranger.send(_national_peer(region), "POST", PATH, json.dumps(_body()).encode(),
                           {"Content-Type": "application/json"})  # fmt: skip
    assert (answer.status, answer.json()["rule"]) == (401, "known-peer")
    assert _register_count(national) == before


def _query(region: Platform, who: Principal, id_number: str, http: Any, **kw: Any) -> Any:
    rt = region.rt
    return query_person(rt.sessions, rt.keys, rt.catalog, region.clock(), principal=who,
                        id_number=id_number, thresholds=Thresholds.of(rt.settings),
                        cross_region=crossfetch.asker(rt, http=http), **kw)  # fmt: skip


def _department(region: Platform) -> Principal:
    with region.rt.sessions() as session:
        from chengxin.requesters.models import Requester  # noqa: PLC0415

        dept = session.scalars(select(Requester).where(Requester.code == "DEPT-M")).one()
    return Principal(role=Role.DEPARTMENT, actor="key:test", requester_id=dept.id)


def test_h_the_asking_node_answers_with_the_union(nodes: tuple[Platform, Platform]) -> None:
    """R-5.2: a department's query at the region returns its own records and, through the
    national node, the other regions' and the national node's, stored here as copies; the local
    register's ledger entry names the national query."""
    region, national = nodes
    own = set(_records(region, ALICE))
    report = _query(region, _department(region), ALICE, national.client,
                    purpose="administrative_duty", legal_basis="《税收征收管理法》第五十四条")  # fmt: skip
    held = _held(national)
    assert report.cross_region == "complete"
    assert {r.record_id for r in report.records} == (
        own | held["own"] | held["public"] | held["government"])  # fmt: skip
    copies = {i: r.origin for i, r in _records(region, ALICE).items() if r.origin is not None}
    assert set(copies) == held["own"] | held["public"] | held["government"]
    assert set(copies.values()) == {NATIONAL, OTHER}
    row, _ = _entry(national, report.national_query_id)
    assert row.actor == f"node:{REGION}"
    local, entry = _entry(region, report.query_id)
    assert (local.outcome, entry["cross_region"], entry["national_query"]) == (
        "answered", "complete", str(report.national_query_id))  # fmt: skip
    again = _query(region, _department(region), ALICE, national.client,
                   purpose="administrative_duty", legal_basis="《税收征收管理法》第五十四条")  # fmt: skip
    assert again.cross_region == "complete"  # copies held already: nothing twice
    assert len(again.records) == len(report.records)


def test_h_a_person_known_only_elsewhere_is_found_through_the_national_node(
    nodes: tuple[Platform, Platform],
) -> None:
    """R-5.2: a department asks about a person this region never heard of: the national node's
    answer registers the person here, and the answer shows their record from region OTHER."""
    region, national = nodes
    assert region.subject(CAROL) is None
    report = _query(region, _department(region), CAROL, national.client,
                    purpose="administrative_duty", legal_basis="《税收征收管理法》第五十四条")  # fmt: skip
    assert (report.found, report.cross_region) == (True, "complete")
    assert {r.record_id for r in report.records} == set(_records(national, CAROL))
    assert region.subject(CAROL) is not None


def test_h_a_refused_query_is_not_put_to_the_national_node(
    nodes: tuple[Platform, Platform],
) -> None:
    """R-5.2, R-3.4: a requester without consent is refused by the local door; the national node
    is not asked (nothing in its register)."""
    region, national = nodes
    before = _register_count(national)
    answer = region.call("POST", "/api/v1/queries", "BANK-B",
                         json={"id_number": BOB, "purpose": "loan_approval"})  # fmt: skip
    assert (answer.status_code, answer.json()["rule"]) == (403, "consent-required")
    assert _register_count(national) == before


def test_h_the_api_answer_says_whether_the_union_is_complete(
    nodes: tuple[Platform, Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-5.2: through the query API a requester with consent gets the union (cross_region
    complete); with the national node down, its own records only (unavailable), still answered
    and registered."""
    region, national = nodes
    consent = region.grant(region.subject(BOB), "BANK-A")
    body = {"id_number": BOB, "purpose": "loan_approval", "consent_id": consent}
    down = region.call("POST", "/api/v1/queries", "BANK-A", json=body)  # the peer's URL: no one
    assert down.status_code == 200, down.text
    assert (down.json()["cross_region"], down.json()["national_query_id"]) == (
        "unavailable", None)  # fmt: skip
    assert {r["record_id"] for r in down.json()["records"]} == {
        str(i) for i, r in _records(region, BOB).items() if r.origin is None}  # fmt: skip
    _, entry = _entry(region, down.json()["query_id"])
    assert (entry["cross_region"], entry["national_query"]) == ("unavailable", None)

    real = crossfetch.asker
    monkeypatch.setattr(crossfetch, "asker", lambda rt: real(rt, http=national.client))
    up = region.call("POST", "/api/v1/queries", "BANK-A", json=body)
    assert up.status_code == 200, up.text
    assert up.json()["cross_region"] == "complete"
    theirs = {str(i) for i in _records(national, BOB)}  # the national node's own, public
    assert theirs <= {r["record_id"] for r in up.json()["records"]}
    row, ledger = _entry(national, up.json()["national_query_id"])
    assert (row.consent_id, ledger["requester"]) == (uuid.UUID(consent), "BANK-A")


def test_h_a_node_without_a_national_peer_answers_locally(
    nodes: tuple[Platform, Platform],
) -> None:
    """R-5.2: the national node itself (no national peer to ask) answers with what it holds."""
    _, national = nodes
    answer = national.call("POST", "/api/v1/queries", "DEPT-M", json={
        "id_number": ALICE, "purpose": "administrative_duty", "legal_basis": "第二十条"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json()["cross_region"] == "local"


def test_h_the_asking_side_refuses_an_answer_with_its_own_records() -> None:
    """R-5.2: an answer that hands the asker its own record, or no record at all, is unusable."""
    with pytest.raises(crossfetch.PeerRefused):
        crossfetch.read_answer(PeerAnswer(200, b'{"query_id": "x", "records": []}'),
                               asker=REGION)  # fmt: skip
    with pytest.raises(crossfetch.PeerRefused):
        crossfetch.read_answer(PeerAnswer(403, b'{"rule": "consent-required"}'), asker=REGION)


def test_h_the_request_carries_the_askers_decision() -> None:
    """R-5.2: the body sent is the door's decision: purpose, consent or basis, and the view."""
    from chengxin.queries.rules import GOVERNMENT_VIEW  # noqa: PLC0415
    from chengxin.queries.service import CrossAsk  # noqa: PLC0415

    body = crossfetch.request_body(CrossAsk(id_number=ALICE, purpose=Purpose.ADMINISTRATIVE_DUTY,
                                            requester="DEPT-M", consent_id=None,
                                            legal_basis="第二十条", view=GOVERNMENT_VIEW))  # fmt: skip
    assert body == {"id_number": ALICE, "purpose": "administrative_duty", "requester": "DEPT-M",
                    "consent_id": None, "legal_basis": "第二十条",
                    "levels": ["authorised", "government", "public"], "categories": None,
                    "unpublicised": True}  # fmt: skip
