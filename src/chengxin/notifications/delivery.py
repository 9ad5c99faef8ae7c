"""E-mail delivery from the outbox through the operator's SMTP server (standard-library smtplib).

Workers claim due e-mails with a conditional UPDATE (`… WHERE id = :id AND status = :seen AND
attempts = :seen`) and check the row count, so two workers — threads, processes or nodes on one
database — never send the same e-mail twice; PostgreSQL also skips rows another worker has locked.
A claim is a lease: an e-mail whose worker died is claimed again when the lease runs out.

Failed attempts wait 1 min, 5 min, 30 min, 2 h; the fifth failure gives up (`failed`). Logs carry
outbox ids, counts and exception class names — never an address, a text or a server's reply.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
import threading
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from chengxin.errors import ChengxinError
from chengxin.keys import DecryptionError, KeyRing
from chengxin.notifications.models import Notification, OutboxEmail, OutboxStatus
from chengxin.notifications.service import contact_address
from chengxin.runtime import Runtime
from chengxin.settings import Settings

log = logging.getLogger("chengxin.notifications")

RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
LEASE = dt.timedelta(minutes=10)  # longer than a chunk takes: CHUNK sends of SMTP_TIMEOUT each
CHUNK = 20
SMTP_TIMEOUT = 10.0
NO_CONTACT = "NoContact"
INBOX_LINE_ZH = "此通知也已发送到您在平台上的站内信。"
INBOX_LINE_EN = "This notice is also in your inbox on the platform."


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0  # given up in this run
    retried: int = 0  # failed this time, tried again later

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            self.sent + other.sent, self.failed + other.failed, self.retried + other.retried
        )


@dataclass(frozen=True)
class _Claim:
    outbox_id: uuid.UUID
    attempt: int  # the claim's attempt number (attempts after the claim)
    message: EmailMessage | None
    error: str | None = None  # set when there is no message: NoContact, or why it was not built


def retry_delay(attempts: int) -> dt.timedelta | None:
    """How long to wait after `attempts` failed attempts; None: give up. Pure."""
    if attempts < 1:
        raise ValueError("attempts start at 1")
    return RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else None


def build_message(notice: Notification, *, to: str, sender: str, now: dt.datetime) -> EmailMessage:
    """The e-mail for a notice: subject and body in Chinese and English, UTF-8."""
    message = EmailMessage()
    message["Subject"] = f"{notice.title_zh} / {notice.title_en}"
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    body = (
        f"{notice.title_zh}\n\n{notice.body_zh}\n\n{INBOX_LINE_ZH}\n\n"
        f"-- \n\n{notice.title_en}\n\n{notice.body_en}\n\n{INBOX_LINE_EN}\n"
    )
    message.set_content(body, charset="utf-8")
    return message


class _Mailer:
    """One SMTP connection for a run, opened on first use. When the server cannot be reached,
    every later message of the run fails at once with the same error (no connection storm)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._down: str | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        assert s.smtp_host  # noqa: S101  (deliver_pending checks before)
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT)
        try:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> str | None:
        """None when the server took the message, else the exception's class name."""
        if self._down is not None:
            return self._down
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except (OSError, smtplib.SMTPException) as exc:
                self._down = type(exc).__name__
                return self._down
        try:
            self._smtp.send_message(message)
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            self.close()  # start afresh for the next message
            return type(exc).__name__
        return None

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (OSError, smtplib.SMTPException):
            self._smtp.close()
        self._smtp = None


