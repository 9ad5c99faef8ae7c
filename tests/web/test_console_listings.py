"""The console's listing workflow (R-6.3, R-3.1): listings by type and state with their notice
windows and answers, one listing with its steps and legal basis, and the operator's confirm
and remove forms — refusals at their field with nothing written, CSRF and the role enforced,
no name or ID number of a person on the pages or in their addresses."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest

from chengxin.access.ratelimit import RateLimiter
from chengxin.lists import service as lists
from chengxin.lists.models import ListEntry
from chengxin.lists.queries import steps_of
from tests.collection.conftest import person
from tests.measures.world import register
from tests.platform import Platform, platform
from tests.web.conftest import ORG_NAME, PEOPLE, Published, publish
from tests.web.sessions import csrf_field, page_as

STAFF = ("the.reviewer", "the.operator", "the.auditor")
DEBTOR_LIST = "DISHONEST-JUDGMENT-DEBTOR"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """One SQLite node with listings in every state, shared by the file (pages are the subject
    here; the listing verbs are tested on both databases in tests/lists)."""
    with platform(tmp_path_factory.mktemp("console-listings"), "sqlite") as node:
        yield publish(node)


@pytest.fixture(autouse=True)
def _roomy_rate_limit(world: Published) -> None:
    world.client.app.state.rate_limiter = RateLimiter(1000)  # type: ignore[attr-defined]


def _post(node: Platform, path: str, who: str, data: dict[str, Any], csrf: bool = True) -> Any:
    """POST a console form as `who`, with the CSRF token their page carries (or without)."""
    token = csrf_field(page_as(node, "/console/listings", who).text)
    node.client.cookies.set(node.cookie_name, node.cookies[who])
    try:
        body = {**data, "csrf_token": token} if csrf else data
        return node.client.post(path, data=body, follow_redirects=False)
    finally:
        node.client.cookies.clear()


def _state(node: Platform, entry_id: uuid.UUID) -> str:
    with node.rt.sessions() as session:
        return str(session.get_one(ListEntry, entry_id).state)


def _steps(node: Platform, entry_id: uuid.UUID) -> int:
    with node.rt.sessions() as session:
        return len(steps_of(session, entry_id))


def _links(html: str) -> set[str]:
    return set(re.findall(r'href="/console/listings/([0-9a-f-]{36})"', html))


def _no_person_shown(html: str) -> None:
    for number, name, _type in PEOPLE.values():
        assert number not in html
        assert name not in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_r6_3_listings_with_their_notice_windows_for_staff_only(
    world: Published, lang: str
) -> None:
    node = world.node
    for user in STAFF:
        answer = page_as(node, "/console/listings", user, params={"lang": lang})
        assert answer.status_code == 200, answer.text
        assert '<a href="/console/listings" aria-current="page">' in answer.text
        assert _links(answer.text) == {str(e) for e in world.entries.values()}
        _no_person_shown(answer.text)
    html = page_as(node, "/console/listings", "the.reviewer", params={"lang": lang}).text
    assert ("公示期" if lang == "zh" else "Notice window ends") in html
    assert ORG_NAME in html  # the representative's entry names the organisation, as the API
    for user in ("alice", "bank.clerk", "dept.clerk"):
        refused = page_as(node, "/console/listings", user)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
    public = page_as(node, "/console/listings", None)
    assert unquote(public.headers["location"]) == "/login?next=/console/listings"


def test_r6_3_the_filters_by_type_and_state_and_their_refusals(world: Published) -> None:
    node = world.node
    noticed = page_as(node, "/console/listings?state=noticed", "the.auditor").text
    assert _links(noticed) == {str(world.entries["pending"])}
    red = page_as(node, "/console/listings?type=RED-MORAL-MODEL", "the.auditor").text
    assert _links(red) == {str(world.entries["model"])}
    bad = page_as(node, "/console/listings?state=gone&type=NO-SUCH-LIST", "the.auditor")
    assert bad.status_code == 422
    assert 'href="#field-state"' in bad.text
    assert 'href="#field-type"' in bad.text
    assert 'aria-invalid="true"' in bad.text
    assert _links(bad.text) == set()
    oversized = page_as(node, "/console/listings?type=" + "X" * 200, "the.auditor")
    assert oversized.status_code == 422


def test_r6_3_one_listing_with_steps_legal_basis_and_the_operators_actions(
    world: Published,
) -> None:
    node = world.node
    debtor = f"/console/listings/{world.entries['debtor']}"
    html = page_as(node, debtor, "the.operator", params={"lang": "en"}).text
    assert "《最高人民法院关于公布失信被执行人名单信息的若干规定》" in html
    assert html.count('href="/api/v1/ledger/entries/') == 3  # proposed, noticed, confirmed
    assert f'action="{debtor}/remove"' in html
    assert 'name="csrf_token"' in html
    _no_person_shown(html)
    for user in ("the.reviewer", "the.auditor"):
        read_only = page_as(node, debtor, user).text
        assert "/remove" not in read_only
        assert "/confirm" not in read_only
    rep = page_as(node, f"/console/listings/{world.entries['rep']}", "the.auditor").text
    assert ORG_NAME in rep
    assert f'href="/console/listings/{world.entries["org"]}"' in rep
    pending = page_as(node, f"/console/listings/{world.entries['pending']}", "the.operator").text
    assert f'action="/console/listings/{world.entries["pending"]}/confirm"' in pending
    assert page_as(node, f"/console/listings/{uuid.uuid4()}", "the.auditor").status_code == 404
    assert page_as(node, "/console/listings/not-a-uuid", "the.auditor").status_code == 422


def _proposed_today(world: Published) -> uuid.UUID:
    """A new proposal, noticed now: its window is open (about two weeks)."""
    node = world.node
    subject = register(node, person(27, "19880808"), "钱新立")
    with node.rt.sessions() as session, session.begin():
        return lists.propose_listing(
            session, world.ctx(), node.clock(), source_id=world.source(DEBTOR_LIST),
            list_type=DEBTOR_LIST, subject_id=subject, document_number="（2026）京0105执99号",
            decision_date=node.clock().date(), reasons="规避执行，隐匿财产", actor="test",
        ).id  # fmt: skip


def test_r6_3_confirming_waits_for_the_window_and_refuses_bad_input(world: Published) -> None:
    node = world.node
    entry = _proposed_today(world)
    path = f"/console/listings/{entry}/confirm"
    html = page_as(node, f"/console/listings/{entry}", "the.operator", params={"lang": "en"}).text
    assert "can be confirmed after" in html
    assert _post(node, path, "the.operator", {}, csrf=False).status_code == 403
    assert _post(node, path, "the.reviewer", {}).status_code == 403
    early = _post(node, f"{path}?lang=en", "the.operator", {})
    assert early.status_code == 409
    assert 'id="field-state"' in early.text
    assert "The notice window is open and the person has not answered" in early.text
    long = _post(node, path, "the.operator", {"document_number": "号" * 101})
    assert long.status_code == 422
    assert 'aria-invalid="true"' in long.text
    assert _state(node, entry) == "noticed"
    with node.rt.sessions() as session:
        deadline = session.get_one(ListEntry, entry).answer_deadline
    assert deadline is not None
    before = node.clock.now
    node.clock.now = dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(2), dt.UTC)
    node.login("the.operator")  # the session of two weeks ago has ended
    try:
        done = _post(node, path, "the.operator", {"document_number": "（2026）京0105执99号之一"})
        assert done.status_code == 303
        assert done.headers["location"] == f"/console/listings/{entry}?done=confirmed"
        assert _state(node, entry) == "listed"
        shown = page_as(node, done.headers["location"] + "&lang=en", "the.operator")
        assert "The listing was confirmed" in shown.text
    finally:
        node.clock.now = before
        node.login("the.operator")


def test_r6_3_removing_refuses_at_the_field_and_writes_nothing(world: Published) -> None:
    node = world.node
    entry = world.entries["shanghai"]
    path = f"/console/listings/{entry}/remove"
    steps = _steps(node, entry)
    empty = _post(node, path, "the.operator", {})
    assert empty.status_code == 422
    for field in ("why", "reason"):
        assert f'href="#field-{field}"' in empty.text
    hostile = _post(node, path, "the.operator", {
        "why": "term_expired", "reason": "原决定已撤销" * 400, "conditions": ["<script>"],
        "corrected_on": "2026-13-45"})  # fmt: skip
    assert hostile.status_code == 422
    for field in ("why", "reason", "conditions", "corrected_on"):
        assert f'href="#field-{field}"' in hostile.text
    assert "<script>" not in hostile.text
    unattested = _post(node, path, "the.operator", {"why": "early_removal", "reason": "已履行"})
    assert unattested.status_code == 409  # the list requires the correction to be attested
    assert 'href="#field-conditions"' in unattested.text
    assert _state(node, entry) == "listed"
    assert _steps(node, entry) == steps
    assert (
        _post(node, path, "the.auditor", {"why": "decision", "reason": "撤销"}).status_code == 403
    )
    done = _post(node, path, "the.operator", {"why": "decision", "reason": "原列入决定已被撤销"})
    assert done.status_code == 303
    assert _state(node, entry) == "removed"
    html = page_as(node, done.headers["location"] + "&lang=en", "the.operator").text
    assert "The listing was removed" in html
    assert "by decision" in html
    assert "原列入决定已被撤销" not in html  # the reason is sealed: the person's to read
