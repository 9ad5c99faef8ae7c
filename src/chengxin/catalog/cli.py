"""`chengxin catalog …`: list the items, show one, validate an operator's folder, reload the
configured folders into the running node.

Refusals print one line on stderr and exit with status 2; `validate` prints every problem as
`file:line: reason`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from chengxin.catalog.schema import Catalog
from chengxin.catalog.service import catalog_for_settings, check_folder, today_in_china
from chengxin.catalog.views import detail_view, list_view, version_view
from chengxin.catalog.vocab import Category, Domain
from chengxin.catalog.yamlsource import CatalogError
from chengxin.cli_support import Actor, cli_actor, emit_json, runtime
from chengxin.errors import ChengxinError
from chengxin.runtime import FOLLOW_SECONDS

app = typer.Typer(
    help="Catalog of public credit information items (公共信用信息目录), R-2.1.",
    no_args_is_help=True,
)

OnOption = Annotated[
    dt.datetime | None,
    typer.Option("--on", formats=["%Y-%m-%d"], help="Date in force (YYYY-MM-DD); default today"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _catalog() -> Catalog:
    try:
        return catalog_for_settings()
    except CatalogError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        _fail(f"the catalog cannot be loaded ({len(exc.problems)} problem(s))")
    except ChengxinError as exc:
        _fail(str(exc))


@app.command("list")
def list_items(
    on: OnOption = None,
    domain: Annotated[Domain | None, typer.Option(help="Only this domain")] = None,
    category: Annotated[Category | None, typer.Option(help="Only this category")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the items in force on a date: code, category, domain, Chinese and English name."""
    catalog = _catalog()
    day = on.date() if on else today_in_china()
    items = catalog.items(day, domain=domain, category=category)
    if as_json:
        emit_json(list_view(items, day).model_dump(mode="json"))
        return
    for item in items:
        typer.echo(
            f"{item.code:<34} {item.category:<8} {item.domain:<22} {item.name.zh} / {item.name.en}"
        )
    typer.echo(f"{len(items)} items in force on {day}")


@app.command("show")
def show(code: str, on: OnOption = None, as_json: JsonOption = False) -> None:
    """Show one item: the version in force on a date (default today) and its other versions."""
    catalog = _catalog()
    day = on.date() if on else today_in_china()
    try:
        detail = detail_view(catalog, code, day)
    except ChengxinError as exc:
        _fail(f"{code}: {exc.message}")
    if as_json:
        emit_json(detail.model_dump(mode="json"))
        return
    item = catalog.find(code, day) or catalog.versions(code)[-1]
    view = version_view(catalog, item)
    if detail.current is None:
        typer.echo(f"(not in force on {day}; showing the latest version)")
    typer.echo(f"{item.code}  {item.name.zh} / {item.name.en}")
    until = f" to {item.effective_to}" if item.effective_to else ""
    typer.echo(f"  edition {item.edition}, in force from {item.effective_from}{until}")
    typer.echo(f"  category {item.category}, class {item.info_class}, domain {item.domain}")
    typer.echo(f"  disclosure {item.disclosure}, updated {item.update_frequency}")
    rule = view.display_rule
    typer.echo(f"  display rule {rule.name} ({rule.kind}, from {rule.start_field or '-'})")
    if item.min_age_at_conduct:
        typer.echo(f"  only conduct at age {item.min_age_at_conduct} or older")
    typer.echo("  legal basis:")
    for basis in item.legal_basis:
        typer.echo(f"    {basis}")
    kinds = ", ".join(item.sources.kinds)
    departments = "、".join(item.sources.departments)
    typer.echo(f"  sources: {kinds}{' (' + departments + ')' if departments else ''}")
    typer.echo("  fields:")
    for spec in item.fields:
        flag = "*" if spec.required else " "
        extra = f" [{', '.join(spec.values)}]" if spec.values and len(spec.values) <= 8 else ""
        typer.echo(f"   {flag}{spec.name:<28} {spec.type:<8} {spec.label.zh}{extra}")
    typer.echo(f"  versions: {', '.join(str(v.effective_from) for v in detail.versions)}")
    typer.echo(f"  defined at {item.defined_at}")


@app.command("validate")
def validate(
    directory: Annotated[Path, typer.Argument(help="Folder of catalog YAML files to check")],
) -> None:
    """Load the shipped catalog plus DIR and report every problem as `file:line: reason`."""
    try:
        catalog = check_folder(directory)
    except CatalogError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        _fail(f"{len(exc.problems)} problem(s) in the catalog files")
    except ChengxinError as exc:
        _fail(str(exc))
    operator = [v for v in catalog.all_versions() if v.origin == "operator"]
    typer.echo(
        f"OK: {len(catalog)} items ({len(catalog.all_versions())} versions, {len(operator)} from "
        f"{directory}), {len(catalog.display_rules)} display rules, "
        f"{len(catalog.regimes)} penalty regimes"
    )


@app.command("reload")
def reload(actor: Actor = None) -> None:
    """Check the configured catalog and measures folders as a start would and, only if there is
    no problem, record a reload: every serving process of the node loads them within seconds."""
    rt = runtime()
    try:
        check = rt.reload_rules(actor=cli_actor(actor))
    except ChengxinError as exc:
        _fail(str(exc))
    finally:
        rt.close()
    if not check.ok:
        for part, problems in check.problems.items():
            for problem in problems:
                typer.echo(f"{part}: {problem}", err=True)
        count = sum(len(problems) for problems in check.problems.values())
        _fail(f"{count} problem(s): nothing was reloaded")
    typer.echo(
        f"OK: reload {rt.rules_seen} recorded ({len(rt.catalog)} catalog items); the serving "
        f"processes load it within {FOLLOW_SECONDS:.0f} s"
    )
