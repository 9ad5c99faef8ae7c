"""Demo data: valid, varied and deterministic per seed."""

from __future__ import annotations

import datetime as dt

from chengxin.demo.generator import generate
from chengxin.identity.names import normalize_name
from chengxin.identity.numbers import parse_id_number, parse_uscc

TODAY = dt.date(2026, 11, 26)


def test_same_seed_same_data_other_seed_other_data() -> None:
    assert generate(50, 3, TODAY) == generate(50, 3, TODAY)
    assert generate(50, 3, TODAY).people != generate(50, 4, TODAY).people


def test_every_generated_identity_is_valid_and_unique() -> None:
    data = generate(500, 11, TODAY)
    parsed = [parse_id_number(p.id_number, TODAY) for p in data.people]
    assert len({p.normalized for p in parsed}) == 500
    assert all(normalize_name(p.name) == p.name for p in data.people)
    assert len({p.region.province for p in parsed}) >= 25  # across the country
    ages = [(TODAY - p.birth_date).days // 365 for p in parsed]
    assert min(ages) < 18 <= max(ages)  # some minors, mostly adults
    assert {p.sex for p in parsed} == {"M", "F"}
    for org in data.organisations:
        assert parse_uscc(org.uscc).normalized == org.uscc
    assert len({o.uscc for o in data.organisations}) == len(data.organisations) == 50


def test_links_and_occupations_point_at_generated_subjects() -> None:
    data = generate(100, 5, TODAY)
    assert data.links
    assert data.occupations
    assert all(
        0 <= k.person < 100 and 0 <= k.organisation < len(data.organisations) for k in data.links
    )
    assert all(
        0 <= o.person < 100 and (o.valid_to is None or o.valid_to >= o.valid_from)
        for o in data.occupations
    )
