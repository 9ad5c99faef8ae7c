"""R-5.2: a regional node shares its own records upward by the catalog's disclosure level
(`CHENGXIN_SHARE_UP`, public and government by default; authorised records stay home), beside
the serious dishonesty it owes the national platform (R-5.5). Copies of other nodes' records are
their origin's to share, and the national node pushes nothing upward."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chengxin import migrate
from chengxin.catalog.schema import Catalog
from chengxin.catalog.vocab import Category, DisclosureLevel, SourceKind
from chengxin.collection import sources
from chengxin.errors import ConfigError
from chengxin.exchange.copies import Outcome, apply_message
from chengxin.exchange.criteria import push_criteria
from chengxin.exchange.jobs import queue_all, run_push
from chengxin.exchange.messages import PersonRef, SourceRef
from chengxin.exchange.models import NationalPush
from chengxin.exchange.push import NATIONAL
from chengxin.exchange.push_rules import PushCriteria, RecordView, criterion_met
from chengxin.keys import create_key_file
from chengxin.records.models import Record, RecordShare
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from chengxin.workdays.loader import load_calendar
from tests.collection.conftest import person
from tests.conftest import NOW
from tests.exchange.conftest import Node, evasion, loan_default, name, tax_listing
from tests.exchange.examples import CONTENT, EXAMPLES, ORIGIN
from tests.platform import Clock

DEFAULT = frozenset({DisclosureLevel.PUBLIC, DisclosureLevel.GOVERNMENT})


def tax_penalty(n: int) -> dict[str, Any]:
    """A PENALTY-TAX row (bad, public) about person n."""
    return {"id_number": person(n), "name": name("周", n), "record_id": f"P{n}", **CONTENT,
            "decision_number": f"京税罚〔2026〕{n}号"}  # fmt: skip


def registration(n: int) -> dict[str, Any]:
    """A BASIC-REGISTRATION row (basic, government sharing only) about person n."""
    return {"id_number": person(n), "name": name("吴", n), "record_id": f"H{n}",
            "registration_region": "110105", "registration_authority": "北京市公安局朝阳分局",
            "registered_on": "2021-06-01"}  # fmt: skip


def add_police(node: Node) -> None:
    with node.sessions() as session, session.begin():
        source = sources.add_source(session, NOW, code="POLICE-BJ", name="北京市公安局",
                                    region_code="110000", kind=SourceKind.GOVERNMENT_DEPARTMENT,
                                    actor="test")  # fmt: skip
        sources.grant_item(session, node.catalog, NOW, source, "BASIC-REGISTRATION", actor="test")


def hold_copy(node: Node, n: int, **change: Any) -> uuid.UUID:
    """A copy of a public tax penalty that region CN-330000 holds, about person n."""
    message = dataclasses.replace(
        EXAMPLES["record_version"], id=uuid.uuid4(), record_id=uuid.uuid4(),
        subject=PersonRef(person(n), name("郑", n)), **change,
    )  # fmt: skip
    with node.sessions() as session, session.begin():
        applied = apply_message(session, node.keys, load_calendar(), NOW, sender=ORIGIN,
                                message=message)  # fmt: skip
    assert applied.outcome == Outcome.APPLIED, applied
    return message.record_id


def queued(node: Node) -> dict[str, str]:
    """Source record id → criterion of every queued row."""
    with node.sessions() as session:
        rows = session.execute(
            select(Record.source_record_id, NationalPush.criterion)
            .join(Record, Record.id == NationalPush.record_id)
        )  # fmt: skip
        return {str(rid): str(criterion) for rid, criterion in rows}


def shares(node: Node) -> dict[str, str]:
    with node.sessions() as session:
        rows = session.execute(
            select(Record.source_record_id, RecordShare.recipient)
            .join(Record, Record.id == RecordShare.record_id)
        )  # fmt: skip
        return {str(rid): str(recipient) for rid, recipient in rows}


def push(node: Node, levels: frozenset[DisclosureLevel] = DEFAULT) -> int:
    return queue_all(node.sessions, push_criteria(node.catalog, levels), NOW).queued


# --- the pure rule ------------------------------------------------------------------------------


def view(**kw: Any) -> RecordView:
    facts: dict[str, Any] = {
        "source_kind": SourceKind.GOVERNMENT_DEPARTMENT, "category": "bad", "severity": None,
        "item_code": "PENALTY-TAX", "content": {}, "status": "active",
        "decision_date": dt.date(2026, 6, 30), "disclosure": "public", "origin": None, **kw,
    }  # fmt: skip
    return RecordView(**facts)


@pytest.fixture(scope="module")
def default(catalog: Catalog) -> PushCriteria:
    return push_criteria(catalog, DEFAULT)


def test_r5_2_the_rule_shares_the_configured_levels(default: PushCriteria) -> None:
    """R-5.2: a public or government record of this node is owed upward, an authorised one is
    not; the criterion names the level."""
    assert criterion_met(default, view()) == "disclosure:public"
    assert criterion_met(default, view(disclosure="government")) == "disclosure:government"
    assert criterion_met(default, view(disclosure="authorised")) is None
    only_public = dataclasses.replace(default, share_levels=frozenset({DisclosureLevel.PUBLIC}))
    assert criterion_met(only_public, view(disclosure="government")) is None


def test_r5_2_serious_dishonesty_keeps_its_criterion(default: PushCriteria) -> None:
    """R-5.5 before R-5.2: a record that is serious and public is stored with the serious
    criterion; serious and authorised is still owed (R-5.5 needs no level)."""
    serious = {"source_kind": SourceKind.FINANCIAL_CREDIT_DATABASE, "category": "serious"}
    assert criterion_met(default, view(**serious)) == "category:serious"
    assert criterion_met(default, view(**serious, disclosure="authorised")) == "category:serious"


def test_r5_2_copies_and_ended_records_are_never_owed(default: PushCriteria) -> None:
    """R-5.2: a copy of another node's record is its origin's to share, even when serious; a
    revoked, expired or repaired record is not shared."""
    serious = {"source_kind": SourceKind.FINANCIAL_CREDIT_DATABASE, "category": "serious"}
    assert criterion_met(default, view(origin="CN-330000")) is None
    assert criterion_met(default, view(origin="CN-330000", **serious)) is None
    for status in ("revoked", "expired", "repaired"):
        assert criterion_met(default, view(status=status)) is None


# --- the setting --------------------------------------------------------------------------------


def test_r5_2_the_setting_defaults_to_public_and_government() -> None:
    """R-5.2: by default authorised records (授权查询) stay at the node where the person
    consented; an operator may list the levels, or none (serious dishonesty only)."""
    assert load_settings({}).share_up == DEFAULT
    given = load_settings({"CHENGXIN_SHARE_UP": " government , public,government"}).share_up
    assert given == DEFAULT
    assert load_settings({"CHENGXIN_SHARE_UP": ""}).share_up == frozenset()
    everything = load_settings({"CHENGXIN_SHARE_UP": "public,authorised,government"})
    assert everything.share_up == frozenset(DisclosureLevel)


@pytest.mark.parametrize(
    ("value", "named"),
    [("everyone", "'everyone'"), ("PUBLIC", "'PUBLIC'"), ("public,,government", "''"),
     ("public;government", "'public;government'")],
)  # fmt: skip
def test_r5_2_a_bad_level_stops_start_up_naming_the_setting(value: str, named: str) -> None:
    """R-5.2: an unknown level names the variable, the rule and the value, and lists the
    levels there are."""
    with pytest.raises(ConfigError) as refused:
        load_settings({"CHENGXIN_SHARE_UP": value})
    assert (refused.value.field, refused.value.rule) == ("CHENGXIN_SHARE_UP", "disclosure-level")
    assert str(refused.value).startswith(
        f"CHENGXIN_SHARE_UP: {named} is not a disclosure level: give a comma list of public, "
        "authorised, government, or nothing"
    )


# --- the queue, on each database ----------------------------------------------------------------


def test_r5_2_own_records_are_queued_by_level_with_a_share_for_the_national_node(
    node: Node,
) -> None:
    """R-5.2, R-5.5: public and government records of any source are queued as
    `disclosure:<level>`, with a share for CN-NATIONAL so that their later changes reach it;
    a serious record of the credit database keeps its criterion; authorised ones stay."""
    add_police(node)
    node.send("TAX-BJ", "PENALTY-TAX", [tax_penalty(1)])
    node.send("TAX-BJ", "LIST-TAX-MAJOR-VIOLATION", [tax_listing(2)])
    node.send("POLICE-BJ", "BASIC-REGISTRATION", [registration(3)])
    node.send("PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION", [evasion(4)])  # authorised, serious
    node.send("STUDENT-AID", "STUDENT-LOAN-DEFAULT", [loan_default(5, 400)])  # authorised
    node.send("PBOC-CRC", "STUDENT-LOAN-DEFAULT", [loan_default(6, 30)])  # authorised, below
    assert push(node) == 4
    assert queued(node) == {"P1": "disclosure:public", "T2": "disclosure:public",
                            "H3": "disclosure:government", "E4": "category:serious"}  # fmt: skip
    assert shares(node) == dict.fromkeys(("P1", "T2", "H3", "E4"), NATIONAL)
    assert push(node) == 0  # once


def test_r5_2_the_levels_are_the_operators_choice(node: Node) -> None:
    """R-5.2: with only `government` listed a public penalty stays; with no level only serious
    dishonesty goes."""
    add_police(node)
    node.send("TAX-BJ", "PENALTY-TAX", [tax_penalty(1)])
    node.send("POLICE-BJ", "BASIC-REGISTRATION", [registration(2)])
    node.send("PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION", [evasion(3)])
    assert push(node, frozenset()) == 1
    assert queued(node) == {"E3": "category:serious"}
    assert push(node, frozenset({DisclosureLevel.GOVERNMENT})) == 1
    assert queued(node) == {"E3": "category:serious", "H2": "disclosure:government"}


def test_r5_2_copies_of_other_nodes_records_are_never_queued(node: Node) -> None:
    """R-5.2: a copy held here (a public penalty from CN-330000, and one that would be serious
    dishonesty of a credit database) is not shared upward again, nor given a share."""
    hold_copy(node, 1)
    bank = SourceRef("ZJ-PBOC", "人民银行杭州中心支行", SourceKind.FINANCIAL_CREDIT_DATABASE,
                     "330000")  # fmt: skip
    hold_copy(node, 2, source=bank, category=Category.SERIOUS)
    node.send("TAX-BJ", "PENALTY-TAX", [tax_penalty(3)])
    assert push(node) == 1
    assert queued(node) == {"P3": "disclosure:public"}
    assert shares(node) == {"P3": NATIONAL}


# --- the job --------------------------------------------------------------------------------------


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    settings = load_settings({"CHENGXIN_DATA_DIR": str(tmp_path)})
    create_key_file(settings.resolved_key_file, NOW)
    rt = Runtime(settings, clock=Clock(NOW))
    migrate.upgrade(rt.engine)
    yield rt
    rt.close()


def test_r5_2_the_national_node_has_nothing_to_push_upward(
    runtime: Runtime, tmp_path: Path
) -> None:
    """R-5.2: the push job of the national node says so and queues nothing."""
    node = Node(runtime.sessions, runtime.keys, runtime.catalog, tmp_path)
    node.send("TAX-BJ", "PENALTY-TAX", [tax_penalty(1)])
    node.send("PBOC-CRC", "FINANCE-MALICIOUS-DEBT-EVASION", [evasion(2)])
    runtime.settings = load_settings({"CHENGXIN_DATA_DIR": str(tmp_path),
                                      "CHENGXIN_NODE_ROLE": "national"})  # fmt: skip
    assert run_push(runtime) == (
        "nothing to push upward: this is the national node (CHENGXIN_NODE_ROLE=national)"
    )
    assert queued(node) == {}


def test_r5_2_the_job_uses_the_setting_and_a_new_setting_reads_everything(
    runtime: Runtime, tmp_path: Path
) -> None:
    """R-5.2: the job queues by CHENGXIN_SHARE_UP; once the levels change, its next run reads
    every candidate again instead of only what changed since the last run."""
    clock = runtime.clock
    assert isinstance(clock, Clock)
    node = Node(runtime.sessions, runtime.keys, runtime.catalog, tmp_path)
    add_police(node)
    node.send("TAX-BJ", "PENALTY-TAX", [tax_penalty(1)])
    node.send("POLICE-BJ", "BASIC-REGISTRATION", [registration(2)])
    env = {"CHENGXIN_DATA_DIR": str(tmp_path)}
    runtime.settings = load_settings({**env, "CHENGXIN_SHARE_UP": "government"})
    assert run_push(runtime) == ("queued 1 records for the national platform; read 1 "
                                 "candidates (all), 0 queued by another worker first")  # fmt: skip
    clock.now = NOW + dt.timedelta(hours=3)  # the records are older than the quick scan's reach
    assert run_push(runtime).startswith("queued 0 records")
    runtime.settings = load_settings({**env, "CHENGXIN_SHARE_UP": "public,government"})
    assert run_push(runtime) == ("queued 1 records for the national platform; read 1 "
                                 "candidates (all), 0 queued by another worker first")  # fmt: skip
    assert queued(node) == {"H2": "disclosure:government", "P1": "disclosure:public"}


def test_r5_2_the_setting_is_documented() -> None:
    """R-5.2: operators find the setting with the others."""
    docs = Path(__file__).resolve().parents[2] / "docs"
    assert "| `CHENGXIN_SHARE_UP` | `public,government` |" in (docs / "operations.md").read_text(
        encoding="utf-8"
    )
