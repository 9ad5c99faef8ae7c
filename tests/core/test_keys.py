"""Key file, AES-GCM sealing, blind index and rotation (R-1.4, R-3.6)."""

from __future__ import annotations

import datetime as dt
import json
import stat
import uuid
from pathlib import Path

import pytest

from chengxin.errors import ConfigError
from chengxin.keys import (
    DecryptionError,
    create_key_file,
    load_key_file,
    new_key_ring,
    parse_key_ring,
    save_key_file,
)
from chengxin.sealed import seal, unseal

NOW = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)


def test_init_creates_a_0600_file_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "keys.json"
    ring = create_key_file(path, NOW)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="refusing to overwrite"):
        create_key_file(path, NOW)
    assert path.read_bytes() == before
    assert load_key_file(path) == ring


def test_a_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    create_key_file(path, NOW)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_key_file(path)


def test_missing_key_file_says_to_run_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="chengxin init"):
        load_key_file(tmp_path / "absent.json")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.update(format="other"), "format"),
        (lambda b: b.update(data_keys=[]), "data_keys"),
        (lambda b: b["data_keys"][0].update(key="not base64!"), "data_keys[0].key"),
        (lambda b: b["data_keys"][0].update(key="AAAA"), "data_keys[0].key"),
        (lambda b: b["data_keys"].append(dict(b["data_keys"][0])), "data_keys"),
        (lambda b: b.update(blind_index_key="AAAA"), "blind_index_key"),
        (lambda b: b.pop("signing_key"), "signing_key"),
    ],
)
def test_a_damaged_key_file_names_the_field(mutate: object, field: str) -> None:
    body = json.loads(new_key_ring(NOW).to_json())
    mutate(body)  # type: ignore[operator]
    with pytest.raises(ConfigError) as info:
        parse_key_ring(json.dumps(body))
    assert info.value.field == field


def test_key_file_that_is_not_json_is_refused() -> None:
    with pytest.raises(ConfigError, match="not JSON"):
        parse_key_ring("{nope")


def test_r1_4_round_trip_and_refusal_on_associated_data_mismatch() -> None:
    ring = new_key_ring(NOW)
    row = uuid.uuid4()
    token = seal(ring, "persons", "name_enc", row, "欧阳娜娜")
    assert "欧阳娜娜".encode() not in token
    assert unseal(ring, "persons", "name_enc", row, token) == "欧阳娜娜"
    with pytest.raises(DecryptionError):
        unseal(ring, "persons", "name_enc", uuid.uuid4(), token)  # moved to another row
    with pytest.raises(DecryptionError):
        unseal(ring, "persons", "id_number_enc", row, token)  # moved to another column
    tampered = token[:-1] + bytes([token[-1] ^ 1])
    with pytest.raises(DecryptionError):
        unseal(ring, "persons", "name_enc", row, tampered)
    with pytest.raises(DecryptionError, match="malformed"):
        unseal(ring, "persons", "name_enc", row, b"\x01\x00")


def test_sealing_twice_gives_different_ciphertexts() -> None:
    ring = new_key_ring(NOW)
    row = uuid.uuid4()
    assert seal(ring, "t", "c", row, "x") != seal(ring, "t", "c", row, "x")


def test_r1_4_blind_index_is_stable_keyed_and_domain_separated(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    ring = create_key_file(path, NOW)
    again = load_key_file(path)
    value = "11010519491231002X"
    assert ring.blind_index("person-id", value) == again.blind_index("person-id", value)
    assert ring.blind_index("person-id", value) != ring.blind_index("org-uscc", value)
    assert ring.blind_index("person-id", value) != new_key_ring(NOW).blind_index("person-id", value)
    assert value not in ring.blind_index("person-id", value)


def test_rotation_keeps_old_ciphertexts_readable(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    ring = create_key_file(path, NOW)
    row = uuid.uuid4()
    old = seal(ring, "persons", "name_enc", row, "张三")
    rotated = ring.with_new_data_key(NOW)
    save_key_file(path, rotated)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_key_file(path)
    assert loaded.current_version == 2
    assert unseal(loaded, "persons", "name_enc", row, old) == "张三"
    new = seal(loaded, "persons", "name_enc", row, "张三")
    assert loaded.token_version(new) == 2
    assert loaded.token_version(old) == 1
    assert loaded.blind_index("d", "v") == ring.blind_index("d", "v")
    assert loaded.public_key_b64 == ring.public_key_b64


def test_signatures_verify_with_the_public_key() -> None:
    ring = new_key_ring(NOW)
    signature = ring.sign(b"checkpoint")
    ring.public_key.verify(signature, b"checkpoint")  # raises if invalid
