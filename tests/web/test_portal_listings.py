"""The portal's listings page (R-6.1, R-6.3): a notice of a proposed listing with its reasons and
answer deadline, the person's statement (陈述申辩) sent within the window, and refused — at the
listing — once the window has closed; only the person's own entries, with the CSRF token."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from chengxin.access.ratelimit import RateLimiter
from chengxin.lists import service as lists
from tests.platform import ALICE, BOB, platform
from tests.web.conftest import Published
from tests.web.sessions import page_as
from tests.web.test_portal import post_form

DEBTOR = "DISHONEST-JUDGMENT-DEBTOR"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """One node for the module, on SQLite only (the listing verbs are tested on both)."""
    with platform(tmp_path_factory.mktemp("listings"), "sqlite") as p:
        p.client.app.state.rate_limiter = RateLimiter(10_000)  # type: ignore[attr-defined]
        yield Published(p)


def _propose_now(world: Published, id_number: str) -> uuid.UUID:
    node = world.node
    with node.rt.sessions() as session, session.begin():
        return lists.propose_listing(
            session, world.ctx(), node.clock(), source_id=world.source(DEBTOR), list_type=DEBTOR,
            subject_id=node.subject(id_number), document_number="（2026）京0105执99号",
            decision_date=node.clock().date(), reasons="有履行能力而拒不履行生效法律文书确定的义务",
            actor="test",
        ).id  # fmt: skip


def test_r6_1_the_person_answers_a_notice_within_its_window(world: Published) -> None:
    node = world.node
    entry = _propose_now(world, ALICE)
    html = page_as(node, "/me/listings", "alice").text
    shown = html.partition(f'id="listing-{entry}"')[2].partition("</li>")[0]
    assert "已告知：您可以陈述申辩" in shown
    assert "有履行能力而拒不履行生效法律文书确定的义务" in shown  # the reasons, for the person
    assert "陈述申辩截止日" in shown
    answer = f"/me/listings/{entry}/answer"
    assert f'href="{answer}"' in shown
    assert 'id="field-statement"' in page_as(node, answer, "alice").text
    assert 'href="/me/listings"' in page_as(node, "/me", "alice").text
    short = post_form(node, answer, "alice", {"statement": "不服"})
    assert short.status_code == 422
    assert "请填写陈述申辩，5至2000个字符" in short.text
    assert post_form(node, answer, "alice", {"statement": "已于判决后全部履行"},
                     csrf=False).status_code == 403  # fmt: skip
    sent = post_form(node, answer, "alice", {"statement": "已于判决后全部履行，附银行回单"})
    assert sent.status_code == 303
    html = page_as(node, sent.headers["location"], "alice").text
    assert "您的陈述申辩已送认定单位" in html
    shown = html.partition(f'id="listing-{entry}"')[2].partition("</li>")[0]
    assert "已陈述申辩：认定单位正在核查" in shown
    assert f'href="{answer}"' not in shown
    assert (
        "Your statement is with the designating unit"
        in page_as(node, "/me/listings?lang=en", "alice").text
    )


def test_r6_1_a_closed_window_or_another_persons_entry_is_refused(world: Published) -> None:
    node = world.node
    # proposed in October: the window is over
    closed = world.propose(node.subject(ALICE), "KEY-TELECOM-FRAUD")
    html = page_as(node, "/me/listings", "alice").text
    assert f"/me/listings/{closed}/answer" not in html
    late = post_form(node, f"/me/listings/{closed}/answer", "alice",
                     {"statement": "已于判决后全部履行"})  # fmt: skip
    assert late.status_code == 422
    assert "陈述申辩期限已届满" in late.text
    assert 'href="#field-state"' in late.text
    bobs = _propose_now(world, BOB)
    assert page_as(node, f"/me/listings/{bobs}/answer", "alice").status_code == 404
    assert post_form(node, f"/me/listings/{bobs}/answer", "alice",
                     {"statement": "替张二申辩一下"}).status_code == 404  # fmt: skip
    assert post_form(node, f"/me/listings/{bobs}/answer", "the.operator",
                     {"statement": "替张二申辩一下"}).status_code == 403  # fmt: skip
