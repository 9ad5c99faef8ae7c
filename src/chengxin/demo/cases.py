"""Demo typical cases (典型案例, R-7.1): one model of integrity that its person consented to and
that is published, and one that waits for its person's answer, so that the public page and the
console have something to show. The person's consent is given here as the demo's stand-in for
the person; in service only the person's account gives it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.identity.models import Person, Subject
from chengxin.identity.service import reveal_person
from chengxin.keys import KeyRing
from chengxin.records.models import Record
from chengxin.typicalcases import service
from chengxin.typicalcases.models import TypicalCase
from chengxin.typicalcases.rules import CaseKind

ACTOR = "demo"
CASES = [
    {
        "title_zh": "十年如一日按时还贷的个体经营者",
        "title_en": "A shopkeeper who repaid every loan on time for ten years",
        "story_zh": "当事人经营一家社区便利店。疫情期间营业收入大幅下降，当事人仍按期偿还经营贷款，"
                    "并主动与供货商协商分期付款，没有拖欠一笔货款。\n\n"
                    "当事人所在街道将其事迹推荐为诚信经营典型。",
        "story_en": "The shopkeeper runs a neighbourhood convenience store. When takings fell "
                    "sharply during the pandemic, they kept repaying their business loan on time "
                    "and agreed instalments with suppliers rather than leave a bill unpaid.\n\n"
                    "Their sub-district office put them forward as a model of honest trade.",
    },
    {
        "title_zh": "主动纠错、补缴税款的纳税人",
        "title_en": "A taxpayer who corrected a mistake and paid in full",
        "story_zh": "当事人发现前一年度个人所得税申报有误后，主动向税务机关更正申报并补缴税款，"
                    "此后连续三年按期如实申报。",
        "story_en": "Having found an error in the previous year's income-tax return, the taxpayer "
                    "corrected it with the tax authority, paid the difference, and has filed "
                    "on time and truthfully for three years since.",
    },
]  # fmt: skip


def load_cases_demo(factory: sessionmaker[Session], keys: KeyRing, now: dt.datetime) -> int:
    """The number of cases written (0 when a case exists already or no person is clean)."""
    with factory() as session, session.begin():
        if session.scalar(select(TypicalCase.id).limit(1)) is not None:
            return 0
        people = session.scalars(
            select(Subject.id).join(Person, Person.id == Subject.id)
            .where(Subject.id.not_in(select(Record.subject_id)))
            .order_by(Subject.id).limit(len(CASES))
        ).all()  # fmt: skip
        for index, (subject_id, texts) in enumerate(zip(people, CASES, strict=False)):
            person = reveal_person(session, keys, subject_id)
            if person.name in "".join(texts.values()):  # a name the story happens to hold
                continue
            case = service.ask_case(
                session, keys, now, id_number=person.id_number, kind=CaseKind.HONOUR,
                region_code=person.region_code, actor=ACTOR, **texts,
            )  # fmt: skip
            if index == 0:
                service.consent_case(session, now, case_id=case.id, subject_id=subject_id)
                service.publish_case(session, keys, now, case_id=case.id, months=12, actor=ACTOR)
        return session.scalar(select(func.count()).select_from(TypicalCase)) or 0
