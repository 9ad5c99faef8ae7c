"""The console's ledger page (存证账本, R-3.3): the log's size, the latest signed checkpoint with
its signature checked, the node's public key and its fingerprint, and "verify": the check of
`chengxin ledger verify`, bounded for a page — a log of up to `VERIFY_ENTRIES` entries is
verified whole; a longer one from a signed checkpoint about that many entries back (its
signature and the stored tree that gives its root, then every entry, node and checkpoint after
it), and the page says which entries were read. One verification runs at a time per process."""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.ledger import note, service
from chengxin.ledger.models import LedgerCheckpoint
from chengxin.ledger.verify import VerifyReport, read_snapshot, tail_start, verify_ledger
from chengxin.web.console_times import beijing
from chengxin.web.pages import GuardedPage, PageRequest

router = APIRouter(include_in_schema=False)
Staff = Annotated[Principal, allowed(Permission.CONSOLE_READ)]
VERIFY_ENTRIES = 100_000  # about 1 to 2 s on two cores; `chengxin ledger verify` reads them all
_running = threading.Lock()


@dataclass(frozen=True)
class Checkpoint:
    tree_size: int
    root_hash: str
    at: str
    signature_ok: bool  # the node's key signed the note, and the note says this size and root


@dataclass(frozen=True)
class Verified:
    report: VerifyReport
    head: int  # the log's size in the snapshot that was verified
    seconds: float


def checkpoint_status(row: LedgerCheckpoint, public_key: bytes, origin: str) -> Checkpoint:
    try:
        signature = base64.b64decode(row.signature, validate=True)
        signed = note.verify_body(row.note, signature, public_key)
        stated = (origin, row.tree_size, bytes.fromhex(row.root_hash))
        agrees = note.parse_checkpoint_body(row.note) == stated
    except (binascii.Error, ValueError):  # an altered row: not base64, not hex, not a note
        signed = agrees = False
    return Checkpoint(row.tree_size, row.root_hash, beijing(row.timestamp), signed and agrees)


def fingerprint(public_key: bytes) -> str:
    """SHA-256 of the raw 32-byte key, in hex groups of four to read aloud and compare."""
    digest = hashlib.sha256(public_key).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def _page(
    page: PageRequest, *, status: int = 200, verified: Verified | None = None, busy: bool = False
) -> HTMLResponse:
    rt = page.runtime
    with rt.reads() as session:
        size = service.size(session)
        row = service.latest_checkpoint(session)
        origin = rt.settings.ledger_origin
        latest = checkpoint_status(row, rt.keys.public_key_raw, origin) if row else None
    return page.render(
        "console_ledger.html", status=status, size=size, latest=latest, verified=verified,
        busy=busy, origin=origin, public_key=rt.keys.public_key_b64,
        fingerprint=fingerprint(rt.keys.public_key_raw), bound=VERIFY_ENTRIES,
    )  # fmt: skip


@router.get("/console/ledger", response_class=HTMLResponse)
def ledger(page: GuardedPage, _staff: Staff) -> HTMLResponse:
    return _page(page)


@router.post("/console/ledger/verify", response_class=HTMLResponse)
def verify(page: GuardedPage, _staff: Staff) -> HTMLResponse:
    if not _running.acquire(blocking=False):
        return _page(page, status=429, busy=True)
    rt = page.runtime
    try:
        started = time.perf_counter()
        with read_snapshot(rt.settings.resolved_database_url) as session:
            start = tail_start(session, VERIFY_ENTRIES)
            report = verify_ledger(session, rt.keys, origin=rt.settings.ledger_origin, start=start)
            head = service.size(session)
        verified = Verified(report, head, round(time.perf_counter() - started, 2))
    finally:
        _running.release()
    return _page(page, verified=verified)
