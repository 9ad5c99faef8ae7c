"""R-4.1 notices: e-mail delivery to a real SMTP server on loopback (aiosmtpd): the message, retries with back-off,
two workers at once, leases, TLS and log-in, and logs that never carry an address."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import ssl
import threading
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.db import make_engine
from chengxin.logs import JsonFormatter
from chengxin.notifications import delivery
from chengxin.notifications.delivery import DeliveryReport, deliver_pending, retry_delay
from chengxin.notifications.models import Contact, OutboxEmail, OutboxStatus
from tests.notifications.conftest import (
    Mailbox,
    SmtpServer,
    World,
    free_port,
    smtp_settings,
)

ADDRESS = "zhang.san@example.com"


def _email(world: World) -> OutboxEmail:
    with world.sessions() as session:
        return session.scalars(select(OutboxEmail)).one()


def test_retry_delays_then_give_up() -> None:
    minutes = [retry_delay(n) for n in range(1, 6)]
    assert minutes == [dt.timedelta(minutes=m) for m in (1, 5, 30, 120)] + [None]
    with pytest.raises(ValueError, match="start at 1"):
        retry_delay(0)


def test_a_notice_arrives_by_email_in_chinese_and_english(
    world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    world.set_contact(world.zhang, ADDRESS)
    notice = world.notify(world.zhang)
    settings = smtp_settings(tmp_path, smtp_server.port)
    report = deliver_pending(world.sessions, world.keys, settings, world.now)
    assert report == DeliveryReport(sent=1)
    (got,) = smtp_server.received
    assert (got.mail_from, got.rcpt_tos) == ("credit@chengxin.example", [ADDRESS])
    message = got.message
    assert message["Subject"] == "异议已受理 / Objection accepted"
    assert (message["From"], message["To"]) == ("credit@chengxin.example", ADDRESS)
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    for text in (notice.body_zh, notice.body_en, "站内信", "inbox on the platform"):
        assert text in body
    raw = message.as_bytes()
    assert b"=?utf-8?" in raw.split(b"\n\n", 1)[0].lower()  # the subject as RFC 2047 words
    email = _email(world)
    assert (email.status, email.attempts, email.sent_at, email.last_error) == (
        OutboxStatus.SENT, 1, world.now, None,
    )  # fmt: skip
    assert deliver_pending(world.sessions, world.keys, settings, world.now) == DeliveryReport()
    assert len(smtp_server.received) == 1


def test_an_unreachable_server_is_retried_with_back_off_then_given_up(
    world: World, tmp_path: Path
) -> None:
    world.set_contact(world.zhang, ADDRESS)
    world.notify(world.zhang)
    settings = smtp_settings(tmp_path, free_port())  # nothing listens there
    at = world.now
    waits = []
    for attempt in range(1, 6):
        early = deliver_pending(world.sessions, world.keys, settings, at - dt.timedelta(seconds=1))
        assert early == DeliveryReport()  # not due yet
        report = deliver_pending(world.sessions, world.keys, settings, at)
        email = _email(world)
        assert (email.attempts, email.last_error) == (attempt, "ConnectionRefusedError")
        if attempt < 5:
            assert report == DeliveryReport(retried=1)
            assert email.status == OutboxStatus.PENDING
            waits.append(email.next_attempt_at - at)
            at = email.next_attempt_at
        else:
            assert report == DeliveryReport(failed=1)
            assert email.status == OutboxStatus.FAILED
    assert waits == [dt.timedelta(minutes=m) for m in (1, 5, 30, 120)]
    later = at + dt.timedelta(days=1)
    assert deliver_pending(world.sessions, world.keys, settings, later) == DeliveryReport()


def test_without_an_smtp_host_emails_wait_and_one_warning_says_so(
    world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world.set_contact(world.zhang, ADDRESS)
    world.notify(world.zhang)
    world.notify(world.zhang)
    settings = smtp_settings(tmp_path, None)
    with caplog.at_level(logging.INFO, logger="chengxin"):
        assert deliver_pending(world.sessions, world.keys, settings, world.now) == DeliveryReport()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "CHENGXIN_SMTP_HOST" in warnings[0].getMessage()
    assert warnings[0].__dict__["waiting"] == 2
    with world.sessions() as session:
        rows = session.scalars(select(OutboxEmail)).all()
    assert {(r.status, r.attempts) for r in rows} == {(OutboxStatus.PENDING, 0)}


def test_an_address_removed_before_sending_gives_the_email_up(
    world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    world.set_contact(world.zhang, ADDRESS)
    world.notify(world.zhang)
    with world.sessions() as session, session.begin():  # as if removed while being claimed
        session.execute(delete(Contact))
    settings = smtp_settings(tmp_path, smtp_server.port)
    assert deliver_pending(world.sessions, world.keys, settings, world.now) == DeliveryReport(
        failed=1
    )
    assert (_email(world).status, _email(world).last_error) == (OutboxStatus.FAILED, "NoContact")
    assert smtp_server.received == []


def test_logs_of_delivery_carry_no_address_and_no_text(
    world: World, smtp_server: SmtpServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world.set_contact(world.zhang, ADDRESS)
    world.set_contact(world.li, "li.si@example.org")
    notice = world.notify(world.zhang)
    world.notify(world.li)
    down = smtp_settings(tmp_path, free_port())
    up = smtp_settings(tmp_path, smtp_server.port)
    with caplog.at_level(logging.DEBUG):
        assert deliver_pending(world.sessions, world.keys, down, world.now).retried == 2
        later = world.now + dt.timedelta(minutes=1)
        assert deliver_pending(world.sessions, world.keys, up, later).sent == 2
    ours = [r for r in caplog.records if not r.name.startswith("mail")]  # aiosmtpd is the server
    assert ours, "delivery logs what it does"
    formatter = JsonFormatter()
    lines = "\n".join(formatter.format(r) for r in ours)
    assert "outbox_id" in lines
    assert "ConnectionRefusedError" in lines
    for secret in (ADDRESS, "li.si@example.org", "example.org", "example.com", notice.body_zh,
                   notice.body_en, notice.title_zh):  # fmt: skip
        assert secret not in lines
        assert all(secret not in str(vars(r)) for r in ours)
    for record in ours:
        assert json.loads(formatter.format(record))  # still one JSON object a line


def _second_factory(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    url = factory.kw["bind"].url.render_as_string(hide_password=False)
    return sessionmaker(make_engine(url), expire_on_commit=False)


def test_two_workers_at_once_send_each_email_exactly_once(
    committed_world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    world = committed_world
    world.set_contact(world.zhang, ADDRESS)
    world.set_contact(world.li, "li.si@example.org")
    count = 45
    for i in range(count):
        world.notify(world.zhang if i % 2 else world.li, body_en=f"Notice number {i}.")
    settings = smtp_settings(tmp_path, smtp_server.port)
    factories = [world.sessions, _second_factory(world.sessions)]
    start = threading.Barrier(len(factories))
    reports: list[DeliveryReport] = []
    errors: list[BaseException] = []

    def work(factory: sessionmaker[Session]) -> None:
        try:
            start.wait()
            total = DeliveryReport()
            for _ in range(3):  # several runs each, interleaving
                total += deliver_pending(factory, world.keys, settings, world.now, limit=10)
            reports.append(total)
        except BaseException as exc:  # noqa: BLE001  (reported by the main thread)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f,)) for f in factories]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    factories[1].kw["bind"].dispose()
    assert errors == []
    assert deliver_pending(world.sessions, world.keys, settings, world.now) == DeliveryReport()
    assert sum(r.sent for r in reports) == count  # 3 runs of 10 each: both workers took some
    assert all(r.sent >= count - 30 for r in reports)
    bodies = [got.message.get_content() for got in smtp_server.received]
    assert len(bodies) == count
    numbers = sorted(int(body.split("Notice number ")[1].split(".")[0]) for body in bodies)
    assert numbers == list(range(count))
    with world.sessions() as session:
        rows = session.scalars(select(OutboxEmail)).all()
    assert {(r.status, r.attempts) for r in rows} == {(OutboxStatus.SENT, 1)}


def test_a_dead_workers_claim_is_taken_over_when_its_lease_runs_out(
    world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    world.set_contact(world.zhang, ADDRESS)
    world.notify(world.zhang)
    settings = smtp_settings(tmp_path, smtp_server.port)
    claims, _ = delivery._claim(world.sessions, world.keys, settings, world.now, 10)
    assert len(claims) == 1  # … and then this worker dies before sending
    assert deliver_pending(world.sessions, world.keys, settings, world.now) == DeliveryReport()
    later = world.now + delivery.LEASE
    assert deliver_pending(world.sessions, world.keys, settings, later) == DeliveryReport(sent=1)
    assert (_email(world).status, _email(world).attempts) == (OutboxStatus.SENT, 2)
    # The first worker wakes up: its claim no longer holds, nothing is overwritten.
    assert delivery._record(world.sessions, later, claims[0], None) == DeliveryReport()
    assert len(smtp_server.received) == 1


def test_a_lease_running_out_on_the_last_attempt_gives_up(world: World, tmp_path: Path) -> None:
    world.set_contact(world.zhang, ADDRESS)
    world.notify(world.zhang)
    settings = smtp_settings(tmp_path, free_port())
    at = world.now
    for _ in range(4):
        deliver_pending(world.sessions, world.keys, settings, at)
        at = _email(world).next_attempt_at
    claims, _ = delivery._claim(world.sessions, world.keys, settings, at, 10)
    assert claims[0].attempt == 5  # the last attempt's worker dies
    report = deliver_pending(world.sessions, world.keys, settings, at + delivery.LEASE)
    assert report == DeliveryReport(failed=1)
    assert (_email(world).status, _email(world).last_error) == (OutboxStatus.FAILED, "LeaseExpired")


# --- log-in and STARTTLS ------------------------------------------------------------------------


class _Authenticator:
    def __init__(self) -> None:
        self.seen: list[tuple[bytes, bytes]] = []

    def __call__(self, _server: Any, _session: Any, _envelope: Any, _mechanism: str,
                 auth_data: Any) -> AuthResult:  # fmt: skip
        self.seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret pass", handled=False)


def test_log_in_with_a_password_read_from_a_file(world: World, tmp_path: Path) -> None:
    authenticator = _Authenticator()
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, auth_require_tls=False,
                            authenticator=authenticator)  # fmt: skip
    controller.start()
    try:
        world.set_contact(world.zhang, ADDRESS)
        world.notify(world.zhang)
        wrong = tmp_path / "wrong"
        wrong.write_text("not it\n")
        bad = smtp_settings(tmp_path, port, CHENGXIN_SMTP_USERNAME="chengxin",
                            CHENGXIN_SMTP_PASSWORD_FILE=str(wrong))  # fmt: skip
        assert deliver_pending(world.sessions, world.keys, bad, world.now).retried == 1
        assert _email(world).last_error == "SMTPAuthenticationError"
        secret = tmp_path / "smtp-password"
        secret.write_text("s3cret pass\n")
        good = smtp_settings(tmp_path, port, CHENGXIN_SMTP_USERNAME="chengxin",
                             CHENGXIN_SMTP_PASSWORD_FILE=str(secret))  # fmt: skip
        later = world.now + dt.timedelta(minutes=1)
        assert deliver_pending(world.sessions, world.keys, good, later).sent == 1
    finally:
        controller.stop()
    assert authenticator.seen[-1] == (b"chengxin", b"s3cret pass")
    assert len(mailbox.received) == 1


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it: (ca.pem, cert.pem, key.pem)."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    end = start + dt.timedelta(days=30)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return paths


def test_starttls_sends_only_to_a_server_whose_certificate_is_trusted(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca, cert, key = _certificates(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, tls_context=server_tls,
                            require_starttls=True)  # fmt: skip
    controller.start()
    try:
        world.set_contact(world.zhang, ADDRESS)
        world.notify(world.zhang)
        plain = smtp_settings(tmp_path, port)
        assert deliver_pending(world.sessions, world.keys, plain, world.now).retried == 1
        assert mailbox.received == []  # the server wants STARTTLS first
        settings = smtp_settings(tmp_path, port, CHENGXIN_SMTP_STARTTLS="true")
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "nothing.pem"))
        at = world.now + dt.timedelta(minutes=1)
        assert deliver_pending(world.sessions, world.keys, settings, at).retried == 1
        assert _email(world).last_error == "SSLCertVerificationError"
        monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # now the node trusts the server's CA
        at = world.now + dt.timedelta(minutes=6)
        assert deliver_pending(world.sessions, world.keys, settings, at).sent == 1
    finally:
        controller.stop()
    assert len(mailbox.received) == 1
