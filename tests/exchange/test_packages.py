"""R-5.1: packages are gzipped JSON Lines — header, messages, signature — signed with the
sender's Ed25519 key. `unpack` returns the whole package or refuses it, naming the line, the
field and the rule: tampering, a wrong key, another receiver, a gzip bomb, oversized or
malformed lines. Real keys and real gzip; nothing is mocked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import time
import zlib
from typing import Any, cast

import pytest

from chengxin.exchange import codec
from chengxin.exchange.canonical import JsonObject, line_bytes
from chengxin.exchange.framing import signature_line
from chengxin.exchange.messages import Expiry
from chengxin.exchange.packages import Limits, Package, pack, unpack
from chengxin.exchange.refusals import PackageRefused, PackageTooLarge
from chengxin.keys import KeyRing, new_key_ring
from tests.exchange.examples import EXAMPLES, ID_NUMBER, NATIONAL, ORIGIN, message_id, state

NOW = dt.datetime(2026, 5, 6, 3, 0, tzinfo=dt.UTC)
SENDER = new_key_ring(NOW)
OTHER = new_key_ring(NOW)
MESSAGES = list(EXAMPLES.values())
LIMITS = Limits()


def packed(messages: list[Any] = MESSAGES, *, sequence: int = 1, at: dt.datetime = NOW,
           signer: KeyRing = SENDER, limits: Limits = LIMITS) -> bytes:  # fmt: skip
    return pack(messages, sender=ORIGIN, receiver=NATIONAL, sequence=sequence, created_at=at,
                signer=signer, limits=limits)  # fmt: skip


def unpacked(data: bytes, *, key: Any = None, receiver: str = NATIONAL,
             limits: Limits = LIMITS) -> Package:  # fmt: skip
    return unpack(data, sender=ORIGIN, sender_key=key or SENDER.public_key_raw,
                  receiver=receiver, limits=limits)  # fmt: skip


def refusal(data: bytes, **kw: Any) -> PackageRefused:
    with pytest.raises(PackageRefused) as refused:
        unpacked(data, **kw)
    return refused.value


def header(body: list[bytes], **changes: Any) -> JsonObject:
    return {"kind": "header", "format": "chengxin-exchange/1", "sender": ORIGIN,
            "receiver": NATIONAL, "sequence": 1, "created_at": "2026-05-06T03:00:00Z",
            "message_count": len(body),
            "messages_sha256": hashlib.sha256(b"".join(body)).hexdigest(), **changes}  # fmt: skip


def forged(lines: list[bytes]) -> bytes:
    """A package built by hand, signed properly: what a buggy or hostile sender could send."""
    signed = b"".join(lines)
    return gzip.compress(signed + signature_line(SENDER.public_key_raw, SENDER.sign(signed)))


def message_lines() -> list[bytes]:
    return [line_bytes(cast("JsonObject", codec.to_json(message))) for message in MESSAGES]


def test_round_trip_of_every_kind() -> None:
    """R-5.1: what is packed comes back whole and typed, with its header."""
    package = unpacked(packed(sequence=41))
    assert package.messages == tuple(MESSAGES)
    head = package.header
    assert (head.format, head.sender, head.receiver, head.sequence, head.created_at,
            head.message_count) == ("chengxin-exchange/1", ORIGIN, NATIONAL, 41, NOW,
                                    len(MESSAGES))  # fmt: skip
    assert package.digest == hashlib.sha256(b"".join(message_lines())).hexdigest()
    assert unpacked(packed(), key=SENDER.public_key).messages == tuple(MESSAGES)


def test_layout_is_header_messages_signature_and_deterministic() -> None:
    """R-5.1: header first, one canonical line per message, the signature last over every
    byte before it; the same input gives the same bytes, the same messages the same digest."""
    data = packed()
    lines = gzip.decompress(data).split(b"\n")
    assert lines[-1] == b""
    assert lines[1:-2] == [raw.rstrip(b"\n") for raw in message_lines()]
    assert lines[0].startswith(
        b'{"created_at":"2026-05-06T03:00:00Z","format":"chengxin-exchange/1"'
    )
    assert lines[-2].startswith(b'{"algorithm":"Ed25519","key_sha256":"')
    assert packed() == data
    later = packed(at=NOW + dt.timedelta(hours=1))
    assert later != data
    assert unpacked(later).digest == unpacked(data).digest


def test_tampering_with_any_byte_is_refused() -> None:
    """R-5.1: change any byte of the package as sent — only gzip's header metadata carries no
    content —, or any byte of its content and re-compress it: the package is refused; a changed
    value in a message fails the signature."""
    data = packed(MESSAGES[:2])
    original = unpacked(data)
    harmless = []
    for i in range(len(data)):
        tampered = bytearray(data)
        tampered[i] ^= 0x01
        try:
            same = unpacked(bytes(tampered))
        except PackageRefused:
            continue
        assert same == original  # gzip's own metadata changed, not one byte of the package
        harmless.append(i)
    # FLG.FTEXT, MTIME, XFL, OS (RFC 1952 §2.3) never matter. Now and then (about one key in
    # five) one more flip also decodes to the very same bytes — deflate's Huffman tables can
    # spell the same text two ways, and gzip's CRC then agrees — which the assert above proves.
    assert harmless[:7] == [3, 4, 5, 6, 7, 8, 9]
    plain = gzip.decompress(data)
    for i in range(0, len(plain), 7):
        tampered = bytearray(plain)
        tampered[i] ^= 0x02
        with pytest.raises(PackageRefused):
            unpacked(gzip.compress(bytes(tampered)))
    cheaper = plain.replace(b'"fine_amount":"2000.00"', b'"fine_amount":"0200.00"')
    assert refusal(gzip.compress(cheaper)).rule == "signature"


def test_wrong_key_and_forged_signature() -> None:
    """R-5.1: a package verifies with the sender's public key only."""
    data = packed()
    refused = refusal(data, key=OTHER.public_key_raw)
    assert (refused.rule, refused.field) == (
        "signature-key",
        f"line {len(MESSAGES) + 2} $.key_sha256",
    )
    body = message_lines()
    lines = [line_bytes(header(body)), *body]
    signed = b"".join(lines)
    foreign = signature_line(SENDER.public_key_raw, OTHER.sign(signed))  # claims the sender's key
    assert refusal(gzip.compress(signed + foreign)).rule == "signature"
    assert unpacked(forged(lines)).messages == tuple(MESSAGES)


