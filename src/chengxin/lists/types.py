"""List types as data (`data/*.yaml`, `kind: list_types`): legal basis, criteria, who designates,
term, early removal and the notice window, each version in force from its `effective_from`.
Validated strictly at load; a refusal names the file and the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chengxin.catalog.vocab import SourceKind
from chengxin.errors import ConfigError, NotFound
from chengxin.identity.models import SubjectKind
from chengxin.lists.rules import Condition, EarlyRemoval, ListKind

DATA_DIR = Path(__file__).parent / "data"
CODE = r"^[A-Z][A-Z0-9-]{1,63}$"
DEFAULT_NOTICE_WORKDAYS = (
    10  # 国办发〔2020〕49号 四（八） asks for notice; 10 is this platform's term
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bilingual(_Strict):
    zh: str = Field(min_length=1, max_length=2000)
    en: str = Field(min_length=1, max_length=2000)


class LegalBasis(_Strict):
    instrument: str = Field(min_length=1, max_length=300)
    article: str = Field(min_length=1, max_length=100)


class DesignatedBy(_Strict):
    """Who may designate: a source of one of `source_kinds` and, when `items` are given, holding
    a live grant for at least one of these catalog items (the records that evidence it)."""

    source_kinds: tuple[SourceKind, ...] = Field(min_length=1)
    items: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()  # for people: 人力资源社会保障部门 …


class EarlyRemovalRule(_Strict):
    after_months: int = Field(ge=0, le=120)
    counted_from: Literal["listing", "correction"] = "listing"
    requires: tuple[Condition, ...] = Field(min_length=1)
    note: str | None = Field(default=None, max_length=500)


class ListType(_Strict):
    """One version of a list type."""

    code: str = Field(pattern=CODE)
    effective_from: dt.date
    kind: ListKind
    name: Bilingual
    legal_basis: tuple[LegalBasis, ...] = Field(min_length=1)
    criteria: Bilingual
    designated_by: DesignatedBy
    subjects: tuple[SubjectKind, ...] = Field(min_length=1)
    reach_people: bool = False  # an organisation's listing reaches its people (§6.2 落实到人)
    term_months: int | None = Field(ge=1, le=1200)  # null: until removed
    term_note: str | None = Field(default=None, max_length=500)
    early_removal: EarlyRemovalRule | None = None
    notice_workdays: int = Field(default=DEFAULT_NOTICE_WORKDAYS, ge=0, le=60)

    @model_validator(mode="after")
    def _coherent(self) -> ListType:
        if self.reach_people and SubjectKind.ORGANISATION not in self.subjects:
            raise ValueError("reach_people needs organisation among subjects")
        if self.kind is not ListKind.RED and self.notice_workdays == 0:
            raise ValueError("a dishonesty or supervision list needs a notice window (告知)")
        return self

    @property
    def early(self) -> EarlyRemoval | None:
        rule = self.early_removal
        if rule is None:
            return None
        return EarlyRemoval(rule.after_months, frozenset(rule.requires), rule.counted_from)


class _File(_Strict):
    kind: Literal["list_types"]
    types: tuple[ListType, ...] = Field(min_length=1)


@dataclass(frozen=True)
class ListTypes:
    """Every version of every list type, by code."""

    versions: dict[str, tuple[ListType, ...]]  # code → versions, oldest first

    def codes(self) -> list[str]:
        return sorted(self.versions)

    def __iter__(self) -> Iterator[ListType]:
        for code in self.codes():
            yield from self.versions[code]

    def current(self, today: dt.date) -> list[ListType]:
        """The version of each type in force today (types not yet in force left out)."""
        found = []
        for code in self.codes():
            in_force = [t for t in self.versions[code] if t.effective_from <= today]
            if in_force:
                found.append(in_force[-1])
        return found

    def in_force(self, code: str, on: dt.date) -> ListType:
        """The version that judges a listing proposed on `on`."""
        versions = self.versions.get(code)
        if not versions:
            raise NotFound(f"no list type has the code {code!r}", field="list_type")
        in_force = [t for t in versions if t.effective_from <= on]
        if not in_force:
            raise NotFound(
                f"list type {code} is in force only from {versions[0].effective_from}",
                field="list_type",
            )
        return in_force[-1]

    def version(self, code: str, effective_from: dt.date) -> ListType:
        """The exact version an entry was judged by."""
        for candidate in self.versions.get(code, ()):
            if candidate.effective_from == effective_from:
                return candidate
        raise NotFound(f"list type {code} of {effective_from} is not loaded", field="list_type")


def _where(exc: ValidationError | yaml.YAMLError, types: object) -> str:
    if not isinstance(exc, ValidationError):
        return str(exc).replace("\n", " ")
    first = exc.errors()[0]
    loc = [str(p) for p in first["loc"]]
    if len(loc) >= 2 and loc[0] == "types" and isinstance(types, list):  # name the type too
        index = int(loc[1])
        entry = types[index] if index < len(types) else None
        code = entry.get("code") if isinstance(entry, dict) else None
        if isinstance(code, str):
            loc[1] = f"{loc[1]}({code})"
    return f"{'.'.join(loc) or 'file'}: {first['msg']}"


def parse_types(text: str, where: str) -> list[ListType]:
    """The types of one file; ConfigError `where: field.path: reason` when it cannot be used."""
    raw: object = None
    try:
        raw = yaml.safe_load(text)
        parsed = _File.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        types = raw.get("types") if isinstance(raw, dict) else None
        raise ConfigError(f"{where}: {_where(exc, types)}", field="list_types") from None
    return list(parsed.types)


def build_types(files: Iterable[tuple[str, str]]) -> ListTypes:
    """The types of all files (name, text); a code's versions must have distinct dates."""
    versions: dict[str, list[ListType]] = {}
    seen: dict[tuple[str, dt.date], str] = {}
    for name, text in files:
        for found in parse_types(text, name):
            key = (found.code, found.effective_from)
            if key in seen:
                raise ConfigError(
                    f"{name}: types.{found.code}: version of {found.effective_from} is also "
                    f"defined in {seen[key]}",
                    field="list_types",
                    rule="duplicate",
                )
            seen[key] = name
            versions.setdefault(found.code, []).append(found)
    if not versions:
        raise ConfigError("no list types are defined", field="list_types")
    return ListTypes(
        {code: tuple(sorted(v, key=lambda t: t.effective_from)) for code, v in versions.items()}
    )


def load_types(folder: Path = DATA_DIR) -> ListTypes:
    try:
        paths = sorted(folder.glob("*.yaml"))
        files = [(p.name, p.read_text("utf-8")) for p in paths]
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{folder}: cannot be read ({exc})", field="list_types") from None
    return build_types(files)


@cache
def shipped_types() -> ListTypes:
    return load_types()
