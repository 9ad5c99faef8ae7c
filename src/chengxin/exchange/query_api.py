"""The route of a cross-region query (互查, R-5.2): a regional node's signed question to this node
about a person; answered, signed, with the records as exchange-format `record_version` messages."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from chengxin.access.deps import allowed
from chengxin.access.permissions import Permission
from chengxin.access.principal import Principal
from chengxin.catalog.vocab import Category, DisclosureLevel
from chengxin.exchange import codec, crossquery
from chengxin.exchange.peer_auth import peer_code
from chengxin.problems import GUARDED, NO_NUL
from chengxin.runtime import runtime_of

router = APIRouter(
    prefix="/api/v1/exchange", tags=["exchange"], responses=GUARDED, dependencies=NO_NUL
)
Asker = Annotated[Principal, allowed(Permission.EXCHANGE_QUERY)]


class CrossQueryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: str = Field(max_length=32, description="The person's citizen ID number")
    purpose: str = Field(max_length=32, description="A purpose code (GET /api/v1/purposes)")
    requester: str = Field(
        max_length=100, description="Who asked at the asking node: a requester code or a user"
    )
    consent_id: uuid.UUID | None = Field(default=None, description="The consent, at the asker")
    legal_basis: str | None = Field(
        default=None, max_length=200, description="A department's legal basis, as it gave it"
    )
    levels: list[DisclosureLevel] = Field(
        min_length=1, max_length=3, description="Disclosure levels the asker's view allows"
    )
    categories: list[Category] | None = Field(
        default=None, max_length=4, description="Categories the view allows; null: every one"
    )
    unpublicised: bool = Field(
        default=False, description="The view includes records kept but not publicised"
    )


class CrossAnswerOut(BaseModel):
    query_id: uuid.UUID = Field(description="The query in this node's register")
    found: bool
    records: list[dict[str, Any]] = Field(description="record_version messages (exchange format)")


@router.post(
    "/queries",
    response_model=CrossAnswerOut,
    summary="A regional node's cross-region query (互查): the person's records held elsewhere",
)
def cross_query(request: Request, caller: Asker, body: CrossQueryIn) -> CrossAnswerOut:
    asker = peer_code(caller)
    query = crossquery.parse_query(
        id_number=body.id_number, purpose=body.purpose, requester=body.requester,
        consent_id=body.consent_id, legal_basis=body.legal_basis, levels=frozenset(body.levels),
        categories=frozenset(body.categories) if body.categories is not None else None,
        unpublicised=body.unpublicised,
    )  # fmt: skip
    rt = runtime_of(request)
    served = crossquery.serve_cross_query(
        rt.sessions, rt.keys, rt.clock(), own_code=rt.settings.resolved_node_code, asker=asker,
        principal=caller, query=query,
    )  # fmt: skip
    records = [codec.to_json(message) for message in served.records]
    return CrossAnswerOut(query_id=served.query_id, found=served.found,
                          records=records)  # fmt: skip
