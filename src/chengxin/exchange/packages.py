"""Packages (R-5.1): gzipped JSON Lines — a header line, the messages, a signature line — signed
with the sending node's Ed25519 key, numbered per sender → receiver (docs/exchange-format.md).

`pack` writes one; `unpack` returns the whole package or refuses it with the line, the field and
the rule (`PackageRefused`): nothing is returned in part. Sizes are checked while inflating, so a
gzip bomb stops at the limit, not after."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chengxin.exchange import codec
from chengxin.exchange.canonical import JsonObject, line_bytes, parse_line
from chengxin.exchange.checks import MessageInvalid, check_message
from chengxin.exchange.framing import Signature, signature_line, split_lines
from chengxin.exchange.messages import MESSAGE_TYPES, Message
from chengxin.exchange.refusals import PackageRefused, PackageTooLarge
from chengxin.exchange.validation import FORMAT_V1, SCHEMA_DIRS, check_line

MiB = 1024 * 1024
T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """What a receiver accepts; a sender splits its messages to stay within them."""

    max_compressed_bytes: int = 8 * MiB
    max_decompressed_bytes: int = 64 * MiB
    max_line_bytes: int = 256 * 1024
    max_messages: int = 10_000


@dataclass(frozen=True)
class Header:
    KIND: ClassVar[str] = "header"
    format: str
    sender: str
    receiver: str
    sequence: int
    created_at: dt.datetime
    message_count: int
    messages_sha256: str  # SHA-256 of the message lines, each with its LF: the package's digest


@dataclass(frozen=True)
class Package:
    header: Header
    messages: tuple[Message, ...]

    @property
    def digest(self) -> str:
        """What the sequence rules compare: equal messages give equal digests."""
        return self.header.messages_sha256


class Signer(Protocol):
    """The node's key ring (`chengxin.keys.KeyRing`) or anything that signs like it."""

    @property
    def public_key_raw(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...


def pack(
    messages: Sequence[Message],
    *,
    sender: str,
    receiver: str,
    sequence: int,
    created_at: dt.datetime,
    signer: Signer,
    limits: Limits = Limits(),
) -> bytes:
    """A signed package. Refuses (`PackageRefused`) what the receiver would refuse, naming the
    line, so that a bug here never reaches a peer."""
    if len(messages) > limits.max_messages:
        raise PackageTooLarge(f"more than {limits.max_messages} messages", rule="max-messages")
    body = [_encode(message, line) for line, message in enumerate(messages, start=2)]
    _unique_ids(messages)
    header = Header(FORMAT_V1, sender, receiver, sequence, created_at, len(body),
                    hashlib.sha256(b"".join(body)).hexdigest())  # fmt: skip
    first = _encode(header, 1)
    signed = first + b"".join(body)
    data = signed + signature_line(signer.public_key_raw, signer.sign(signed))
    for line, raw in enumerate(data.split(b"\n")[:-1], start=1):
        if len(raw) > limits.max_line_bytes:
            raise PackageTooLarge(f"longer than {limits.max_line_bytes} bytes",
                                  rule="max-line-bytes", line=line)  # fmt: skip
    if len(data) > limits.max_decompressed_bytes:
        raise PackageTooLarge("too large uncompressed", rule="max-decompressed-bytes")
    packed = gzip.compress(data, compresslevel=6, mtime=0)
    if len(packed) > limits.max_compressed_bytes:
        raise PackageTooLarge("too large compressed", rule="max-compressed-bytes")
    return packed


def _encode(item: Header | Message, line: int) -> bytes:
    value = codec.to_json(item)
    if not isinstance(value, dict):
        raise TypeError(f"{type(item).__name__} is not a message")
    check_line(str(value["kind"]), value, line)
    if isinstance(item, Header):
        return line_bytes(value)
    _checked(item, line)
    try:
        return line_bytes(value)
    except UnicodeEncodeError:
        raise PackageRefused("holds text that is not UTF-8", rule="utf-8", line=line) from None


def unpack(
    data: bytes,
    *,
    sender: str,
    sender_key: Ed25519PublicKey | bytes,
    receiver: str,
    limits: Limits = Limits(),
) -> Package:
    """The package `sender` sent to `receiver`, checked whole: size, gzip, lines, signature by
    `sender_key`, header, count and digest, then every message against its schema."""
    lines, signed = split_lines(_inflate(data, limits), limits)
    first = _first_line(lines[0])  # a package of another format is named as such first
    _verify(Signature.read(lines[-1], len(lines)), _public_key(sender_key), signed)
    header = _header(first, sender=sender, receiver=receiver)
    body = lines[1:-1]
    if len(body) != header.message_count:
        raise PackageRefused(
            f"the header counts {header.message_count} messages, the package holds {len(body)}",
            rule="message-count", line=1, path="$.message_count",
        )  # fmt: skip
    digest = hashlib.sha256(b"".join(raw + b"\n" for raw in body)).hexdigest()
    if digest != header.messages_sha256:
        raise PackageRefused("does not match the message lines", rule="messages-sha256",
                             line=1, path="$.messages_sha256")  # fmt: skip
    messages = tuple(_message(raw, line) for line, raw in enumerate(body, start=2))
    _unique_ids(messages)
    return Package(header, messages)


def _unique_ids(messages: Sequence[Message]) -> None:
    seen: set[object] = set()
    for line, message in enumerate(messages, start=2):
        if message.id in seen:
            raise PackageRefused("repeats an earlier message's id", rule="unique-message-id",
                                 line=line, path="$.id")  # fmt: skip
        seen.add(message.id)


def _inflate(data: bytes, limits: Limits) -> bytes:
    if len(data) > limits.max_compressed_bytes:
        raise PackageTooLarge(f"more than {limits.max_compressed_bytes} bytes compressed",
                              rule="max-compressed-bytes")  # fmt: skip
    if data[:2] != b"\x1f\x8b":
        raise PackageRefused("is not gzip (RFC 1952)", rule="gzip")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing only
    try:
        # max_length stops inflating one byte past the limit: a bomb never unfolds further.
        out = inflater.decompress(data, limits.max_decompressed_bytes + 1)
    except zlib.error:
        raise PackageRefused("is corrupt gzip", rule="gzip") from None
    if len(out) > limits.max_decompressed_bytes:
        raise PackageTooLarge(f"more than {limits.max_decompressed_bytes} bytes uncompressed",
                              rule="max-decompressed-bytes")  # fmt: skip
    if not inflater.eof:
        raise PackageRefused("gzip stream ends early", rule="gzip")
    if inflater.unused_data:
        raise PackageRefused("bytes follow the gzip stream (one member only)", rule="gzip")
    return out


def _public_key(key: Ed25519PublicKey | bytes) -> Ed25519PublicKey:
    return key if isinstance(key, Ed25519PublicKey) else Ed25519PublicKey.from_public_bytes(key)


def _verify(signature: Signature, key: Ed25519PublicKey, signed: bytes) -> None:
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    if signature.key_sha256 != hashlib.sha256(raw).hexdigest():
        raise PackageRefused("signed with another key than the sender's on file",
                             rule="signature-key", line=signature.line,
                             path="$.key_sha256")  # fmt: skip
    try:
        key.verify(signature.value, signed)
    except InvalidSignature:
        raise PackageRefused("does not verify: the package was altered or not signed by the "
                             "sender", rule="signature", line=signature.line,
                             path="$.value") from None  # fmt: skip


def _first_line(raw: bytes) -> JsonObject:
    value = parse_line(raw, 1)
    if value.get("kind") != Header.KIND:
        raise PackageRefused("the first line must be the header", rule="header-first", line=1,
                             path="$.kind")  # fmt: skip
    if value.get("format") not in SCHEMA_DIRS:
        raise PackageRefused(f"unsupported format; this node reads {sorted(SCHEMA_DIRS)}",
                             rule="format-version", line=1, path="$.format")  # fmt: skip
    return value


def _header(value: JsonObject, *, sender: str, receiver: str) -> Header:
    check_line(Header.KIND, value, 1)
    header = _decoded(Header, value, 1)
    if header.sender != sender:
        raise PackageRefused("names another sender than the node that sent it",
                             rule="sender", line=1, path="$.sender")  # fmt: skip
    if header.receiver != receiver:
        raise PackageRefused("is addressed to another node", rule="receiver", line=1,
                             path="$.receiver")  # fmt: skip
    return header


def _message(raw: bytes, line: int) -> Message:
    return decode_message(parse_line(raw, line), line)


def decode_message(value: JsonObject, line: int) -> Message:
    """One message line's JSON as a typed message: kind, schema, then what no schema says."""
    kind = value.get("kind")
    cls = MESSAGE_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise PackageRefused(f"unknown message kind; format 1 knows {sorted(MESSAGE_TYPES)}",
                             rule="message-kind", line=line, path="$.kind")  # fmt: skip
    check_line(cls.KIND, value, line)
    message: Message = _decoded(cls, value, line)
    _checked(message, line)
    return message


def _decoded(cls: type[T], value: JsonObject, line: int) -> T:
    try:
        return codec.from_json(cls, value)
    except codec.DecodeError as exc:
        raise PackageRefused(exc.message, rule=exc.rule, line=line, path=exc.path) from None


def _checked(message: Message, line: int) -> None:
    try:
        check_message(message)
    except MessageInvalid as exc:
        raise PackageRefused(exc.message, rule=exc.rule, line=line, path=exc.path) from None
