"""Issue H (R-5.2): node-to-node requests through the real app — a peer's signed request is its
only credential, every answer to it is signed, and the inbox keeps each package once."""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from chengxin.clock import Clock
from chengxin.exchange import signing
from chengxin.exchange.client import NodeClient, PeerError
from chengxin.exchange.inbox import inbox_of, package_bytes
from chengxin.exchange.messages import Expiry
from chengxin.exchange.models import PeerNode
from chengxin.exchange.node_rules import NodeRole
from chengxin.exchange.nodes import add_peer, disable_peer, own_node
from chengxin.exchange.packages import pack, unpack
from chengxin.keys import KeyRing, new_key_ring
from tests.conftest import NOW
from tests.exchange.examples import AT, RECORD, message_id
from tests.platform import Platform, platform

PEER, GONE = "CN-440300", "CN-310000"  # a registered peer, and one disabled since
PEER_KEYS, GONE_KEYS, STRANGER_KEYS = new_key_ring(NOW), new_key_ring(NOW), new_key_ring(NOW)
MAX_PACKAGE = 4096
PACKAGES = "/api/v1/exchange/packages"
GZIP = {"Content-Type": "application/gzip"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """This node (CN-110000) with two peers on file, one of them disabled."""
    tmp = tmp_path_factory.mktemp("peer-api")
    with platform(tmp, "sqlite", CHENGXIN_MAX_PACKAGE_BYTES=str(MAX_PACKAGE)) as p:
        own = own_node(p.rt.settings, p.rt.keys)
        with p.rt.sessions() as session, session.begin():
            for code, keys, region in ((PEER, PEER_KEYS, "440300"), (GONE, GONE_KEYS, "310000")):
                add_peer(session, NOW, own, code=code, role=NodeRole.REGIONAL, region_code=region,
                         base_url=f"https://{code.lower()}.example.cn",
                         public_key=keys.public_key_b64, actor="test")  # fmt: skip
            disable_peer(session, NOW, GONE, actor="test")
        yield p


def _this(hub: Platform, public_key: str | None = None) -> PeerNode:
    """This node as its peer has it on file (the TestClient's host as its URL)."""
    return PeerNode(code="CN-110000", role=NodeRole.REGIONAL, region_code="110000",
                    base_url="http://testserver",
                    public_key=public_key or hub.rt.keys.public_key_b64)  # fmt: skip


def _client(hub: Platform, code: str = PEER, keys: KeyRing = PEER_KEYS,
            clock: Clock | None = None) -> NodeClient:  # fmt: skip
    return NodeClient(code=code, keys=keys, clock=clock or hub.clock, http=hub.client)


def _package(n: int, *, sequence: int | None = None, signer: KeyRing = PEER_KEYS,
             sender: str = PEER, receiver: str = "CN-110000") -> bytes:  # fmt: skip
    """A real package from the peer: one expiry message that differs with `n`."""
    expiry = Expiry(id=message_id(n), origin=PEER, at=AT, record_id=RECORD, version=n,
                    display_ended_on=dt.date(2029, 3, 2))  # fmt: skip
    return pack([expiry], sender=sender, receiver=receiver, sequence=sequence or n,
                created_at=NOW, signer=signer)  # fmt: skip


def _raw(hub: Platform, headers: dict[str, str], body: bytes, path: str = PACKAGES) -> Any:
    """Send a prepared request as it is, and check this node signed its answer."""
    answer = hub.client.request("POST", path, headers=headers, content=body)
    message = signing.response_message(
        status=answer.status_code, nonce=headers[signing.NONCE], body=answer.content,
        responder="CN-110000", requester=headers[signing.NODE],
    )  # fmt: skip
    signature = signing.decode_signature(answer.headers[signing.SIGNATURE])
    assert signature is not None
    assert signing.verifies(hub.rt.keys.public_key_raw, message, signature)
    return answer


def _signed(hub: Platform, body: bytes, sequence: int, client: NodeClient | None = None,
            path: str = PACKAGES) -> dict[str, str]:  # fmt: skip
    client = client or _client(hub)
    url = client.url(_this(hub), path)
    return client.signed_headers(_this(hub), "POST", url, body,
                                 {**GZIP, signing.SEQUENCE: str(sequence)})  # fmt: skip


def _refused(answer: Any, status: int, field: str, rule: str) -> None:
    assert answer.status_code == status, answer.text
    assert (answer.json()["field"], answer.json()["rule"]) == (field, rule)


def test_h_hello_proves_both_nodes(hub: Platform) -> None:
    """R-5.2: a signed ping is answered, signed, with this node and the caller as seen."""
    with _client(hub) as client:
        answer = client.send(_this(hub), "GET", "/api/v1/exchange/hello")
        assert answer.status == 200
        assert answer.json()["node"] == {"code": "CN-110000", "role": "regional",
                                         "region": "110000", "url": None}  # fmt: skip
        assert answer.json()["caller"] == {"role": "node", "actor": f"node:{PEER}", "node": PEER}
        me = client.send(_this(hub), "GET", "/api/v1/me?lang=zh")  # any route, query signed too
        assert (me.status, me.json()["role"], me.json()["actor"]) == (200, "node", f"node:{PEER}")


def test_h_a_package_is_stored_once_per_sequence(hub: Platform) -> None:
    """R-5.2: stored as sent; the same again is a duplicate, other bytes under it a conflict."""
    with _client(hub) as client:
        send = lambda body, n: client.send(_this(hub), "POST", PACKAGES, body,  # noqa: E731
                                           {**GZIP, signing.SEQUENCE: str(n)})  # fmt: skip
        first = send(_package(1), 1)
        assert first.status == 201
        assert first.json()["state"] == "received"
        assert (
            first.json()["messages_sha256"]
            == unpack(
                _package(1), sender=PEER, sender_key=PEER_KEYS.public_key_raw, receiver="CN-110000"
            ).digest
        )
        again = send(_package(1), 1)
        assert (again.status, again.json()["state"], again.json()["id"]) == (
            200, "duplicate", first.json()["id"])  # fmt: skip
        other = send(_package(2, sequence=1), 1)
        assert other.status == 409
        assert (other.json()["field"], other.json()["rule"]) == ("X-Chengxin-Sequence",
                                                                 "sequence-unique")  # fmt: skip
        assert send(_package(2), 2).status == 201
    with hub.rt.sessions() as session:
        held = inbox_of(session, PEER)
        assert [(p.sequence, p.state, package_bytes(hub.rt.keys, p)) for p in held] == [
            (1, "received", _package(1)), (2, "received", _package(2))]  # fmt: skip
        assert all(_package(1) not in p.body_enc for p in held)  # sealed at rest


def test_h_a_replayed_request_is_refused(hub: Platform) -> None:
    """R-5.2: the very same signed request a second time is refused by its nonce."""
    body = _package(10)
    headers = _signed(hub, body, 10)
    assert _raw(hub, headers, body).status_code == 201
    _refused(_raw(hub, headers, body), 401, "X-Chengxin-Nonce", "nonce-unused")


@pytest.mark.parametrize("case", ["wrong key", "tampered body", "other receiver", "stale date",
                                  "future date", "unknown peer", "disabled peer"])  # fmt: skip
def test_h_requests_that_do_not_prove_a_peer_are_refused(hub: Platform, case: str) -> None:
    """R-5.2: only the registered, enabled peer's signature, fresh and for this node, counts."""
    body, sent = _package(20), _package(20)
    clock = hub.clock
    code, keys, receiver = PEER, PEER_KEYS, "CN-110000"
    expected = ("X-Chengxin-Signature", "signature")
    if case == "wrong key":
        keys = STRANGER_KEYS
    elif case == "tampered body":
        sent = _package(21)
    elif case == "other receiver":
        receiver = "CN-NATIONAL"
    elif case in {"stale date", "future date"}:
        shift = dt.timedelta(seconds=-301 if case == "stale date" else 301)
        clock = lambda: NOW + shift  # noqa: E731
        expected = ("X-Chengxin-Date", "date-skew")
    elif case == "unknown peer":
        code, keys, expected = "CN-999999", STRANGER_KEYS, ("X-Chengxin-Node", "known-peer")
    else:
        code, keys, expected = GONE, GONE_KEYS, ("X-Chengxin-Node", "peer-enabled")
    client = _client(hub, code, keys, clock)
    target = PeerNode(code=receiver, base_url="http://testserver",
                      public_key=hub.rt.keys.public_key_b64)  # fmt: skip
    headers = client.signed_headers(target, "POST", client.url(target, PACKAGES), body,
                                    {**GZIP, signing.SEQUENCE: "20"})  # fmt: skip
    _refused(_raw(hub, headers, sent), 401, *expected)
    with hub.rt.sessions() as session:
        assert all(p.sequence != 20 for p in inbox_of(session, PEER))


def test_h_a_refusal_reaches_the_client_signed(hub: Platform) -> None:
    """R-5.2: the client accepts a signed refusal and shows its field and rule."""
    with _client(hub, "CN-999999", STRANGER_KEYS) as client:
        answer = client.send(_this(hub), "GET", "/api/v1/exchange/hello")
    assert answer.status == 401
    assert (answer.json()["field"], answer.json()["rule"]) == ("X-Chengxin-Node", "known-peer")


@pytest.mark.parametrize(("headers", "body", "status", "field", "rule"), [
    ({"Content-Type": "application/json"}, _package(30), 415, "Content-Type", "media-type"),
    ({signing.SEQUENCE: None}, _package(30), 422, "X-Chengxin-Sequence", "required"),
    ({signing.SEQUENCE: "007"}, _package(30), 422, "X-Chengxin-Sequence", "sequence"),
    ({signing.SEQUENCE: "0"}, _package(30), 422, "X-Chengxin-Sequence", "sequence"),
    ({signing.SEQUENCE: str(2**63)}, _package(30), 422, "X-Chengxin-Sequence", "sequence"),
    ({}, b'{"not": "gzip"}', 422, "body", "gzip"),
    ({}, _package(30, sequence=31), 422, "X-Chengxin-Sequence", "sequence-match"),
    ({}, _package(30, signer=STRANGER_KEYS), 422, "line 3 $.key_sha256", "signature-key"),
    ({}, _package(30, receiver="CN-NATIONAL"), 422, "line 1 $.receiver", "receiver"),
    ({}, _package(30, sender=GONE), 422, "line 1 $.sender", "sender"),
    ({}, gzip.compress(b'{"kind": "test"}\n', mtime=0), 422, "package", "lines"),
    ({}, b"\x1f\x8b" + bytes(MAX_PACKAGE), 413, "body", "max-bytes"),
])  # fmt: skip
def test_h_a_package_that_breaks_a_rule_is_refused_and_not_stored(
    hub: Platform, headers: dict[str, str | None], body: bytes, status: int, field: str, rule: str
) -> None:
    """R-5.1, R-5.2: content type, sequence number, gzip data, size, and the package itself —
    signed by the sender's key, for this node, its header's sequence the request's; nothing
    is written."""
    client = _client(hub)
    extra = {k: v for k, v in {**GZIP, signing.SEQUENCE: "30", **headers}.items() if v is not None}
    sent = client.signed_headers(_this(hub), "POST", client.url(_this(hub), PACKAGES), body, extra)
    _refused(_raw(hub, sent, body), status, field, rule)
    with hub.rt.sessions() as session:
        assert all(p.sequence != 30 for p in inbox_of(session, PEER))


def test_h_a_nodes_api_key_may_ping_but_not_send_packages(hub: Platform) -> None:
    """R-3.1: the node role's API key keeps working; packages need a peer's signature."""
    hello = hub.call("GET", "/api/v1/exchange/hello", "NODE")
    assert (hello.status_code, hello.json()["caller"]["node"]) == (200, None)
    posted = hub.call("POST", PACKAGES, "NODE", content=_package(1), headers=GZIP)
    _refused(posted, 403, "X-Chengxin-Node", "node-signature")
    _refused(hub.call("GET", "/api/v1/exchange/hello"), 401, "credentials", "node:exchange:read")


def _hostile(handler: Any) -> NodeClient:
    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    return NodeClient(code=PEER, keys=PEER_KEYS, clock=lambda: NOW, http=http)


def test_h_the_client_refuses_unsigned_forged_or_late_answers(hub: Platform) -> None:
    """R-5.2: an answer counts only when the peer signed it, for this request."""

    def unsigned(_request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json={"ok": True})

    def forged(request: httpx2.Request) -> httpx2.Response:
        message = signing.response_message(status=200, nonce=request.headers[signing.NONCE],
                                           body=b"{}", responder="CN-110000", requester=PEER)  # fmt: skip
        signature = signing.sign(STRANGER_KEYS.signing_key, message)  # not this node's key
        return httpx2.Response(200, content=b"{}", headers={signing.SIGNATURE: signature})

    def late(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("late", request=request)

    for handler, rule in ((unsigned, "signed-answer"), (forged, "answer-signature"),
                          (late, "timeout")):  # fmt: skip
        with pytest.raises(PeerError) as refused, _hostile(handler) as client:
            client.send(_this(hub), "GET", "/api/v1/exchange/hello")
        assert refused.value.rule == rule
    with _client(hub) as client, pytest.raises(PeerError) as refused:  # the real node, wrong key
        client.send(_this(hub, STRANGER_KEYS.public_key_b64), "GET", "/api/v1/exchange/hello")
    assert refused.value.rule == "answer-signature"
