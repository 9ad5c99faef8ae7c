"""Issue H (R-5.2): the pure rules of signed node-to-node requests and answers — every part of a
request is covered by its signature, the clock window, and the shape of each header."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest

from chengxin.errors import InvalidInput, Unauthenticated
from chengxin.exchange import signing
from chengxin.exchange.node_rules import check_base_url, fingerprint, parse_public_key
from chengxin.keys import new_key_ring
from tests.conftest import NOW

A = new_key_ring(NOW)
B = new_key_ring(NOW)
REQUEST = {"method": "POST", "target": "/api/v1/exchange/packages?x=1", "body": b"\x1f\x8bdata",
           "receiver": "CN-440300"}  # fmt: skip
SIGNED = {"X-Chengxin-Node": "CN-110000", "X-Chengxin-Date": "2026-11-26T02:00:00Z",
          "X-Chengxin-Nonce": "n" * 32, "X-Chengxin-Sequence": "7"}  # fmt: skip


def _signature(**changes: object) -> bytes:
    parts = {**REQUEST, "signed": SIGNED, **changes}
    text = signing.sign(A.signing_key, signing.request_message(**parts))  # type: ignore[arg-type]
    return base64.b64decode(text)


def _verifies(signature: bytes, **changes: object) -> bool:
    parts = {**REQUEST, "signed": SIGNED, **changes}
    message = signing.request_message(**parts)  # type: ignore[arg-type]
    return signing.verifies(A.public_key_raw, message, signature)


TAMPERED = {
    "method": {"method": "PUT"},
    "path": {"target": "/api/v1/exchange/packages?x=2"},
    "body": {"body": b"\x1f\x8bdatA"},
    "receiver": {"receiver": "CN-NATIONAL"},
    "sender": {"signed": {**SIGNED, "X-Chengxin-Node": "CN-310000"}},
    "date": {"signed": {**SIGNED, "X-Chengxin-Date": "2026-11-26T02:00:01Z"}},
    "nonce": {"signed": {**SIGNED, "X-Chengxin-Nonce": "m" * 32}},
    "sequence": {"signed": {**SIGNED, "X-Chengxin-Sequence": "8"}},
    "added header": {"signed": {**SIGNED, "X-Chengxin-Extra": "1"}},
}


def test_h_a_request_signature_verifies_as_made_and_header_case_does_not_matter() -> None:
    """R-5.2: the signature verifies for the request it was made for, with any header case."""
    lower = {k.lower(): v for k, v in SIGNED.items()}
    assert _verifies(_signature())
    assert _verifies(_signature(), signed=lower)
    assert not signing.verifies(B.public_key_raw, signing.request_message(
        **REQUEST, signed=SIGNED), _signature())  # type: ignore[arg-type]  # fmt: skip


@pytest.mark.parametrize("part", list(TAMPERED))
def test_h_a_tampered_request_does_not_verify(part: str) -> None:
    """R-5.2: method, path, body, either code, date, nonce and every X-Chengxin-* header count."""
    assert not _verifies(_signature(), **TAMPERED[part])


def test_h_an_answer_signature_covers_status_nonce_body_and_both_codes() -> None:
    """R-5.2: the answer is bound to the request's nonce and to both nodes."""
    parts = {"status": 201, "nonce": "n" * 32, "body": b"{}", "responder": "CN-440300",
             "requester": "CN-110000"}  # fmt: skip
    signature = base64.b64decode(signing.sign(B.signing_key, signing.response_message(**parts)))  # type: ignore[arg-type]
    assert signing.verifies(B.public_key_raw, signing.response_message(**parts), signature)  # type: ignore[arg-type]
    for change in ({"status": 200}, {"nonce": "m" * 32}, {"body": b"{ }"},
                   {"responder": "CN-310000"}, {"requester": "CN-310000"}):  # fmt: skip
        message = signing.response_message(**{**parts, **change})  # type: ignore[arg-type]
        assert not signing.verifies(B.public_key_raw, message, signature), change


def _headers(**changes: str | None) -> list[tuple[str, str]]:
    given = {**SIGNED, "X-Chengxin-Signature": base64.b64encode(bytes(64)).decode(), **changes}
    return [(k, v) for k, v in given.items() if v is not None]


def test_h_the_signature_headers_are_read_as_sent() -> None:
    """R-5.2: the X-Chengxin-* headers, the signature apart, are what is signed."""
    read = signing.read_headers([*_headers(), ("Content-Type", "application/gzip")])
    assert (read.node, read.date, read.nonce) == ("CN-110000", NOW, "n" * 32)
    assert dict(read.signed) == {k.lower(): v for k, v in SIGNED.items()}


