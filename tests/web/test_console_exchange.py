"""The console's exchange page (R-4.4, R-5.2): each peer with what waits to be sent and why the
oldest package has not gone, and the changes owed to other platforms past their due day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from chengxin.exchange.node_rules import NodeRole
from chengxin.exchange.nodes import add_peer, own_node
from chengxin.exchange.outbox_delivery import deliver
from chengxin.keys import new_key_ring
from chengxin.records.models import Change, RecordStatus
from tests.conftest import NOW
from tests.exchange.test_outbox import RECEIVER, URL, _build, _share_and_change
from tests.platform import Platform, platform
from tests.web.sessions import page_as


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A node owing a peer two changes, whose delivery failed (nothing listens at the peer's
    address), looked at ten days later: both changes are overdue."""
    with platform(tmp_path_factory.mktemp("exchange-page"), "sqlite") as p:
        with p.rt.sessions() as session, session.begin():
            add_peer(session, NOW, own_node(p.rt.settings, p.rt.keys), code=RECEIVER,
                     role=NodeRole.REGIONAL, region_code="440300", base_url=URL,
                     public_key=new_key_ring(NOW).public_key_b64, actor="test")  # fmt: skip
        _share_and_change(p, [(Change.CORRECTED, RecordStatus.ACTIVE),
                              (Change.REVOKED, RecordStatus.REVOKED)])  # fmt: skip
        assert _build(p) == [1]
        failed = deliver(p.rt, receiver=RECEIVER, now=p.clock())
        assert failed.failed == 1
        p.clock.now = NOW + dt.timedelta(days=10)
        for user in ("alice", "the.reviewer", "the.operator", "the.auditor"):
            p.login(user)  # the sessions of ten days ago have ended
        yield p


def test_r4_4_staff_see_what_waits_for_each_peer_and_the_overdue_changes(node: Platform) -> None:
    zh = page_as(node, "/console/exchange", "the.reviewer")
    assert zh.status_code == 200
    assert RECEIVER in zh.text
    assert "已尝试 1 次" in zh.text  # the failed attempt, with its error and next try
    assert "下次尝试" in zh.text
    assert "有 2 项应同步给其他平台的变更已超过期限。" in zh.text
    assert zh.text.count("<td>#1</td>") == 2  # both changes ride in package 1
    en = page_as(node, "/console/exchange?lang=en", "the.auditor")
    assert "2 changes owed to other platforms are past their due day." in en.text
    assert own_node(node.rt.settings, node.rt.keys).fingerprint in en.text


def test_r3_1_the_exchange_page_is_for_staff_only(node: Platform) -> None:
    assert page_as(node, "/console/exchange", "alice").status_code == 403
    assert page_as(node, "/console/exchange", None).status_code == 303
    assert 'href="/console/exchange"' in page_as(node, "/console", "the.operator").text