def test_signature_missing_or_not_last() -> None:
    """R-5.1: the last line must be the signature."""
    body = message_lines()
    lines = [line_bytes(header(body)), *body]
    assert refusal(gzip.compress(b"".join(lines))).rule == "signature-missing"
    signed = forged(lines)
    plain = gzip.decompress(signed).split(b"\n")
    moved = b"\n".join([plain[0], plain[-2], *plain[1:-2]]) + b"\n"
    assert refusal(gzip.compress(moved)).rule == "signature-missing"


def test_other_receiver_sender_and_format_version() -> None:
    """R-5.1: a package for another node, from another node than the one that sent it, or of a
    format this node does not read is refused, naming the header field."""
    data = packed()
    refused = refusal(data, receiver="CN-440000")
    assert (refused.rule, refused.field) == ("receiver", "line 1 $.receiver")
    with pytest.raises(PackageRefused) as sent:
        unpack(data, sender="CN-320000", sender_key=SENDER.public_key_raw, receiver=NATIONAL)
    assert (sent.value.rule, sent.value.field) == ("sender", "line 1 $.sender")
    body = message_lines()
    v2 = forged([line_bytes(header(body, format="chengxin-exchange/2")), *body])
    refused = refusal(v2)
    assert (refused.rule, refused.field) == ("format-version", "line 1 $.format")


HEADER_FAULTS = [  # header changes, rule, refusal's field
    ({"message_count": 1}, "message-count", "line 1 $.message_count"),
    ({"messages_sha256": "00" * 32}, "messages-sha256", "line 1 $.messages_sha256"),
    ({"sequence": -1}, "schema:minimum", "line 1 $.sequence"),
    ({"created_at": "2026-05-06 03:00:00"}, "schema:pattern", "line 1 $.created_at"),
    ({"extra": 1}, "schema:additionalProperties", "line 1 $"),
    ({"kind": "record_version"}, "header-first", "line 1 $.kind"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "rule", "field"), HEADER_FAULTS)
def test_header_faults(changes: dict[str, Any], rule: str, field: str) -> None:
    """R-5.1: count and digest must match the message lines; the header its schema."""
    body = message_lines()
    refused = refusal(forged([line_bytes(header(body, **changes)), *body]))
    assert (refused.rule, refused.field) == (rule, field)


def test_message_faults_name_the_line_and_path() -> None:
    """R-5.1: an unknown kind, a schema failure, a bad check character or a repeated message id
    refuses the package, naming the message's line."""
    body = message_lines()
    unknown = line_bytes({"kind": "record_deleted", "id": str(message_id(99))})
    lines = [*body[:2], unknown, *body[2:]]
    refused = refusal(forged([line_bytes(header(lines)), *lines]))
    assert (refused.rule, refused.field) == ("message-kind", "line 4 $.kind")
    wrong = body[0].replace(ID_NUMBER.encode(), b"110105194912310021")
    lines = [body[1], wrong]
    refused = refusal(forged([line_bytes(header(lines)), *lines]))
    assert (refused.rule, refused.field) == (
        "GB 11643 check character",
        "line 3 $.subject.id_number",
    )
    assert "110105194912310021" not in str(refused)
    lines = [body[4], body[4]]
    refused = refusal(forged([line_bytes(header(lines)), *lines]))
    assert (refused.rule, refused.field) == ("unique-message-id", "line 3 $.id")
    lines = [body[4].replace(b'{"at"', b'{ "at"')]
    refused = refusal(forged([line_bytes(header(lines)), *lines]))
    assert (refused.rule, refused.field) == ("canonical-json", "line 2")


