"""FastAPI dependencies that say who is calling. Issue C adds roles and the permission table."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Request

from chengxin.access.models import KeyOwner
from chengxin.access.service import authenticate
from chengxin.runtime import Runtime


def current_source_id(
    request: Request,
    authorization: Annotated[str | None, Header(description="Bearer <API key>")] = None,
    x_api_key: Annotated[str | None, Header(description="The API key (alternative)")] = None,
) -> uuid.UUID:
    """The source whose API key the request carries (`Authorization: Bearer …` or `X-API-Key`)."""
    token = x_api_key
    if authorization and authorization[:7].lower() == "bearer ":
        token = authorization[7:]
    runtime: Runtime = request.app.state.runtime
    with runtime.sessions() as session:
        return authenticate(session, token, KeyOwner.SOURCE)


CurrentSource = Annotated[uuid.UUID, Depends(current_source_id)]
