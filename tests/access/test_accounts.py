"""People's accounts (R-3.1): sign-up bound to the person, argon2 passwords, throttled log-in,
session cookies with CSRF protection, rate limits; and the `chengxin accounts` commands."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from chengxin.access.models import Account, LoginAttempt
from chengxin.cli import main
from tests.platform import ALICE, BOB, PASSWORD, Platform, platform


def sign_up(node: Platform, **body: str) -> object:
    fields = {"id_number": BOB, "name": "张二", "username": "bob", "password": PASSWORD, **body}
    return node.call("POST", "/api/v1/auth/signup", json=fields)


def log_in(node: Platform, username: str, password: str = PASSWORD) -> object:
    node.client.cookies.clear()
    return node.client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_r3_1_a_citizen_signs_up_bound_to_their_subject(node: Platform) -> None:
    answer = sign_up(node)
    assert answer.status_code == 201, answer.text  # type: ignore[attr-defined]
    bob = node.subject(BOB)
    with node.rt.sessions() as session:
        account = session.scalars(select(Account).where(Account.username == "bob")).one()
        assert account.subject_id == bob
        assert account.password_hash.startswith("$argon2id$")
        assert PASSWORD not in account.password_hash
    logged = log_in(node, "bob")
    assert logged.status_code == 200  # type: ignore[attr-defined]
    node.cookies["bob"] = logged.cookies["chengxin_session"]  # type: ignore[attr-defined]
    node.csrf["bob"] = logged.json()["csrf_token"]  # type: ignore[attr-defined]
    me = node.call("GET", "/api/v1/me", "bob").json()
    assert me["role"] == "citizen"
    assert me["subject_id"] == str(node.subject(BOB))
    records = node.call("GET", "/api/v1/me/records", "bob").json()["records"]
    assert [r["item"] for r in records] == ["PENALTY-TAX"]


@pytest.mark.parametrize(
    ("body", "status", "field", "rule"),
    [
        ({"name": "李四"}, 422, "name", "match"),  # not the registered name
        ({"id_number": BOB[:17] + ("1" if BOB[17] == "0" else "0")}, 422, "id_number", None),
        ({"password": "short"}, 422, "password", "length"),
        ({"password": "aaaaaaaaaaaa"}, 422, "password", "strength"),
        ({"username": "Bad Name!"}, 422, "username", "format"),
        ({"username": "alice"}, 409, "username", "unique"),
        ({"id_number": ALICE, "name": "张一", "username": "alice2"}, 409, "id_number", "unique"),
        ({"password": "x" * 129}, 422, "password", None),
        ({"name": "张" * 65}, 422, "name", None),
    ],
)
def test_r3_1_sign_up_refusals_name_the_field_and_create_nothing(
    sqlite_node: Platform, body: dict[str, str], status: int, field: str, rule: str | None
) -> None:
    answer = sign_up(sqlite_node, **body)
    assert answer.status_code == status  # type: ignore[attr-defined]
    problem = answer.json()  # type: ignore[attr-defined]
    assert problem["field"] == field
    if rule:
        assert problem["rule"] == rule
    with sqlite_node.rt.sessions() as session:
        assert session.scalar(select(Account).where(Account.username == "bob")) is None
        assert session.scalar(select(Account).where(Account.username == "alice2")) is None


def test_r3_1_sign_up_of_a_person_not_yet_known_registers_them(sqlite_node: Platform) -> None:
    from tests.queries.test_door import stranger  # noqa: PLC0415

    answer = sign_up(sqlite_node, id_number=stranger(7), name="王五", username="wangwu")
    assert answer.status_code == 201
    assert sqlite_node.subject(stranger(7)) is not None


def test_r3_6_log_in_is_throttled_after_five_failures(node: Platform) -> None:
    for _ in range(5):
        assert log_in(node, "alice", "wrong password!").status_code == 401  # type: ignore[attr-defined]
    blocked = log_in(node, "alice")  # even the right password waits now
    assert blocked.status_code == 429  # type: ignore[attr-defined]
    assert blocked.json()["rule"] == "login-throttle"  # type: ignore[attr-defined]
    assert int(blocked.headers["Retry-After"]) > 0  # type: ignore[attr-defined]
    with node.rt.sessions() as session:
        attempts = session.scalars(select(LoginAttempt)).all()
        assert all("alice" not in a.username_key for a in attempts)  # a keyed hash, not the name
    node.clock.now += dt.timedelta(minutes=16)
    assert log_in(node, "alice").status_code == 200  # type: ignore[attr-defined]


def test_r3_6_unknown_users_and_disabled_accounts_get_the_same_answer(
    sqlite_node: Platform,
) -> None:
    node = sqlite_node
    nobody = log_in(node, "nobody", "wrong password!")
    assert nobody.status_code == 401  # type: ignore[attr-defined]
    with node.rt.sessions() as session, session.begin():
        from chengxin.access.accounts import disable_account  # noqa: PLC0415

        disable_account(session, node.clock(), "alice", actor="test")
    refused = log_in(node, "alice")
    assert refused.json()["detail"] == nobody.json()["detail"]  # type: ignore[attr-defined]
    assert node.call("GET", "/api/v1/me", "alice").status_code == 401  # her session ended


def test_r3_6_session_cookies_are_secure_httponly_strict_and_host_only(tmp_path: Path) -> None:
    with platform(tmp_path, "sqlite", CHENGXIN_COOKIE_SECURE="true") as node:
        node.client.base_url = "https://testserver"  # type: ignore[assignment]
        answer = node.client.post(
            "/api/v1/auth/login", json={"username": "alice", "password": PASSWORD}
        )
        assert answer.status_code == 200
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("__Host-chengxin_session=")
        for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
            assert flag.lower() in cookie.lower()
        assert "domain" not in cookie.lower()


def test_r3_6_a_session_write_without_the_csrf_token_is_refused(node: Platform) -> None:
    consent = {"requester": "BANK-A", "purpose": "loan_approval", "valid_until": "2027-01-31"}
    node.client.cookies.set("chengxin_session", node.cookies["alice"])
    try:
        forged = node.client.post("/api/v1/me/consents", json=consent)
        wrong = node.client.post(
            "/api/v1/me/consents", json=consent, headers={"X-CSRF-Token": "guess"}
        )
    finally:
        node.client.cookies.clear()
    assert forged.status_code == 403
    assert forged.json()["rule"] == "csrf"
    assert wrong.status_code == 403
    assert node.call("GET", "/api/v1/me/consents", "alice").json() == []  # nothing was granted
    assert node.call("POST", "/api/v1/me/consents", "alice", json=consent).status_code == 201


def test_r3_1_log_out_ends_the_session(sqlite_node: Platform) -> None:
    node = sqlite_node
    assert node.call("POST", "/api/v1/auth/logout", "alice").status_code == 204
    assert node.call("GET", "/api/v1/me", "alice").status_code == 401


def test_r3_6_rate_limit_per_key_and_per_account(tmp_path: Path) -> None:
    with platform(tmp_path, "sqlite", CHENGXIN_RATE_LIMIT_PER_MINUTE="10") as node:
        answers = [node.call("GET", "/api/v1/me", "BANK-A").status_code for _ in range(11)]
        assert answers == [200] * 10 + [429]
        assert node.call("GET", "/api/v1/me", "BANK-B").status_code == 200  # its own budget
        limited = node.call("GET", "/api/v1/me", "BANK-A")
        assert limited.json()["rule"] == "rate-limit"
        assert int(limited.headers["Retry-After"]) >= 1


def test_r3_1_accounts_cli_creates_lists_and_disables(
    sqlite_node: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    node = sqlite_node
    for key, value in {
        "CHENGXIN_DATA_DIR": str(node.tmp),
        "CHENGXIN_COOKIE_SECURE": "false",
    }.items():
        monkeypatch.setenv(key, value)
    secret = tmp_path / "pw.txt"
    secret.write_text(PASSWORD + "\n", "utf-8")
    assert (
        main(["accounts", "add", "ops2", "--role", "operator", "--password-file", str(secret)]) == 0
    )
    assert main(["accounts", "add", "clerk2", "--role", "requester", "--requester", "BANK-A",
                 "--password-file", str(secret)]) == 0  # fmt: skip
    capsys.readouterr()
    cases = [
        (["accounts", "add", "xx1", "--role", "citizen", "--password-file", str(secret)],
         "subject"),
        (["accounts", "add", "xx2", "--role", "department", "--requester", "BANK-A",
          "--password-file", str(secret)], "role"),
        (["accounts", "add", "xx3", "--role", "operator", "--password-file",
          str(tmp_path / "missing")], "password_file"),
        (["accounts", "add", "xx4", "--role", "operator", "--id-number", "123",
          "--password-file", str(secret)], "id_number"),
        (["accounts", "add", "xx5", "--role", "source", "--password-file", str(secret)], "role"),
        (["accounts", "disable", "nobody"], "username"),
    ]  # fmt: skip
    for argv, field in cases:
        assert main(argv) == 2, argv
        assert f"error: {field}:" in capsys.readouterr().err
    big = tmp_path / "big.txt"
    big.write_text("y" * 10_000, "utf-8")
    assert main(["accounts", "add", "xx6", "--role", "operator", "--password-file", str(big)]) == 2
    assert "password_file" in capsys.readouterr().err
    assert main(["accounts", "disable", "clerk2"]) == 0
    assert "account disabled: clerk2" in capsys.readouterr().out
    assert main(["accounts", "list", "--json"]) == 0
    listed = {a["username"]: a for a in json.loads(capsys.readouterr().out)}
    assert listed["clerk2"]["disabled"] is True
    assert listed["ops2"]["role"] == "operator"
    assert not any(name.startswith("x") for name in listed)


def test_r3_1_logging_in_again_with_an_old_cookie_works(sqlite_node: Platform) -> None:
    node = sqlite_node
    old = node.cookies["alice"]
    assert node.call("POST", "/api/v1/auth/logout", "alice").status_code == 204
    node.client.cookies.set(node.cookie_name, old)  # the browser still sends the ended cookie
    try:
        again = node.client.post(
            "/api/v1/auth/login", json={"username": "alice", "password": PASSWORD}
        )
    finally:
        node.client.cookies.clear()
    assert again.status_code == 200, again.text


def test_r3_6_the_stand_in_hash_for_unknown_users_costs_what_a_real_one_does() -> None:
    """An unknown username is checked against a written-out hash; it must carry the hasher's
    current parameters, or a log-in would tell whether the name exists by its speed."""
    from argon2 import PasswordHasher  # noqa: PLC0415

    from chengxin.access.passwords import DUMMY, hash_password  # noqa: PLC0415

    real = hash_password(PASSWORD)
    assert DUMMY.split("$")[:4] == real.split("$")[:4]  # algorithm, version, m/t/p
    assert not PasswordHasher().check_needs_rehash(DUMMY)
