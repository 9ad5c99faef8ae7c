"""Subjects, the review queue, organisations, links and occupations on real databases
(R-1.1 to R-1.4, R-2.4, §6.2)."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.errors import Conflict, InvalidInput, NotFound
from chengxin.identity import organisations, service
from chengxin.identity.models import (
    IdentityReview,
    OccupationGroup,
    OrgRole,
    Person,
    ReviewState,
    Subject,
)
from chengxin.identity.service import Outcome
from chengxin.keys import KeyRing
from chengxin.sealed import reencrypt_all

ID = "11010519491231002X"
USCC = "91110000802100433B"


def register(sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime, number: str = ID,
             name: str = "张三", **kw: object) -> service.Registration:  # fmt: skip
    with sessions() as session, session.begin():
        return service.register_person(session, keys, now, number, name, actor="test", **kw)  # type: ignore[arg-type]


def test_r1_4_person_is_stored_sealed_and_found_by_blind_index(
    sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> None:
    created = register(sessions, keys, now)
    assert created.outcome is Outcome.CREATED
    with sessions() as session:
        person = session.get_one(Person, created.subject_id)
        subject = session.get_one(Subject, created.subject_id)
        assert ID.encode() not in person.id_number_enc
        assert "张三".encode() not in person.name_enc
        assert subject.lookup != ID
        assert len(subject.lookup) == 64
        assert subject.region_code == "110105"
        # Lower-case x and the legacy 15-digit form find the same subject.
        assert service.find_person(session, keys, ID.lower(), now.date()) == created.subject_id
        assert (
            service.find_person(session, keys, "110105491231002", now.date()) == created.subject_id
        )
        view = service.reveal_person(session, keys, created.subject_id)
    assert (view.id_number, view.name, view.sex) == (ID, "张三", "F")
    assert (view.masked_id_number, view.masked_name) == ("110105********002X", "张*")


def test_r1_2_same_number_same_name_is_the_same_subject(
    sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> None:
    first = register(sessions, keys, now)
    again = register(sessions, keys, now, number="110105491231002", name=" 张三 ")
    assert again.outcome is Outcome.EXISTING
    assert again.subject_id == first.subject_id
    with sessions() as session:
        assert len(session.scalars(select(Subject)).all()) == 1


def test_r1_2_different_name_opens_a_review_and_overwrites_nothing(
    sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> None:
    first = register(sessions, keys, now)
    waiting = {"item": "admin_penalty", "decision_no": "京市监罚〔2026〕12号"}
    second = register(sessions, keys, now, name="张叁", payload=waiting)
    assert second.outcome is Outcome.REVIEW
    assert second.subject_id == first.subject_id
    assert second.review_id is not None
    with sessions() as session:
        assert service.reveal_person(session, keys, first.subject_id).name == "张三"
        (case,) = service.list_reviews(session, keys)
    assert (case.name_on_file, case.incoming_name, case.payload) == ("张三", "张叁", waiting)
    assert case.state is ReviewState.PENDING


def test_r1_2_name_change_decision_adds_a_version_and_keeps_history(
    sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> None:
    first = register(sessions, keys, now)
    review_id = register(sessions, keys, now, name="张叁").review_id
    assert review_id is not None
    later = now + dt.timedelta(days=1)
    with sessions() as session, session.begin():
        decided = service.decide_identity_review(
            session, keys, later, review_id, ReviewState.NAME_CHANGED,
            actor="operator-1", reason="户籍部门确认已更名 (name change confirmed)",
        )  # fmt: skip
    assert decided.state is ReviewState.NAME_CHANGED
    assert decided.decided_by == "operator-1"
    with sessions() as session:
        view = service.reveal_person(session, keys, first.subject_id)
        history = service.name_history(session, keys, first.subject_id)
        assert service.list_reviews(session, keys) == []
    assert (view.name, view.name_version) == ("张叁", 2)
    assert [(v, n) for v, n, _ in history] == [(1, "张三"), (2, "张叁")]
    # The new name is now the one on file: registering with it finds the subject.
    assert register(sessions, keys, later, name="张叁").outcome is Outcome.EXISTING


def test_r1_2_rejection_keeps_the_name_and_a_case_cannot_be_decided_twice(
    sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> None:
    first = register(sessions, keys, now)
    review_id = register(sessions, keys, now, name="李四").review_id
    assert review_id is not None
    with sessions() as session, session.begin():
        service.decide_identity_review(
            session, keys, now, review_id, ReviewState.REJECTED, actor="op", reason="数据错误"
        )
    with (
        pytest.raises(Conflict, match="already been decided"),
        sessions() as session,
        session.begin(),
    ):
        service.decide_identity_review(
            session, keys, now, review_id, ReviewState.NAME_CHANGED, actor="op2", reason="x"
        )
    with sessions() as session:
        assert service.reveal_person(session, keys, first.subject_id).name == "张三"
        case = session.get_one(IdentityReview, review_id)
        assert case.state is ReviewState.REJECTED
        assert case.decided_by == "op"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "张三1"}, "name"),
        ({"name": "张\u0000三"}, "name"),
        ({"name": "<script>"}, "name"),
        ({"name": "张" * 65}, "name"),
        ({"number": "110105194912310021"}, "id_number"),
        ({"payload": {"blob": "x" * 300_000}}, "payload"),
    ],
)
def test_bad_registration_input_is_refused_and_nothing_is_written(
    sessions: sessionmaker[Session],
    keys: KeyRing,
    now: dt.datetime,
    kwargs: dict[str, object],
    field: str,
) -> None:
    if "payload" in kwargs:
        register(sessions, keys, now)
        kwargs = {**kwargs, "name": "张叁"}
    with pytest.raises(InvalidInput) as info:
        register(sessions, keys, now, **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field
    with sessions() as session:
        assert session.scalars(select(IdentityReview)).all() == []
        assert len(session.scalars(select(Subject)).all()) == (1 if "payload" in kwargs else 0)


def test_r1_3_organisation_links_reach_the_responsible_people_by_date(
    sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> None:
    rep = register(sessions, keys, now).subject_id
    other = register(sessions, keys, now, number="440305198001011235", name="李四").subject_id
    with sessions() as session, session.begin():
        org = organisations.register_organisation(
            session, keys, now, USCC.lower(), "示例建筑有限公司"
        )
        assert (
            organisations.register_organisation(session, keys, now, USCC, "x").outcome
            is Outcome.EXISTING
        )
        link = partial(organisations.link_person_to_organisation, session, now)
        org_id = org.subject_id
        link(person_id=rep, organisation_id=org_id, role=OrgRole.LEGAL_REPRESENTATIVE,
             start=dt.date(2020, 1, 1), end=dt.date(2024, 6, 30))  # fmt: skip
        link(person_id=other, organisation_id=org_id, role=OrgRole.RESPONSIBLE_PERSON,
             start=dt.date(2024, 7, 1))  # fmt: skip
        with pytest.raises(Conflict):
            link(person_id=other, organisation_id=org_id, role=OrgRole.RESPONSIBLE_PERSON,
                 start=dt.date(2024, 7, 1))  # fmt: skip
        with pytest.raises(InvalidInput, match="end must not be before start"):
            link(person_id=other, organisation_id=org_id, role=OrgRole.LEGAL_REPRESENTATIVE,
                 start=dt.date(2024, 7, 1), end=dt.date(2024, 1, 1))  # fmt: skip
        with pytest.raises(NotFound):
            link(person_id=org_id, organisation_id=rep, role=OrgRole.LEGAL_REPRESENTATIVE,
                 start=dt.date(2024, 7, 1))  # fmt: skip
    with sessions() as session:
        assert organisations.responsible_people(session, org.subject_id, dt.date(2023, 5, 1)) == [
            (rep, OrgRole.LEGAL_REPRESENTATIVE)
        ]
        assert organisations.responsible_people(session, org.subject_id, dt.date(2025, 5, 1)) == [
            (other, OrgRole.RESPONSIBLE_PERSON)
        ]


def test_r2_4_occupations_with_licence_and_validity(
    sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> None:
    person = register(sessions, keys, now).subject_id
    with sessions() as session, session.begin():
        add = partial(organisations.add_occupation, session, now, person_id=person)
        add(group=OccupationGroup.LAWYER, valid_from=dt.date(2015, 3, 1),
            valid_to=dt.date(2020, 2, 28), licence_number="11101201510000001",
            issuer="北京市司法局")  # fmt: skip
        add(group=OccupationGroup.TEACHER, valid_from=dt.date(2021, 9, 1))
        with pytest.raises(InvalidInput) as info:
            add(group=OccupationGroup.LAWYER, valid_from=dt.date(2021, 1, 1),
                licence_number="x" * 65)  # fmt: skip
        assert info.value.field == "licence_number"
    with sessions() as session:
        assert [
            o.group for o in organisations.occupations_of(session, person, dt.date(2018, 1, 1))
        ] == [OccupationGroup.LAWYER]
        assert [
            o.group for o in organisations.occupations_of(session, person, dt.date(2026, 1, 1))
        ] == [OccupationGroup.TEACHER]


def test_rotation_then_reencrypt_moves_every_row_and_keeps_values(
    sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> None:
    subject = register(sessions, keys, now).subject_id
    register(sessions, keys, now, name="张叁", payload={"k": "v"})
    rotated = keys.with_new_data_key(now)
    with sessions() as session:  # old rows still open with the rotated ring
        assert service.reveal_person(session, rotated, subject).name == "张三"
    counts = reencrypt_all(sessions, rotated, batch=1)
    # Every sealed column of every domain is visited; only these hold values in this test.
    assert {column: n for column, n in counts.items() if n} == {
        "persons.id_number_enc": 1,
        "persons.name_enc": 1,
        "person_names.name_enc": 1,
        "identity_reviews.incoming_name_enc": 1,
        "identity_reviews.payload_enc": 1,
    }
    with sessions() as session:
        person = session.get_one(Person, subject)
        assert rotated.token_version(person.name_enc) == 2
        assert service.reveal_person(session, rotated, subject).id_number == ID
        (case,) = service.list_reviews(session, rotated)
        assert case.payload == {"k": "v"}
    assert set(reencrypt_all(sessions, rotated).values()) == {0}  # running again changes nothing


def test_r1_2_concurrent_registrations_of_one_number_make_one_subject(
    committing_sessions: sessionmaker[Session], keys: KeyRing, now: dt.datetime
) -> None:
    barrier = threading.Barrier(4)

    def worker(_: int) -> service.Registration:
        barrier.wait()
        return register(committing_sessions, keys, now)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(worker, range(4)))
    assert len({r.subject_id for r in results}) == 1
    assert sorted(r.outcome for r in results) == [Outcome.CREATED] + [Outcome.EXISTING] * 3
    with committing_sessions() as session:
        assert len(session.scalars(select(Subject)).all()) == 1


@pytest.mark.parametrize(
    ("decision", "actor", "reason", "field"),
    [
        (ReviewState.PENDING, "op", "x", "decision"),
        (ReviewState.REJECTED, "", "x", "actor"),
        (ReviewState.REJECTED, "o" * 101, "x", "actor"),
        (ReviewState.REJECTED, "op", "   ", "reason"),
        (ReviewState.REJECTED, "op", "r" * 2001, "reason"),
    ],
)
def test_r1_2_bad_decisions_are_refused_and_the_case_stays_pending(
    sessions: sessionmaker[Session],
    keys: KeyRing,
    now: dt.datetime,
    decision: ReviewState,
    actor: str,
    reason: str,
    field: str,
) -> None:
    register(sessions, keys, now)
    review_id = register(sessions, keys, now, name="李四").review_id
    assert review_id is not None
    with pytest.raises(InvalidInput) as info, sessions() as session, session.begin():
        service.decide_identity_review(
            session, keys, now, review_id, decision, actor=actor, reason=reason
        )
    assert info.value.field == field
    with sessions() as session:
        assert [c.id for c in service.list_reviews(session, keys)] == [review_id]
