"""Deterministic synthetic people and organisations (pure: the seed and `today` decide all).

The data are invented: ID numbers are valid in form (real region codes, real calendar dates,
correct check characters) but drawn at random, and names are common surnames and given names.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from stdnum.cn import uscc

from chengxin.identity.models import OccupationGroup, OrgRole
from chengxin.identity.numbers import check_character

# County-level codes across every region of the mainland (east, centre, west, north-east, south).
REGIONS = (
    "110105", "110108", "120101", "130102", "140105", "150102", "210102", "220102", "230103",
    "310101", "310115", "320102", "320505", "330106", "330212", "340102", "350203", "360102",
    "370102", "370202", "410105", "420106", "430102", "440106", "440305", "450103", "460106",
    "500103", "510104", "520102", "530102", "540102", "610113", "620102", "630104", "640104",
    "650102",
)  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
COMPOUND = ("欧阳", "司马", "诸葛", "上官")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉晨建国文博宇浩然欣怡子涵梓轩雨彤思远嘉俊佳琪志刚海燕红梅晓东丹丹春雷"  # noqa: E501
ORG_WORDS = ("华兴", "恒信", "诚达", "瑞丰", "宏图", "金桥", "万通", "盛世", "安泰", "德润")
ORG_KINDS = ("建筑工程有限公司", "食品有限公司", "物流有限公司", "医药连锁有限公司", "科技有限公司")
LICENSED = {
    OccupationGroup.LAWYER: "司法局",
    OccupationGroup.PHYSICIAN: "卫生健康委员会",
    OccupationGroup.PHARMACIST: "药品监督管理局",
    OccupationGroup.TEACHER: "教育局",
    OccupationGroup.FIRE_ENGINEER: "消防救援总队",
    OccupationGroup.TOUR_GUIDE: "文化和旅游局",
}


@dataclass(frozen=True)
class DemoPerson:
    id_number: str
    name: str


@dataclass(frozen=True)
class DemoOrganisation:
    uscc: str
    name: str


@dataclass(frozen=True)
class DemoLink:
    person: int
    organisation: int
    role: OrgRole
    start: dt.date
    end: dt.date | None


@dataclass(frozen=True)
class DemoOccupation:
    person: int
    group: OccupationGroup
    licence_number: str | None
    issuer: str | None
    valid_from: dt.date
    valid_to: dt.date | None


@dataclass(frozen=True)
class DemoData:
    people: list[DemoPerson]
    organisations: list[DemoOrganisation]
    links: list[DemoLink]
    occupations: list[DemoOccupation]


def _person(rng: random.Random, today: dt.date, used: set[str]) -> DemoPerson:
    while True:
        region = rng.choice(REGIONS)
        # Ages 16 to 85: a few minors, so that the adult-only rules have someone to refuse.
        birth = today - dt.timedelta(days=rng.randint(16 * 365, 85 * 365))
        sequence = rng.randint(0, 999)
        first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
        number = first17 + check_character(first17)
        if number not in used:
            used.add(number)
            break
    surname = rng.choice(COMPOUND) if rng.random() < 0.02 else rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return DemoPerson(number, surname + given)


def _organisation(rng: random.Random, index: int) -> DemoOrganisation:
    region = rng.choice(REGIONS)
    body = f"{index:08d}"[-8:] + str(rng.randint(0, 9))
    first17 = f"91{region}{body}"
    name = f"{region[:2]}{rng.choice(ORG_WORDS)}{rng.choice(ORG_KINDS)}"
    return DemoOrganisation(first17 + uscc.calc_check_digit(first17), f"示例{name}{index}")


def generate(people: int, seed: int, today: dt.date) -> DemoData:
    rng = random.Random(seed)  # noqa: S311  (synthetic data, not secrets)
    used: set[str] = set()
    persons = [_person(rng, today, used) for _ in range(people)]
    orgs = [_organisation(rng, i) for i in range(max(1, people // 10))]
    links: list[DemoLink] = []
    for i, _org in enumerate(orgs):
        rep = rng.randrange(people)
        links.append(
            DemoLink(
                rep,
                i,
                OrgRole.LEGAL_REPRESENTATIVE,
                today.replace(year=today.year - rng.randint(1, 10)),
                None,
            )
        )
        other = rng.randrange(people)
        if other != rep:
            start = today.replace(year=today.year - rng.randint(2, 8))
            links.append(DemoLink(other, i, OrgRole.RESPONSIBLE_PERSON, start, None))
    occupations: list[DemoOccupation] = []
    groups = list(OccupationGroup)
    for i in range(people):
        if rng.random() < 0.3:
            group = rng.choice(groups)
            issuer = LICENSED.get(group)
            licence = f"{rng.randint(10**9, 10**10 - 1)}" if issuer else None
            start = today.replace(year=today.year - rng.randint(0, 15))
            end = start.replace(year=start.year + 5) if issuer and rng.random() < 0.5 else None
            occupations.append(DemoOccupation(i, group, licence, issuer, start, end))
    return DemoData(persons, orgs, links, occupations)
