"""Ingestion routes for sources (R-2.2): upload a batch, send one record, read receipts."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from chengxin.access.deps import CurrentSource
from chengxin.collection import service
from chengxin.collection.ingest import Receipt
from chengxin.collection.models import Source
from chengxin.collection.readers import Limits
from chengxin.errors import TooLarge
from chengxin.problems import GUARDED, NO_NUL, problem_responses
from chengxin.runtime import runtime_of

router = APIRouter(prefix="/api/v1", tags=["collection"], responses=GUARDED, dependencies=NO_NUL)


class RecordIn(BaseModel):
    """One record. `fields` are the catalog item's fields (see GET /catalog/items/{code})."""

    model_config = ConfigDict(extra="forbid")

    id_number: str = Field(max_length=32, description="Citizen ID number (18 or 15 characters)")
    name: str = Field(max_length=64)
    item: str = Field(max_length=64, description="Catalog item code")
    record_id: str = Field(max_length=100, description="The source's own id of the record")
    action: Literal["add", "correct", "revoke"] = "add"
    fields: dict[str, Any] = Field(default_factory=dict, max_length=200)


@router.post(
    "/batches",
    status_code=201,
    response_model=Receipt,
    summary="Upload a batch file (CSV UTF-8/GB18030, XLSX, JSON Lines)",
)
def post_batch(
    request: Request,
    source_id: CurrentSource,
    file: Annotated[UploadFile, File(description="The batch file")],
    item: Annotated[str | None, Form(max_length=64, description="Item of every row")] = None,
) -> Receipt:
    rt = runtime_of(request)
    limits = Limits(max_bytes=rt.settings.max_upload_bytes, max_rows=rt.settings.max_batch_rows)
    with tempfile.TemporaryDirectory(prefix="chengxin-upload-") as tmp:
        path = Path(tmp) / "upload"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, 1 << 20)
        if path.stat().st_size > limits.max_bytes:
            raise TooLarge(
                f"is larger than {limits.max_bytes} bytes", field="file", rule="max-bytes"
            )
        with rt.reads() as session:
            code = session.get_one(Source, source_id).code
        return service.ingest_file(
            rt.sessions, rt.keys, rt.catalog, rt.clock, path=path, source_code=code,
            item_code=item, actor=f"source:{code}", limits=limits,
            file_name=(file.filename or "upload")[-255:], calendar=rt.workdays,
        )  # fmt: skip


@router.post(
    "/records",
    status_code=201,
    response_model=Receipt,
    summary="Send one record",
)
def post_record(request: Request, source_id: CurrentSource, record: RecordIn) -> Receipt:
    rt = runtime_of(request)
    return service.ingest_record(
        rt.sessions, rt.keys, rt.catalog, rt.clock, source_id=source_id,
        record=record.model_dump(), actor="api", calendar=rt.workdays,
    )  # fmt: skip


@router.get(
    "/batches/{batch_id}",
    response_model=Receipt,
    summary="A batch's receipt",
    responses=problem_responses(404),
)
def get_batch(request: Request, source_id: CurrentSource, batch_id: uuid.UUID) -> Receipt:
    with runtime_of(request).reads() as session:
        return service.batch_receipt(session, batch_id, source_id)


@router.get(
    "/batches/{batch_id}/errors.csv",
    summary="The refused rows of a batch (CSV: row, field, rule, message)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(404)},
)
def get_batch_errors(request: Request, source_id: CurrentSource, batch_id: uuid.UUID) -> Response:
    with runtime_of(request).reads() as session:
        service.batch_receipt(session, batch_id, source_id)
        body = service.errors_csv(service.batch_errors(session, batch_id))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}-errors.csv"'},
    )
