"""R-4.1 under kill -9: a source department answers many objections (异议) over the API of a real
`chengxin serve`, several requests at a time, and the server is SIGKILLed while it holds a
transaction open (a decision's, but for the odd checkpoint) — twice — then started again to
finish. After each kill every decision is wholly there (the case's state and version, the step
with its ledger entry, the record's new version with its ledger entry, the notice to the person)
or wholly absent; nothing is there twice; `chengxin ledger verify` passes; and the restarted
server decides the rest."""

from __future__ import annotations

import json
import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import select

from chengxin.disputes import objections
from chengxin.disputes.models import CaseStep, Objection
from chengxin.ledger.models import LedgerEntry
from chengxin.ledger.snapshot import read_snapshot
from chengxin.notifications.models import Notification
from chengxin.records.models import Record, RecordVersion
from tests.collection.conftest import penalty_row
from tests.exchange.test_federation_processes import _killable
from tests.exchange.test_peers_processes import Served
from tests.faults.probes import ledger_verifies, transaction_watch, use_node, wait_for
from tests.platform import ALICE, Platform

CASES = 48
CLIENTS = 3
KILLS = 2
BEFORE_KILL = 4  # decisions committed in a round before the kill may come


@dataclass(frozen=True)
class Case:
    id: uuid.UUID
    record_id: uuid.UUID
    answer: str  # the source's answer: revoke (the record changes) or uphold


def open_cases(p: Platform) -> list[Case]:
    """CASES records of Alice, each objected to and sent to the source for verification."""
    rows = [penalty_row(100 + i, record=f"OBJ{i}", number=ALICE, name="张一") for i in range(CASES)]
    p.ingest(rows, "PENALTY-TAX", "objected.csv")
    subject = p.subject(ALICE)
    cases = []
    with p.rt.sessions() as session, session.begin():
        records = session.scalars(select(Record.id).where(
            Record.subject_id == subject, Record.source_record_id.like("OBJ%")))  # fmt: skip
        for n, record_id in enumerate(sorted(records)):
            case = objections.file_objection(
                session, p.rt.disputes, p.clock(), subject_id=subject, record_id=record_id,
                reason="处罚决定已被撤销，记录有误", files=[], actor="alice",
            )  # fmt: skip
            objections.accept_objection(session, p.rt.disputes, p.clock(), case_id=case.id,
                                        actor="the.reviewer", reason="转数据提供单位核查")  # fmt: skip
            cases.append(Case(case.id, record_id, "revoke" if n % 2 else "uphold"))
    return cases


def decided(url: str, cases: list[Case]) -> set[uuid.UUID]:
    """The decided cases, after checking that each case is wholly decided or wholly open (in one
    snapshot of the database: the server may be deciding meanwhile)."""
    with read_snapshot(url) as conn:
        cols = (Objection.id, Objection.state, Objection.version, Objection.decided_at)
        state = {i: (s, v, d is not None) for i, s, v, d in conn.execute(select(*cols))}
        steps: dict[uuid.UUID, list[tuple[int, str]]] = {}
        for case_id, index, event in conn.execute(
            select(CaseStep.case_id, CaseStep.ledger_index, CaseStep.event).order_by(
                CaseStep.ledger_index
            )
        ):
            steps.setdefault(case_id, []).append((index, event))
        ledger = {idx: (kind, body) for idx, kind, body in conn.execute(
            select(LedgerEntry.idx, LedgerEntry.kind, LedgerEntry.body))}  # fmt: skip
        notices: dict[str | None, list[str]] = {}
        for ref, topic in conn.execute(select(Notification.ref, Notification.topic)):
            notices.setdefault(ref, []).append(topic)
        records = {i: (v, str(s)) for i, v, s in conn.execute(
            select(Record.id, Record.version, Record.status))}  # fmt: skip
        versions: dict[uuid.UUID, list[int]] = {}
        for record_id, version in conn.execute(
            select(RecordVersion.record_id, RecordVersion.version).order_by(RecordVersion.version)
        ):
            versions.setdefault(record_id, []).append(version)
    in_ledger: dict[str, list[str]] = {}  # case or record id → its events or versions
    for kind, body in (ledger[i] for i in sorted(ledger)):
        if kind == "dispute":
            in_ledger.setdefault(_field(body, "id"), []).append(_field(body, "event"))
        elif kind == "record_version":
            in_ledger.setdefault(_field(body, "record"), []).append(_field(body, "version"))
    done = set()
    for case in cases:
        final = {"revoke": "revoked", "uphold": "upheld"}[case.answer]
        is_done = state[case.id][0] == final
        events = ["file", "accept", case.answer] if is_done else ["file", "accept"]
        assert state[case.id] == ((final, 3, True) if is_done else ("verifying", 2, False))
        assert [e for _, e in steps[case.id]] == events
        assert [_field(ledger[i][1], "event") for i, _ in steps[case.id]] == events
        assert in_ledger[str(case.id)] == events  # no entry without its step, none twice
        told = ["objection.filed", "objection.verifying", f"objection.{final}"][: len(events)]
        assert sorted(notices[str(case.id)]) == sorted(told)
        changed = is_done and case.answer == "revoke"
        assert records[case.record_id] == ((2, "revoked") if changed else (1, "active"))
        assert versions[case.record_id] == ([1, 2] if changed else [1])
        assert in_ledger[str(case.record_id)] == (["1", "2"] if changed else ["1"])
        if is_done:
            done.add(case.id)
    return done


