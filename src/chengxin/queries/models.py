"""The query register: one row per read of a person's information, refusals included."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.access.permissions import Role
from chengxin.db import Base, UTCDateTime, new_id, str_enum
from chengxin.queries.rules import Outcome


class QueryEntry(Base):
    """Who, whose, which items, for what purpose, under which consent or legal basis, when, and
    the outcome (R-3.2). Never changed; its canonical form is a ledger entry."""

    __tablename__ = "query_register"
    __table_args__ = (
        Index("ix_query_register_actor_at", "actor", "at"),
        Index("ix_query_register_subject_at", "subject_id", "at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(str_enum(Role, "query_role"))
    requester_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("requesters.id"))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subjects.id"))
    purpose: Mapped[str | None] = mapped_column(String(32))
    consent_id: Mapped[uuid.UUID | None]
    legal_basis: Mapped[str | None] = mapped_column(String(200))
    items: Mapped[str] = mapped_column(Text)  # comma-separated item codes returned
    record_count: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, "query_outcome"))
    refusal: Mapped[str | None] = mapped_column(String(64))  # the rule that refused
    flags: Mapped[str] = mapped_column(String(200))  # comma-separated
    channel: Mapped[str] = mapped_column(String(16))  # api | cli | web (pages)
    ledger_index: Mapped[int] = mapped_column(BigInteger)