FRAME_FAULTS = [  # what is done to the uncompressed package, rule
    (lambda plain: plain[:-1], "line-feed"),
    (lambda plain: plain.replace(b"\n", b"\n\n", 1), "blank-line"),
    (lambda plain: plain.replace(b"\n", b"\r\n", 1), "canonical-json"),
    (lambda plain: plain.split(b"\n")[0] + b"\n" + plain.split(b"\n")[-2] + b"\n", "lines"),
    (lambda plain: b"not json\n" + plain, "json"),
]  # fmt: skip


@pytest.mark.parametrize(("fault", "rule"), FRAME_FAULTS, ids=[r for _, r in FRAME_FAULTS])
def test_malformed_lines(fault: Any, rule: str) -> None:
    """R-5.1: every line ends with LF, none is empty, each is one canonical JSON object."""
    assert refusal(gzip.compress(fault(gzip.decompress(packed())))).rule == rule


def test_not_gzip_corrupt_truncated_or_trailing_bytes() -> None:
    """R-5.1: one gzip member, whole, and nothing after it."""
    data = packed()
    plain = gzip.decompress(data)
    cases = [(plain, "gzip"), (b"", "gzip"), (data[:-12], "gzip"), (data + b"\0", "gzip"),
             (data + gzip.compress(b"x"), "gzip"), (zlib.compress(plain), "gzip")]  # fmt: skip
    for wrong, rule in cases:
        assert refusal(wrong).rule == rule


def bomb(gigabytes: int) -> bytes:
    """A gzip stream that inflates to `gigabytes` GiB of zeros, built in milliseconds: after a
    full flush the compressor starts afresh, so each further MiB compresses to the same bytes."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    mib = b"\0" * (1 << 20)
    first = squeeze.compress(mib) + squeeze.flush(zlib.Z_FULL_FLUSH)
    again = squeeze.compress(mib) + squeeze.flush(zlib.Z_FULL_FLUSH)
    return first + again * (gigabytes * 1024 - 1) + squeeze.flush()


def test_a_gzip_bomb_is_stopped_while_inflating() -> None:
    """R-5.1: 4 GiB packed into 4 MiB is refused at the 64 MiB limit, quickly."""
    data = bomb(4)
    assert len(data) < Limits().max_compressed_bytes
    started = time.perf_counter()
    with pytest.raises(PackageTooLarge) as refused:
        unpacked(data)
    assert refused.value.rule == "max-decompressed-bytes"
    assert refused.value.status == 413
    assert time.perf_counter() - started < 2


def test_size_and_count_limits() -> None:
    """R-5.1: limits on compressed and uncompressed size, line length and message count, each
    refused with its rule on both sides: `pack` refuses to write what `unpack` would refuse."""
    data = packed()
    size = len(gzip.decompress(data))
    small = [
        (Limits(max_compressed_bytes=len(data) - 1), "max-compressed-bytes"),
        (Limits(max_decompressed_bytes=size - 1), "max-decompressed-bytes"),
        (Limits(max_line_bytes=600), "max-line-bytes"),
        (Limits(max_messages=len(MESSAGES) - 1), "max-messages"),
    ]
    for limits, rule in small:
        with pytest.raises(PackageTooLarge) as refused:
            unpacked(data, limits=limits)
        assert refused.value.rule == rule
        with pytest.raises(PackageTooLarge) as refused:
            packed(limits=limits)
        assert refused.value.rule == rule
    assert refusal(data, limits=Limits(max_line_bytes=600)).field.startswith("line ")


def test_pack_refuses_what_a_receiver_would_refuse() -> None:
    """R-5.1: a bug on the sending side stops before it reaches a peer, naming the line."""
    expiry = EXAMPLES["expiry"]
    assert isinstance(expiry, Expiry)
    bad_state = dataclasses.replace(state(), content_hash="00" * 32)
    broken = dataclasses.replace(EXAMPLES["correction"], state=bad_state)  # type: ignore[type-var]
    cases = [
        ([expiry, broken], ORIGIN, "content-hash", "line 3 $.state.content_hash"),
        ([dataclasses.replace(expiry, origin="zj")], ORIGIN, "schema:pattern", "line 2 $.origin"),
        ([expiry], "cn-330000", "schema:pattern", "line 1 $.sender"),
        ([expiry, expiry], ORIGIN, "unique-message-id", "line 3 $.id"),
    ]
    for messages, sender, rule, field in cases:
        with pytest.raises(PackageRefused) as refused:
            pack(messages, sender=sender, receiver=NATIONAL, sequence=1, created_at=NOW,
                 signer=SENDER)  # fmt: skip
        assert (refused.value.rule, refused.value.field) == (rule, field)
    twice = dataclasses.replace(expiry, id=message_id(77))
    assert unpacked(packed([expiry, twice])).messages == (expiry, twice)
