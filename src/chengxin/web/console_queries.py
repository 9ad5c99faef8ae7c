"""The query register review (查询登记审查, R-3.2): the register's rows, newest first, with their
anomaly flags, filtered by flag, requester, outcome and Beijing dates — the read of
`GET /api/v1/queries`, for reviewers, operators and auditors. Filters are GET parameters that
hold no personal data (a requester's code is an organisation's); each row links to its ledger
entry. A person is shown by subject id only, as the API does."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.consents.rules import PURPOSE_LABELS, Purpose
from chengxin.queries import register
from chengxin.queries.models import QueryEntry
from chengxin.queries.rules import Flag, Outcome
from chengxin.queries.thresholds import Thresholds
from chengxin.web.console_times import beijing, day_start
from chengxin.web.i18n import N_
from chengxin.web.pages import GuardedPage

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[Principal, allowed(Permission.REGISTER_READ)]
RAW = 100  # longer raw values are refused before they are read (422 page)
Raw = Annotated[str, Query(max_length=RAW)]
PER_PAGE = 50
MAX_PAGE = 1000
REQUESTER = re.compile(r"[A-Z0-9][A-Z0-9_-]{1,31}")  # the requester registry's codes
FLAG_LABELS = {
    Flag.BULK: N_("Bulk: more people in an hour than the threshold"),
    Flag.OFF_HOURS: N_("Out of hours: before 08:00, after 20:00 or at a weekend"),
    Flag.REPEATED_REFUSALS: N_("Repeated refusals within an hour"),
    Flag.NO_CONSENT: N_("No consent: a requester queried without an active consent"),
}
OUTCOME_LABELS = {Outcome.ANSWERED: N_("answered"), Outcome.REFUSED: N_("refused")}
MESSAGES = {
    "requester": N_("A requester code is 2 to 32 capital letters, digits, - or _"),
    "outcome": N_("Choose one of the outcomes shown"),
    "since": N_("Give the date as YYYY-MM-DD"),
    "until": N_("Give the date as YYYY-MM-DD, not before the first day"),
    "page": N_("A page number is a whole number from 1 to 1000"),
}


@dataclass(frozen=True)
class Filters:
    flagged: bool
    requester: str | None
    outcome: Outcome | None
    since: dt.date | None
    until: dt.date | None  # inclusive
    page: int


@dataclass(frozen=True)
class Row:
    at: str
    requester: str  # the requester's code, else the caller's role and actor
    subject: str  # the subject id, or "" for a query that found no one
    purpose: str
    channel: str
    outcome: Outcome
    refusal: str
    items: int
    records: int
    flags: list[Flag]
    ledger_index: int


def _day(raw: str) -> dt.date | None:
    if len(raw) != len("2026-01-01"):
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def parse(
    *, flagged: str, requester: str, outcome: str, since: str, until: str, page: str
) -> tuple[Filters, dict[str, str]]:
    """The filters as typed, and a message for each one that cannot be used."""
    code, first, last = requester.strip().upper(), _day(since.strip()), _day(until.strip())
    bad = {
        "requester": bool(code) and not REQUESTER.fullmatch(code),
        "outcome": bool(outcome) and outcome not in set(Outcome),
        "since": bool(since.strip()) and first is None,
        "until": bool(until.strip())
        and (last is None or (first is not None and last < first)),
        "page": not (page.isascii() and page.isdigit() and 1 <= int(page) <= MAX_PAGE),
    }  # fmt: skip
    errors = {field: MESSAGES[field] for field, wrong in bad.items() if wrong}
    filters = Filters(
        flagged=flagged == "1", requester=code or None,
        outcome=Outcome(outcome) if outcome and "outcome" not in errors else None,
        since=first, until=last, page=int(page) if "page" not in errors else 1,
    )  # fmt: skip
    return filters, errors


def _purpose(code: str | None, lang: str) -> str:
    if code is None:
        return ""
    if code not in set(Purpose):
        return code
    zh, en = PURPOSE_LABELS[Purpose(code)]
    return zh if lang == "zh" else en


def _row(entry: QueryEntry, code: str | None, lang: str) -> Row:
    return Row(
        at=beijing(entry.at), requester=code or f"{entry.role} · {entry.actor}",
        subject=str(entry.subject_id) if entry.subject_id else "",
        purpose=_purpose(entry.purpose, lang), channel=entry.channel, outcome=entry.outcome,
        refusal=entry.refusal or "", items=len([i for i in entry.items.split(",") if i]),
        records=entry.record_count, flags=[Flag(f) for f in entry.flags.split(",") if f],
        ledger_index=entry.ledger_index,
    )  # fmt: skip


@router.get("/console/queries", response_class=HTMLResponse)
def query_register(
    *,
    page: GuardedPage,
    _reviewer: Reviewer,
    flagged: Raw = "",
    requester: Raw = "",
    outcome: Raw = "",
    since: Raw = "",
    until: Raw = "",
    page_number: Annotated[str, Query(alias="page", max_length=RAW)] = "1",
) -> HTMLResponse:
    filters, errors = parse(flagged=flagged, requester=requester, outcome=outcome, since=since,
                            until=until, page=page_number)  # fmt: skip
    rows: list[Row] = []
    more = False
    if not errors:
        with page.runtime.reads() as session:
            found = register.list_register(
                session, requester_code=filters.requester, outcome=filters.outcome,
                flagged=filters.flagged,
                since=day_start(filters.since) if filters.since else None,
                until=day_start(filters.until + dt.timedelta(days=1)) if filters.until else None,
                limit=PER_PAGE + 1, offset=(filters.page - 1) * PER_PAGE,
            )  # fmt: skip
        more = len(found) > PER_PAGE
        rows = [_row(entry, code, page.lang) for entry, code in found[:PER_PAGE]]
    typed = {"flagged": flagged, "requester": requester, "outcome": outcome, "since": since,
             "until": until}  # fmt: skip
    kept = [(k, v) for k, v in typed.items() if v]  # the pager keeps the filters
    return page.render(
        "console_queries.html", status=422 if errors else 200, errors=errors, typed=typed,
        rows=rows, filters=filters, more=more, kept=kept, flag_labels=FLAG_LABELS,
        outcome_labels=OUTCOME_LABELS, thresholds=Thresholds.of(page.runtime.settings),
    )  # fmt: skip