def _field(body: str, name: str) -> str:
    return str(json.loads(body)[name])


def answer_all(url: str, token: str, todo: list[Case]) -> int:
    """Post the source's answers one after another until done or the server is gone."""
    answered = 0
    with httpx2.Client(base_url=url, timeout=30,
                       headers={"Authorization": f"Bearer {token}"}) as client:  # fmt: skip
        for case in todo:
            try:
                got = client.post(f"/api/v1/objections/{case.id}/answer",
                                  json={"answer": case.answer, "reason": "经核查，依法处理"})  # fmt: skip
            except httpx2.TransportError:  # killed: this answer may or may not have been saved
                return answered
            assert got.status_code == 200, got.text
            answered += 1
    return answered


@pytest.mark.slow
def test_r4_1_decisions_survive_the_server_being_killed_mid_transaction(
    node: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    cases = open_cases(node)
    url = node.rt.settings.resolved_database_url
    served = Served(tmp_path, "110000")
    served.data = tmp_path
    served.env |= {"CHENGXIN_DATA_DIR": str(tmp_path), **use_node(monkeypatch, tmp_path, url),
                   "CHENGXIN_CHECKPOINT_SECONDS": "0.5"}  # fmt: skip
    token = node.tokens["TAX-BJ"]
    chance = random.Random(7)  # noqa: S311  (the kill's moment, not a secret)
    assert decided(url, cases) == set()
    with _killable(served) as server:
        for _ in range(KILLS):
            before = decided(url, cases)
            todo = [c for c in cases if c.id not in before]
            with ThreadPoolExecutor(CLIENTS) as pool:
                clients = [pool.submit(answer_all, served.url, token, todo[i::CLIENTS])
                           for i in range(CLIENTS)]  # fmt: skip
                enough = len(before) + BEFORE_KILL
                wait_for(lambda enough=enough: len(decided(url, cases)) >= enough,
                         "the first decisions", every=0.05)  # fmt: skip
                wait_for(lambda: chance.random() < 0.05, "a random moment")
                with transaction_watch(url) as busy:
                    wait_for(busy, "a decision in its transaction")
                    server.kill()
                answered = sum(c.result() for c in clients)
            after = decided(url, cases)  # each whole or absent
            # Every answered request was saved; of those cut off, each may have been or not.
            assert answered <= len(after) - len(before) <= answered + CLIENTS
            assert len(after) < CASES, "the kill came too late to test anything"
            ledger_verifies(capsys)
            server.start()
        rest = [c for c in cases if c.id not in decided(url, cases)]
        assert answer_all(served.url, token, rest) == len(rest)
    assert decided(url, cases) == {c.id for c in cases}
    ledger_verifies(capsys)
