"""`chengxin demo`: fill the database with synthetic, valid identities."""

from __future__ import annotations

from typing import Annotated

import typer

from chengxin.cli_support import runtime
from chengxin.demo.access import load_access_demo
from chengxin.demo.cases import load_cases_demo
from chengxin.demo.measures import load_checks_demo
from chengxin.demo.service import load_demo

MAX_DEMO_PEOPLE = 1_000_000


def demo(
    people: Annotated[int, typer.Option(min=1, max=MAX_DEMO_PEOPLE, help="How many people.")] = 200,
    seed: Annotated[int, typer.Option(min=0, help="Same seed, same data.")] = 1,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Skip if subjects exist.")] = False,
) -> None:
    """Create synthetic people, organisations, links, occupations and records from six sources
    (deterministic per seed), three requesters, a consent, three registered queries, two
    checks of reward and punishment measures by a department and two typical cases."""
    rt = runtime()
    result = load_demo(
        rt.sessions, rt.keys, rt.catalog, rt.clock(), people=people, seed=seed, if_empty=if_empty
    )
    if result.skipped:
        typer.echo("demo data skipped: the database already holds subjects")
        return
    access = load_access_demo(
        rt.sessions, rt.keys, rt.catalog, rt.clock(), people=people, seed=seed,
        origin=rt.settings.ledger_origin,
    )  # fmt: skip
    checks = load_checks_demo(rt.sessions, rt.keys, rt.catalog, rt.measures, rt.clock())
    cases = load_cases_demo(rt.sessions, rt.keys, rt.clock())
    typer.echo(
        f"demo data: {result.people} people, {result.organisations} organisations, "
        f"{result.links} links, {result.occupations} occupations, {result.records} records, "
        f"{access.requesters} requesters, {access.queries} registered queries, "
        f"{checks} measure checks, {cases} typical cases"
    )
