"""Tip-off routes (举报, R-6.5): anyone files one (multipart, with evidence files) and follows it
by its tracking number; staff read the queue and a tip-off's texts and move it along. Filing has
its own, tighter rate limit per client address, on top of the general one."""

from __future__ import annotations

import threading
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.access.ratelimit import RateLimiter
from chengxin.disputes.api import UPLOAD_LIMIT
from chengxin.disputes.attachments import read_files
from chengxin.errors import TooManyRequests
from chengxin.problems import GUARDED, NO_NUL, problem_responses
from chengxin.runtime import runtime_of
from chengxin.tipoffs import service
from chengxin.tipoffs.rules import (
    FILINGS_PER_HOUR,
    MAX_CONTACT,
    MAX_REASON,
    MAX_SUBJECT,
    MAX_TEXT,
    MAX_TRACKING_INPUT,
    TipoffCategory,
    TipoffState,
)
from chengxin.tipoffs.views import (
    MAX_PAGE,
    FiledOut,
    TipoffOut,
    TipoffRow,
    TrackOut,
    evidence_file,
    queue,
    staff_view,
    track_view,
)

router = APIRouter(prefix="/api/v1", tags=["tipoffs"], responses=GUARDED, dependencies=NO_NUL)
UPLOAD_PATHS = ("/api/v1/tipoffs",)
UPLOADS = dict.fromkeys(UPLOAD_PATHS, UPLOAD_LIMIT)  # for the app's body limit
Follower = Annotated[Principal, allowed(Permission.TIPOFFS_FILE)]
Staff = Annotated[Principal, allowed(Permission.TIPOFFS_MANAGE)]
Reader = Annotated[Principal, allowed(Permission.TIPOFFS_READ)]
Files = Annotated[list[UploadFile], File(description="PDF, JPEG or PNG; at most 5 of 5 MiB")]
_LIMITER_LOCK = threading.Lock()


def filing_limiter(request: Request) -> RateLimiter:
    """The app's tip-off limiter: FILINGS_PER_HOUR per client address (made on first use)."""
    state = request.app.state
    with _LIMITER_LOCK:
        if getattr(state, "tipoff_limiter", None) is None:
            state.tipoff_limiter = RateLimiter(FILINGS_PER_HOUR, window_seconds=3600)
        limiter: RateLimiter = state.tipoff_limiter
    return limiter


def count_filing(request: Request) -> None:
    """Every filing counts, refused ones too, whoever is signed in: one address, one budget
    (the API and the public form page share it)."""
    host = request.client.host if request.client else "-"
    wait = filing_limiter(request).hit(f"client:{host}")
    if wait is not None:
        raise TooManyRequests(f"more than {FILINGS_PER_HOUR} tip-offs an hour from one address",
                              retry_after=wait, field="rate", rule="tipoff-rate-limit")  # fmt: skip


def _filer(request: Request, principal: Follower) -> Principal:
    count_filing(request)
    return principal


Filer = Annotated[Principal, Depends(_filer)]


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=MAX_REASON, description="Why (kept with the step, sealed)")


class ReferIn(ReasonIn):
    source_code: str = Field(max_length=32, description="The designating source (认定单位)")


# --- the public -------------------------------------------------------------------------------


@router.post("/tipoffs", status_code=201, response_model=FiledOut,
             summary="File a tip-off (举报); its tracking number is shown once")  # fmt: skip
def post_tipoff(  # noqa: PLR0917  (form fields are parameters)
    request: Request,
    _reporter: Filer,
    category: Annotated[TipoffCategory, Form()],
    region_code: Annotated[str, Form(max_length=6, description="Where it happened (GB/T 2260)")],
    subject: Annotated[str, Form(max_length=MAX_SUBJECT, description="Who or what is reported")],
    text: Annotated[str, Form(max_length=MAX_TEXT, description="What happened, when, where")],
    contact: Annotated[str | None, Form(max_length=MAX_CONTACT,
                                        description="Telephone or e-mail; none: anonymous")] = None,
    files: Files = [],  # noqa: B006  (FastAPI copies the default)
) -> FiledOut:  # fmt: skip
    rt = runtime_of(request)
    evidence = read_files(files)
    with rt.sessions() as session, session.begin():
        filed = service.file_tipoff(
            session, rt.keys, rt.clock(), category=category, region_code=region_code,
            subject=subject, text=text, contact=contact, files=evidence,
        )  # fmt: skip
        view = track_view(session, filed.tipoff)
    return FiledOut(**view.model_dump(), tracking=filed.tracking)


