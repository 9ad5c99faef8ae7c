"""Issue H, done when: three real processes on loopback — regions A (CN-110000) and B (CN-440300)
on SQLite, the national node on PostgreSQL — share upward, answer a cross-region query (互查)
from either region, carry a repair in A to the national node and to B within the deadline with
acks, survive the national node being killed in the middle of a sync with nothing lost or
doubled, and refuse a tampered package (R-4.4, R-5.1, R-5.2).

The regions are whole test nodes (tests/platform.py: people, sources, accounts) whose data
folders are also served by `chengxin serve`; the national node is set up by its CLI only. Jobs
run by their CLI commands, one step at a time, so that each step can be checked."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from chengxin.exchange import signing
from chengxin.exchange.client import NodeClient
from chengxin.exchange.models import InboxPackage, NationalPush, OutboxPackage, PeerNode
from chengxin.exchange.nodes import get_peer
from chengxin.exchange.outbox import build_packages
from chengxin.exchange.outbox_delivery import deliver
from chengxin.exchange.packages import pack
from chengxin.records.models import ChangeEvent, Record, RecordStatus
from chengxin.runtime import Runtime
from tests.collection.conftest import penalty_row
from tests.conftest import fresh_pg_database
from tests.disputes.test_flow import PDF
from tests.exchange.examples import EXAMPLES
from tests.exchange.test_peers_processes import Served, _healthy, serving
from tests.platform import ALICE, Platform, platform

NATIONAL = "CN-NATIONAL"
EXTRA = 24  # more records in A, sent in small packages for the kill test


def _wall() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Region(Served):
    """A region: a whole test node whose data folder a `chengxin serve` process also serves."""

    def __init__(self, tmp: Path, region: str) -> None:
        super().__init__(tmp, region)
        self.env["CHENGXIN_COOKIE_SECURE"] = "false"

    @contextmanager
    def node(self) -> Iterator[Platform]:
        env = {k: v for k, v in self.env.items() if k.startswith("CHENGXIN_")
               and k != "CHENGXIN_DATA_DIR"}  # fmt: skip
        with platform(self.data, "sqlite", **env) as p:
            p.clock.now = _wall()  # signed requests to served nodes carry the real time
            for user in ("alice", "dept.clerk", "the.reviewer"):  # sessions of the new time
                p.login(user)
            yield p


def _self(node: Served) -> dict[str, Any]:
    return dict(json.loads(node.cli("nodes", "self", "--json")))


def _introduce(node: Served, other: dict[str, Any]) -> None:
    node.cli("nodes", "add", other["code"], "--role", other["role"], "--region",
             other["region"], "--url", other["url"], "--public-key", other["public_key"])  # fmt: skip


def _copies(rt: Runtime, origin: str) -> dict[str, tuple[int, RecordStatus]]:
    with rt.sessions() as session:
        rows = session.execute(
            select(Record.id, Record.version, Record.status).where(Record.origin == origin)
        ).all()
    return {str(i): (v, s) for i, v, s in rows}


def _own(rt: Runtime) -> dict[str, tuple[int, RecordStatus]]:
    with rt.sessions() as session:
        rows = session.execute(
            select(Record.id, Record.version, Record.status).where(Record.origin.is_(None))
        ).all()
    return {str(i): (v, s) for i, v, s in rows}


def _query(p: Platform) -> dict[str, Any]:
    """A department's query about Alice on a legal basis (依法履职)."""
    p.clock.now = _wall()
    answer = p.call("POST", "/api/v1/queries", "dept.clerk", json={
        "id_number": ALICE, "purpose": "administrative_duty",
        "legal_basis": "《公务员录用规定》第十八条"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _repair(p: Platform, record_id: str) -> None:
    """Alice's credit repair (信用修复) of her tax penalty at A, through the API, approved."""
    p.clock.now = _wall()
    form = {"record_id": record_id, "evidence": "performed_after",
            "statement": "已于2026年6月足额补缴税款及滞纳金",
            "commitment": "本人承诺今后依法诚信纳税，如有违反愿承担相应责任"}  # fmt: skip
    applied = p.call("POST", "/api/v1/me/repairs", "alice", data=form,
                     files=[("files", ("完税证明.pdf", io.BytesIO(PDF), "application/pdf"))])  # fmt: skip
    assert applied.status_code == 201, applied.text
    case = applied.json()["id"]
    assert p.call("POST", f"/api/v1/repairs/{case}/forward", "the.reviewer").status_code == 200
    approved = p.call("POST", f"/api/v1/repairs/{case}/decide", "TAX-BJ", json={
        "decision": "approve", "reason": "已纠正失信行为并履行义务，准予修复"})  # fmt: skip
    assert approved.status_code == 200, approved.text


@pytest.mark.slow
@pytest.mark.postgres
def test_h_three_nodes_share_query_repair_recover_and_refuse(tmp_path: Path) -> None:
    a, b = Region(tmp_path, "110000"), Region(tmp_path, "440300")
    with ExitStack() as stack:
        url = stack.enter_context(fresh_pg_database())
        n = Served(tmp_path / "national", "110000")  # the national platform is in Beijing
        n.code = NATIONAL
        n.env |= {"CHENGXIN_NODE_ROLE": "national", "CHENGXIN_DATABASE_URL": url}
        n.cli("init")
        a_node = stack.enter_context(a.node())
        b_node = stack.enter_context(b.node())
        a_node.ingest([penalty_row(100 + i) for i in range(EXTRA)], "PENALTY-TAX", "more.csv")
        n_self, a_self, b_self = _self(n), _self(a), _self(b)
        for region, me in ((a, a_self), (b, b_self)):
            _introduce(region, n_self)
            _introduce(n, me)
        n_rt = stack.enter_context(_closing(n.runtime()))
        stack.enter_context(serving(a))
        stack.enter_context(serving(b))
        served_n = stack.enter_context(_killable(n))

        # 1. Upward sharing: A sends what it shares in packages of 5 messages (so that
        # the national node can be killed between two of them), B in one go.
        a.cli("jobs", "run", "push")
        b.cli("jobs", "run", "push")
        with a_node.rt.sessions() as session, session.begin():
            built = build_packages(session, a_node.rt.keys, _wall(), sender=a.code,
                                   receiver=NATIONAL, limit=5)  # fmt: skip
        assert len(built) >= 5
        b.cli("jobs", "run", "send")

        # 2. The national node is killed while A delivers; nothing is lost or doubled.
        sending = threading.Thread(target=lambda: a.cli("jobs", "run", "send"))
        sending.start()
        _wait(lambda: _inbox(n_rt, a.code) >= 2, "the first packages from A")
        served_n.kill()
        sending.join(60)
        received = _inbox(n_rt, a.code)
        assert received < len(built), "the kill came too late to test anything"
        served_n.start()
        with a_node.rt.sessions() as session:
            peer = get_peer(session, NATIONAL)
        with NodeClient.of(a_node.rt) as client:  # the back-off has passed: an hour later
            done = deliver(a_node.rt, receiver=NATIONAL, now=_wall() + dt.timedelta(hours=1),
                           client=client)  # fmt: skip
        assert done.failed is None, done.error
        n.cli("jobs", "run", "apply")
        shared_a = _own(a_node.rt)
        queued = _queued(a_node.rt)
        with a_node.rt.sessions() as session:
            packages = session.scalar(select(func.count()).select_from(OutboxPackage))
        assert _copies(n_rt, a.code) == {i: shared_a[i] for i in queued}  # each once, as it is
        assert len(queued) >= EXTRA + 2  # the tax penalties of Alice, Bob and the extra people
        assert _applied(n_rt, a.code) == list(range(1, (packages or 0) + 1))
        assert _copies(n_rt, b.code)
        assert "OK" in n.cli("ledger", "verify")  # the killed node's log is whole

        # 3. A cross-region query (互查) from either region finds the records of both.
        a_answer, b_answer = _query(a_node), _query(b_node)
        a_ids = {r["record_id"] for r in a_answer["records"]}
        b_ids = {r["record_id"] for r in b_answer["records"]}
        alice_a = a_ids & _queued(a_node.rt)  # Alice's records A shared upward
        alice_b = b_ids & _queued(b_node.rt)
        assert alice_a
        assert alice_b
        assert alice_b <= a_ids
        assert alice_a <= b_ids
        assert (a_answer["cross_region"], b_answer["cross_region"]) == ("complete", "complete")

        # 4. A repair in A reaches the national node and B within the deadline, acknowledged.
        tax = next(r for r in a_answer["records"]
                   if r["record_id"] in alice_a and r["item"] == "PENALTY-TAX")  # fmt: skip
        _repair(a_node, tax["record_id"])
        a.cli("jobs", "run", "send")
        n.cli("jobs", "run", "apply")
        assert _copies(n_rt, a.code)[tax["record_id"]][1] is RecordStatus.REPAIRED
        n.cli("jobs", "run", "send")
        b.cli("jobs", "run", "apply")
        assert _copies(b_node.rt, a.code)[tax["record_id"]][1] is RecordStatus.REPAIRED
        b.cli("jobs", "run", "send")  # B's ack to the national node
        n.cli("jobs", "run", "apply")
        n.cli("jobs", "run", "send")  # the national node's ack to A
        a.cli("jobs", "run", "apply")
        today = _wall().date()
        for rt in (a_node.rt, n_rt):
            with rt.sessions() as session:
                events = session.scalars(
                    select(ChangeEvent).where(ChangeEvent.record_id == uuid.UUID(tax["record_id"]))
                ).all()
            assert events
            assert all(e.acknowledged_at is not None and e.due_on >= today for e in events)

        # 5. A tampered package is refused and nothing is stored.
        tampered = bytearray(pack([EXAMPLES["correction"]], sender=a.code, receiver=NATIONAL,
                                  sequence=9999, created_at=_wall(), signer=a_node.rt.keys))  # fmt: skip
        tampered[-20] ^= 1
        before = _inbox(n_rt, a.code)
        with NodeClient.of(a_node.rt) as client:
            refused = client.send(peer, "POST", signing.PACKAGES_PATH, bytes(tampered),
                                  {"Content-Type": "application/gzip", signing.SEQUENCE: "9999"})  # fmt: skip
        assert refused.status == 422, refused.body
        assert _inbox(n_rt, a.code) == before


def _queued(rt: Runtime) -> set[str]:
    """The records a region queued for the national node (shared upward)."""
    with rt.sessions() as session:
        return {str(i) for i in session.scalars(select(NationalPush.record_id))}


def _applied(rt: Runtime, sender: str) -> list[int]:
    """The numbers of the packages applied from `sender`, in order."""
    with rt.sessions() as session:
        return list(session.scalars(
            select(InboxPackage.sequence).join(PeerNode, PeerNode.id == InboxPackage.peer_id)
            .where(PeerNode.code == sender, InboxPackage.state == "applied")
            .order_by(InboxPackage.sequence)
        ))  # fmt: skip


def _inbox(rt: Runtime, sender: str) -> int:
    with rt.sessions() as session:
        return session.scalar(
            select(func.count()).select_from(InboxPackage).join(
                PeerNode, PeerNode.id == InboxPackage.peer_id).where(PeerNode.code == sender)
        ) or 0  # fmt: skip


def _wait(ready: Any, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        assert time.monotonic() < deadline, f"waited in vain for {what}"
        time.sleep(0.05)


@contextmanager
def _closing(rt: Runtime) -> Iterator[Runtime]:
    try:
        yield rt
    finally:
        rt.close()


class _Killable:
    def __init__(self, node: Served) -> None:
        self.node = node
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.node.data / "serve.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "chengxin.cli", "serve", "--port", str(self.node.port)],
            env=self.node.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait(lambda: _healthy(self.node), f"{self.node.code} to start", 30)

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


@contextmanager
def _killable(node: Served) -> Iterator[_Killable]:
    served = _Killable(node)
    served.start()
    try:
        yield served
    finally:
        if served.proc is not None and served.proc.poll() is None:
            served.proc.terminate()
            served.proc.wait(10)