BAD_HEADERS = [
    ({"X-Chengxin-Node": None}, "X-Chengxin-Node", "required"),
    ({"X-Chengxin-Signature": None}, "X-Chengxin-Signature", "required"),
    ({"X-Chengxin-Node": "cn-110000"}, "X-Chengxin-Node", "node-code"),
    ({"X-Chengxin-Date": "2026-11-26T02:00:00+08:00"}, "X-Chengxin-Date", "rfc3339-utc"),
    ({"X-Chengxin-Date": "2026-02-30T02:00:00Z"}, "X-Chengxin-Date", "rfc3339-utc"),
    ({"X-Chengxin-Date": "Thu, 26 Nov 2026 02:00:00 GMT"}, "X-Chengxin-Date", "rfc3339-utc"),
    ({"X-Chengxin-Nonce": "short"}, "X-Chengxin-Nonce", "nonce"),
    ({"X-Chengxin-Nonce": "n" * 65}, "X-Chengxin-Nonce", "nonce"),
    ({"X-Chengxin-Signature": "not base64!"}, "X-Chengxin-Signature", "ed25519-signature"),
    ({"X-Chengxin-Signature": base64.b64encode(bytes(63)).decode()}, "X-Chengxin-Signature",
     "ed25519-signature"),
    ({"X-Chengxin-Sequence": "x" * 201}, "X-Chengxin-Sequence", "header-value"),
    ({"X-Chengxin-Sequence": "7\x00"}, "X-Chengxin-Sequence", "header-value"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field", "rule"), BAD_HEADERS)
def test_h_malformed_signature_headers_are_refused_naming_header_and_rule(
    changes: dict[str, str | None], field: str, rule: str
) -> None:
    """R-5.2: each header's shape is checked before any key is used."""
    with pytest.raises(Unauthenticated) as refused:
        signing.read_headers(_headers(**changes))
    assert (refused.value.field, refused.value.rule) == (field, rule)


def test_h_a_header_sent_twice_is_refused() -> None:
    """R-5.2: no second copy of a signed header may slip past the signature."""
    with pytest.raises(Unauthenticated) as refused:
        signing.read_headers([*_headers(), ("x-chengxin-nonce", "m" * 32)])
    assert (refused.value.field, refused.value.rule) == ("X-Chengxin-Nonce", "single-header")


@pytest.mark.parametrize("seconds", [-300, 0, 300])
def test_h_a_date_within_five_minutes_of_the_receivers_clock_is_accepted(seconds: int) -> None:
    """R-5.2: ±300 s of clock difference is tolerated."""
    signing.check_skew(NOW, NOW + dt.timedelta(seconds=seconds))


@pytest.mark.parametrize("seconds", [-301, 301, 86_400])
def test_h_a_stale_or_future_date_is_refused(seconds: int) -> None:
    """R-5.2: a request outside the window is refused, naming NTP."""
    with pytest.raises(Unauthenticated) as refused:
        signing.check_skew(NOW, NOW + dt.timedelta(seconds=seconds))
    assert (refused.value.field, refused.value.rule) == ("X-Chengxin-Date", "date-skew")
    assert "NTP" in refused.value.message


def test_h_a_nonce_is_kept_while_its_request_could_still_be_accepted() -> None:
    """R-5.2: the replay store outlives the accepted window."""
    assert signing.nonce_kept_until(NOW) >= NOW + dt.timedelta(seconds=signing.MAX_SKEW_SECONDS)
    assert signing.format_date(NOW) == "2026-11-26T02:00:00Z"


@pytest.mark.parametrize(("raw", "rule"), [
    ("ftp://node.example.cn", "base-url"), ("https://", "base-url"),
    ("https://user:pw@node.example.cn", "base-url"), ("https://node.example.cn/api", "base-url"),
    ("https://node.example.cn?x=1", "base-url"), ("https://node.example.cn:99999", "base-url"),
    ("https://node example.cn", "base-url"), ("https://" + "a" * 300 + ".cn", "base-url"),
])  # fmt: skip
def test_h_a_base_url_is_scheme_host_and_port_only(raw: str, rule: str) -> None:
    """R-5.2: a peer's URL is http(s)://host[:port]; anything else is refused by rule."""
    with pytest.raises(InvalidInput) as refused:
        check_base_url(raw)
    assert (refused.value.field, refused.value.rule) == ("url", rule)
    assert check_base_url(" HTTPS://Node.Example.cn:8443/ ") == "https://node.example.cn:8443"


def test_h_public_keys_and_fingerprints() -> None:
    """R-5.2: a public key is 32 bytes in base64; its fingerprint is its SHA-256 in groups."""
    assert parse_public_key(A.public_key_b64) == A.public_key_raw
    for bad in ("", "AAAA", "!!", base64.b64encode(bytes(33)).decode()):
        with pytest.raises(InvalidInput) as refused:
            parse_public_key(bad)
        assert refused.value.rule == "ed25519-public-key"
    shown = fingerprint(A.public_key_raw)
    assert len(shown.split()) == 8
    assert shown.replace(" ", "") == hashlib.sha256(A.public_key_raw).hexdigest()