@router.get("/tipoffs/{tracking}", response_model=TrackOut,
            responses=problem_responses(404),
            summary="Follow a tip-off by its tracking number: state and dates only")  # fmt: skip
def follow(
    request: Request,
    _public: Follower,
    tracking: Annotated[str, Path(max_length=MAX_TRACKING_INPUT)],
) -> TrackOut:
    rt = runtime_of(request)
    with rt.reads() as session:
        return track_view(session, service.find_by_tracking(session, rt.keys, tracking))


# --- staff (triage) ---------------------------------------------------------------------------


@router.get("/staff/tipoffs", response_model=list[TipoffRow],
            summary="The triage queue, oldest first (default: the open ones)")  # fmt: skip
def staff_queue(
    *,
    request: Request,
    _staff: Reader,
    state: TipoffState | None = None,
    category: TipoffCategory | None = None,
    region_code: Annotated[str | None, Query(max_length=6)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[TipoffRow]:
    with runtime_of(request).reads() as session:
        return queue(session, state=state, category=category, region_code=region_code,
                     limit=limit, offset=offset)  # fmt: skip


@router.get("/staff/tipoffs/{tipoff_id}", response_model=TipoffOut,
            responses=problem_responses(404),
            summary="One tip-off with its texts, evidence and steps")  # fmt: skip
def staff_one(request: Request, _staff: Reader, tipoff_id: uuid.UUID) -> TipoffOut:
    rt = runtime_of(request)
    with rt.reads() as session:
        return staff_view(session, rt.keys, service.get_tipoff(session, tipoff_id))


@router.get("/staff/tipoffs/{tipoff_id}/files/{file_id}", response_class=Response,
            summary="One evidence file, as sent", responses=problem_responses(404))  # fmt: skip
def staff_file(
    request: Request, _staff: Reader, tipoff_id: uuid.UUID, file_id: uuid.UUID
) -> Response:
    rt = runtime_of(request)
    with rt.reads() as session:
        found, data = evidence_file(session, rt.keys, tipoff_id=tipoff_id, file_id=file_id)
    return Response(data, media_type=found.media_type, headers={
        "Content-Disposition": f'attachment; filename="evidence-{found.id}"',
        "X-Content-Type-Options": "nosniff",
    })  # fmt: skip


@router.post(
    "/staff/tipoffs/{tipoff_id}/accept",
    response_model=TipoffOut,
    summary="受理",
    responses=problem_responses(404, 409),
)
def accept(request: Request, staff: Staff, tipoff_id: uuid.UUID, body: ReasonIn) -> TipoffOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        done = service.accept_tipoff(session, rt.keys, rt.clock(), tipoff_id=tipoff_id,
                                     reason=body.reason, actor=staff.actor)  # fmt: skip
        return staff_view(session, rt.keys, done)


@router.post(
    "/staff/tipoffs/{tipoff_id}/reject",
    response_model=TipoffOut,
    summary="不予受理",
    responses=problem_responses(404, 409),
)
def reject(request: Request, staff: Staff, tipoff_id: uuid.UUID, body: ReasonIn) -> TipoffOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        done = service.reject_tipoff(session, rt.keys, rt.clock(), tipoff_id=tipoff_id,
                                     reason=body.reason, actor=staff.actor)  # fmt: skip
        return staff_view(session, rt.keys, done)


@router.post("/staff/tipoffs/{tipoff_id}/refer", response_model=TipoffOut,
             responses=problem_responses(404, 409),
             summary="移交认定单位: refer to the designating source")  # fmt: skip
def refer(request: Request, staff: Staff, tipoff_id: uuid.UUID, body: ReferIn) -> TipoffOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        done = service.refer_tipoff(session, rt.keys, rt.clock(), tipoff_id=tipoff_id,
                                    source_code=body.source_code, reason=body.reason,
                                    actor=staff.actor)  # fmt: skip
        return staff_view(session, rt.keys, done)


@router.post(
    "/staff/tipoffs/{tipoff_id}/close",
    response_model=TipoffOut,
    summary="办结",
    responses=problem_responses(404, 409),
)
def close(request: Request, staff: Staff, tipoff_id: uuid.UUID, body: ReasonIn) -> TipoffOut:
    rt = runtime_of(request)
    with rt.sessions() as session, session.begin():
        done = service.close_tipoff(session, rt.keys, rt.clock(), tipoff_id=tipoff_id,
                                    reason=body.reason, actor=staff.actor)  # fmt: skip
        return staff_view(session, rt.keys, done)
