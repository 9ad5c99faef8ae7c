"""`GET /api/v1/quality`: a source's own timeliness and accuracy figures (R-2.7)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from chengxin.access.deps import QualitySource
from chengxin.catalog.vocab import UpdateFrequency
from chengxin.collection.quality import quality_report
from chengxin.problems import GUARDED, NO_NUL
from chengxin.runtime import Runtime

router = APIRouter(prefix="/api/v1", tags=["quality"], responses=GUARDED, dependencies=NO_NUL)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DelayOut(_Out):
    """Days from the decision date to the China calendar day the record arrived."""

    count: int
    mean: float
    median: float
    p90: float = Field(description="90th percentile (linear interpolation)")


class RuleCountOut(_Out):
    rule: str = Field(description="The rule the refused rows broke (as in errors.csv)")
    refused: int


class ItemQualityOut(_Out):
    item_code: str
    granted: bool = Field(description="The source may send this item now")
    update_frequency: UpdateFrequency | None = Field(
        description="Expected frequency of the catalog item in force today"
    )
    records_received: int = Field(description="Records created (first versions)")
    delay_days: DelayOut | None
    corrections: int = Field(description="Corrected versions the source sent")
    revocations: int
    after_objections: int = Field(description="Records corrected or revoked after objections")
    last_received_at: dt.datetime | None = Field(description="Last batch carrying this item")
    expected_every_days: int | None = Field(description="None: sent when something happens")
    days_overdue: int | None = Field(
        description="Days late against the update frequency; 0 on time; None nothing expected"
    )
    overdue: bool


class SourceQualityOut(_Out):
    code: str
    name: str
    batches: int
    last_batch_at: dt.datetime | None
    rows_total: int
    accepted: int
    duplicate: int
    corrected: int
    revoked: int
    waiting: int = Field(description="Rows held in identity review cases")
    refused: int
    refusal_rate: float | None = Field(description="refused / rows_total; None without rows")
    refused_by_rule: list[RuleCountOut] = Field(description="Most frequent first")
    items: list[ItemQualityOut]


class QualityOut(_Out):
    generated_at: dt.datetime
    sources: list[SourceQualityOut]


@router.get(
    "/quality",
    response_model=QualityOut,
    summary="Timeliness and accuracy of the calling source (R-2.7)",
    description=(
        "The figures of the source whose API key the request carries, and of no other: batches, "
        "refused rows by rule, and per item the delay from decision to arrival, corrections and "
        "whether it is overdue against its update frequency. Operators read every source with "
        "`chengxin quality report`. `after_objections` counts the records the source corrected "
        "or revoked in answer to an objection."
    ),
)
def get_quality(request: Request, source_id: QualitySource) -> QualityOut:
    runtime: Runtime = request.app.state.runtime
    with runtime.reads() as session:
        report = quality_report(session, runtime.catalog, runtime.clock(), source_id)
    return QualityOut.model_validate(report)