def _claim(
    factory: sessionmaker[Session], keys: KeyRing, settings: Settings, now: dt.datetime, n: int
) -> tuple[list[_Claim], int]:
    """Claim up to n due e-mails and build their messages; also the number of stale leases given
    up (a worker died on the last attempt)."""
    claims: list[_Claim] = []
    abandoned = 0
    with factory() as session, session.begin():
        due = session.execute(
            select(OutboxEmail.id, OutboxEmail.status, OutboxEmail.attempts)
            .where(
                OutboxEmail.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                OutboxEmail.next_attempt_at <= now,
            )
            .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
            .limit(n)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite writers queue instead
        ).all()
        for outbox_id, status, attempts in due:
            seen = update(OutboxEmail).where(
                OutboxEmail.id == outbox_id,
                OutboxEmail.status == status,
                OutboxEmail.attempts == attempts,
            )
            if attempts >= MAX_ATTEMPTS:  # only a stale lease of the last attempt gets here
                done = session.execute(
                    seen.values(status=OutboxStatus.FAILED, last_error="LeaseExpired")
                )
                abandoned += done.rowcount  # type: ignore[attr-defined]
                continue
            claimed = session.execute(
                seen.values(
                    status=OutboxStatus.SENDING, attempts=attempts + 1, next_attempt_at=now + LEASE
                )
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue  # another worker was first
            claims.append(
                _prepare(
                    session,
                    keys=keys,
                    settings=settings,
                    now=now,
                    outbox_id=outbox_id,
                    attempt=attempts + 1,
                )
            )
    return claims, abandoned


def _prepare(
    session: Session,
    *,
    keys: KeyRing,
    settings: Settings,
    now: dt.datetime,
    outbox_id: uuid.UUID,
    attempt: int,
) -> _Claim:
    outbox = session.get_one(OutboxEmail, outbox_id)
    try:
        address = contact_address(session, keys, subject_id=outbox.subject_id)
        if address is None:
            return _Claim(outbox_id, attempt, None, NO_CONTACT)
        notice = session.get_one(Notification, outbox.notification_id)
        message = build_message(notice, to=address, sender=settings.smtp_from, now=now)
    except (DecryptionError, ValueError, TypeError) as exc:  # a key or a setting to fix
        return _Claim(outbox_id, attempt, None, type(exc).__name__)
    return _Claim(outbox_id, attempt, message)


def _record(
    factory: sessionmaker[Session], now: dt.datetime, claim: _Claim, error: str | None
) -> DeliveryReport:
    """Write one attempt's outcome, if the claim still holds (its lease did not run out)."""
    if error is None:
        values: dict[str, object] = {
            "status": OutboxStatus.SENT, "sent_at": now, "last_error": None
        }  # fmt: skip
        outcome = DeliveryReport(sent=1)
    else:
        delay = None if error == NO_CONTACT else retry_delay(claim.attempt)
        if delay is None:
            values = {"status": OutboxStatus.FAILED, "last_error": error}
            outcome = DeliveryReport(failed=1)
        else:
            values = {
                "status": OutboxStatus.PENDING, "next_attempt_at": now + delay,
                "last_error": error,
            }  # fmt: skip
            outcome = DeliveryReport(retried=1)
        log.warning(
            "e-mail not sent",
            extra={"outbox_id": str(claim.outbox_id), "attempt": claim.attempt, "error": error},
        )
    with factory() as session, session.begin():
        done = session.execute(
            update(OutboxEmail)
            .where(
                OutboxEmail.id == claim.outbox_id,
                OutboxEmail.status == OutboxStatus.SENDING,
                OutboxEmail.attempts == claim.attempt,
            )
            .values(values)
        )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        log.warning("e-mail claim lost (lease ran out)", extra={"outbox_id": str(claim.outbox_id)})
        return DeliveryReport()
    return outcome


def _waiting(factory: sessionmaker[Session], now: dt.datetime) -> int:
    with factory() as session:
        return session.scalar(
            select(func.count())
            .select_from(OutboxEmail)
            .where(OutboxEmail.status == OutboxStatus.PENDING, OutboxEmail.next_attempt_at <= now)
        ) or 0  # fmt: skip


def deliver_pending(
    factory: sessionmaker[Session],
    keys: KeyRing,
    settings: Settings,
    now: dt.datetime,
    *,
    limit: int = 100,
) -> DeliveryReport:
    """One delivery run: send up to `limit` due e-mails. Without an SMTP host nothing is sent,
    e-mails stay pending, and one WARNING says so when some are due."""
    if not settings.smtp_host:
        waiting = _waiting(factory, now)
        if waiting:
            log.warning(
                "e-mail delivery is off (CHENGXIN_SMTP_HOST is not set); e-mails wait",
                extra={"waiting": waiting},
            )
        return DeliveryReport()
    report = DeliveryReport()
    mailer = _Mailer(settings)
    taken = 0
    try:
        while taken < limit:
            claims, abandoned = _claim(factory, keys, settings, now, min(CHUNK, limit - taken))
            report += DeliveryReport(failed=abandoned)
            if not claims and not abandoned:
                break
            taken += len(claims) + abandoned
            for claim in claims:
                error = claim.error if claim.message is None else mailer.send(claim.message)
                report += _record(factory, now, claim, error)
    finally:
        mailer.close()
    if report != DeliveryReport():
        log.info(
            "e-mail delivery run",
            extra={"sent": report.sent, "retried": report.retried, "failed": report.failed},
        )
    return report


class DeliveryThread:
    """Delivers e-mails every `notify_seconds` in a thread of the serving process. Several
    processes may run one each: claims keep them apart. Off when no SMTP host is set."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="notifications-delivery", daemon=True
        )

    def start(self) -> None:
        if not self.runtime.settings.smtp_host:
            log.warning(
                "e-mail delivery is off (CHENGXIN_SMTP_HOST is not set); notices reach the inbox"
            )
            return
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=15)

    def deliver_now(self) -> DeliveryReport:
        rt = self.runtime
        return deliver_pending(rt.sessions, rt.keys, rt.settings, rt.clock())

    def _run(self) -> None:
        while not self._stop.wait(self.runtime.settings.notify_seconds):
            try:
                self.deliver_now()
            except (SQLAlchemyError, ChengxinError) as exc:  # keep trying: the database may return
                log.warning("e-mail delivery run failed: %s", type(exc).__name__)
            except Exception as exc:  # noqa: BLE001  (a dead thread would stop all e-mail)
                log.error("e-mail delivery run failed: unexpected %s", type(exc).__name__)
