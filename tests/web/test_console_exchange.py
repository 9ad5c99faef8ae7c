"""The console's exchange page (R-4.4, R-5.2): each peer with what waits to be sent and why the
oldest package has not gone, and the changes owed to other platforms past their due day."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from chengxin.exchange.acks import apply_ack
from chengxin.exchange.messages import Ack, AckOutcome, AckRefusal
from chengxin.exchange.node_rules import NodeRole
from chengxin.exchange.nodes import add_peer, own_node
from chengxin.exchange.outbox import outbox_of
from chengxin.exchange.outbox_delivery import _mark_sent, deliver
from chengxin.keys import new_key_ring
from chengxin.records.models import Change, ChangeEvent, RecordStatus
from tests.conftest import NOW
from tests.exchange.test_outbox import RECEIVER, URL, _build, _share_and_change
from tests.platform import Platform, platform
from tests.web.sessions import page_as


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A node owing a peer three changes: the peer took package 1 (two changes) and acknowledged
    it, refusing one change; package 2 (the third) failed to go (nothing listens at the peer's
    address). Looked at ten days later, two changes are overdue: the refused one and the unsent."""
    with platform(tmp_path_factory.mktemp("exchange-page"), "sqlite") as p:
        with p.rt.sessions() as session, session.begin():
            add_peer(session, NOW, own_node(p.rt.settings, p.rt.keys), code=RECEIVER,
                     role=NodeRole.REGIONAL, region_code="440300", base_url=URL,
                     public_key=new_key_ring(NOW).public_key_b64, actor="test")  # fmt: skip
        _share_and_change(p, [(Change.CORRECTED, RecordStatus.ACTIVE),
                              (Change.REVOKED, RecordStatus.REVOKED)])  # fmt: skip
        assert _build(p) == [1]
        with p.rt.sessions() as session, session.begin():
            (package,) = outbox_of(session, RECEIVER)
            _mark_sent(session, package.id, NOW)  # as delivery does when the peer answers 201
            refused = session.scalars(select(ChangeEvent).order_by(ChangeEvent.version)).first()
            assert refused is not None
            ack = Ack(id=uuid.uuid4(), at=NOW, sequence=1, messages_sha256=package.messages_sha256,
                      outcome=AckOutcome.APPLIED,
                      refused=(AckRefusal(message_id=refused.id, field="state", rule="stale"),))  # fmt: skip
            assert apply_ack(session, NOW, peer_id=package.peer_id, ack=ack)
        _share_and_change(p, [(Change.EXPIRED, RecordStatus.EXPIRED)])
        assert _build(p) == [2]
        failed = deliver(p.rt, receiver=RECEIVER, now=p.clock())
        assert failed.failed == 2
        p.clock.now = NOW + dt.timedelta(days=10)
        for user in ("alice", "the.reviewer", "the.operator", "the.auditor"):
            p.login(user)  # the sessions of ten days ago have ended
        yield p


def test_r4_4_staff_see_what_waits_for_each_peer_and_the_overdue_changes(node: Platform) -> None:
    """R-4.4: per peer, what waits and why, what it acknowledged and refused; the changes not
    acknowledged by their due day, each with where it stands."""
    zh = page_as(node, "/console/exchange", "the.reviewer")
    assert zh.status_code == 200
    assert RECEIVER in zh.text
    assert "已尝试 1 次" in zh.text  # the failed attempt, with its error and next try
    assert "下次尝试" in zh.text
    assert "有 2 项应同步给其他平台的变更已超过期限。" in zh.text
    assert "1 条消息被拒绝" in zh.text  # package 1 acknowledged, one change refused there
    assert "<td>#1</td><td><strong>被接收方拒绝（见日志）</strong></td>" in zh.text
    assert "<td>#2</td><td>尚未发出</td>" in zh.text
    en = page_as(node, "/console/exchange?lang=en", "the.auditor")
    assert "2 changes owed to other platforms are past their due day." in en.text
    assert "refused by the receiver (see the log)" in en.text
    assert own_node(node.rt.settings, node.rt.keys).fingerprint in en.text


def test_r3_1_the_exchange_page_is_for_staff_only(node: Platform) -> None:
    assert page_as(node, "/console/exchange", "alice").status_code == 403
    assert page_as(node, "/console/exchange", None).status_code == 303
    assert 'href="/console/exchange"' in page_as(node, "/console", "the.operator").text
