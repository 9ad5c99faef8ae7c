"""R-3.3 signed checkpoints: the C2SP formats, checked against golang.org/x/mod's published vectors
and against an independent reading of the signed-note format."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from chengxin.ledger.merkle import leaf_hash
from chengxin.ledger.note import (
    checkpoint_body,
    key_id,
    open_signed_note,
    parse_checkpoint_body,
    sign_body,
    signed_note,
    verify_body,
)

# golang.org/x/mod sumdb/tlog/note_test.go (TestFormatTree, TestParseTree); RecordHash is the
# RFC 6962 leaf hash, so this tree note is a checkpoint body.
GO_TREE = "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"

# golang.org/x/mod sumdb/note/note_test.go (TestSign, TestOpen): keys, text and signatures.
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"


def vkey(text: str) -> tuple[str, bytes, bytes]:
    """(name, key id, raw public key) of a Go verifier key "name+hex id+base64(0x01 ‖ key)"."""
    name, hex_id, encoded = text.split("+", 2)  # base64 may hold "+" too
    raw = base64.b64decode(encoded)
    assert raw[0] == 1  # Ed25519
    return name, bytes.fromhex(hex_id), raw[1:]


def peter_private_key() -> Ed25519PrivateKey:
    raw = base64.b64decode(PETER_SKEY.split("+", 4)[4])  # PRIVATE+KEY+name+id+key
    return Ed25519PrivateKey.from_private_bytes(raw[1:])  # after the algorithm byte: the seed


# --- checkpoint body -----------------------------------------------------------------------------


def test_checkpoint_body_matches_go_tree_note() -> None:
    root = leaf_hash(b"hello world")
    assert checkpoint_body("go.sum database tree", 123456789012, root) == GO_TREE
    assert parse_checkpoint_body(GO_TREE) == ("go.sum database tree", 123456789012, root)
    # Go ignores what follows the third line; C2SP calls those lines extensions.
    assert parse_checkpoint_body(GO_TREE + "JOE\n" * 3)[1] == 123456789012


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
            "decimal",
        ),
        (
            "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n",
            "base64",
        ),
        (GO_TREE + "JOE", "end with a newline"),  # Go tolerates this junk; a strict parser does not
        (GO_TREE[:-1], "end with a newline"),
        ("origin\n5\n", "3 lines|got 2"),
        ("\n5\n" + GO_TREE.split("\n")[2] + "\n", "origin line is empty"),
        ("o\n012\n" + GO_TREE.split("\n")[2] + "\n", "leading zeros"),
        ("o\n-1\n" + GO_TREE.split("\n")[2] + "\n", "decimal"),
        ("o\n1_0\n" + GO_TREE.split("\n")[2] + "\n", "decimal"),
        ("o\n 1\n" + GO_TREE.split("\n")[2] + "\n", "decimal"),
        ("o\n٣\n" + GO_TREE.split("\n")[2] + "\n", "decimal"),
        ("o\n1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0\n", "base64"),  # no padding
        ("o\n1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb1=\n", "canonical"),
        ("o\n1\n" + base64.b64encode(b"x" * 31).decode() + "\n", "32 bytes"),
        (GO_TREE + "\n", "extension lines must not be empty"),
    ],
)
def test_parse_checkpoint_body_is_strict(body: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_checkpoint_body(body)


def test_checkpoint_body_refuses_bad_fields() -> None:
    root = bytes(32)
    assert (
        checkpoint_body("example.org/log", 0, root)
        == "example.org/log\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
    )
    for origin in ["", "two\nlines"]:
        with pytest.raises(ValueError, match="origin"):
            checkpoint_body(origin, 1, root)
    with pytest.raises(ValueError, match="size"):
        checkpoint_body("o", -1, root)
    with pytest.raises(ValueError, match="32 bytes"):
        checkpoint_body("o", 1, root[:31])


# --- signed notes --------------------------------------------------------------------------------


def test_key_ids_match_go_verifier_keys() -> None:
    for text in [PETER_VKEY, ENOCH_VKEY]:
        name, wanted, public = vkey(text)
        assert key_id(name, public) == wanted


def test_signed_note_is_byte_for_byte_go_note_sign() -> None:
    # Ed25519 is deterministic, so the same key and text give Go's exact signature line.
    assert signed_note(TEXT, "PeterNeumann", peter_private_key()) == TEXT + "\n" + PETER_SIG


def test_open_signed_note_reads_go_notes() -> None:
    peter, enoch = vkey(PETER_VKEY), vkey(ENOCH_VKEY)
    both = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert open_signed_note(both, peter[0], peter[2]) == TEXT
    assert open_signed_note(both, enoch[0], enoch[2]) == TEXT  # other keys' lines are skipped
    with pytest.raises(ValueError, match="no signature by key EnochRoot"):
        open_signed_note(TEXT + "\n" + PETER_SIG, enoch[0], enoch[2])
    broken = TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(ValueError, match="invalid signature for key PeterNeumann"):
        open_signed_note(broken, peter[0], peter[2])
    with pytest.raises(ValueError, match="more than 100"):
        open_signed_note(TEXT + "\n" + PETER_SIG * 101, peter[0], peter[2])
    # TestOpen's malformed messages
    for bad in [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT
        + "\n"
        + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
    ]:
        with pytest.raises(ValueError, match=r"malformed|note text|base64"):
            open_signed_note(bad, peter[0], peter[2])


def independent_open(text: str, name: str, public_key_raw: bytes) -> str:
    """The signed-note format read by hand, as a witness written elsewhere would."""
    body, _, signatures = text.rpartition("\n\n")
    for line in signatures.splitlines():
        dash, signer, encoded = line.split(" ")
        blob = base64.b64decode(encoded)
        expected_id = hashlib.sha256(f"{name}\n".encode() + b"\x01" + public_key_raw).digest()[:4]
        if dash == "\u2014" and signer == name and blob[:4] == expected_id:
            Ed25519PublicKey.from_public_bytes(public_key_raw).verify(
                blob[4:], (body + "\n").encode()
            )
            return body + "\n"
    raise AssertionError("no signature by that key")


def test_a_checkpoint_signed_here_verifies_elsewhere() -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    body = checkpoint_body("chengxin.example/ledger", 70, leaf_hash(b"x"))
    note = signed_note(body, "chengxin.example/ledger", key)
    assert independent_open(note, "chengxin.example/ledger", public) == body
    assert open_signed_note(note, "chengxin.example/ledger", public) == body
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    with pytest.raises(ValueError, match="no signature"):
        open_signed_note(note, "chengxin.example/ledger", other)
    tampered = note.replace("\n70\n", "\n71\n")
    with pytest.raises(ValueError, match="invalid signature"):
        open_signed_note(tampered, "chengxin.example/ledger", public)


def test_sign_and_verify_body() -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    body = checkpoint_body("o", 3, bytes(32))
    signature = sign_body(body, key)
    assert len(signature) == 64
    assert verify_body(body, signature, public)
    assert not verify_body(body.replace("3", "4"), signature, public)
    assert not verify_body(body, signature[:-1] + bytes([signature[-1] ^ 1]), public)
    assert not verify_body(body, signature[:10], public)
    assert not verify_body(
        body, signature, Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    )
    with pytest.raises(ValueError, match="32 bytes"):
        verify_body(body, signature, public[:31])


def test_signed_note_refuses_bad_names_and_texts() -> None:
    key = peter_private_key()
    for name in ["", "a+b", "a b", "tab\there"]:
        with pytest.raises(ValueError, match="key name"):
            signed_note(TEXT, name, key)
    for text in ["abc", "", "a\n\nb\n", "\na\n", "a\rb\n"]:
        with pytest.raises(ValueError, match="note text"):
            signed_note(text, "PeterNeumann", key)
