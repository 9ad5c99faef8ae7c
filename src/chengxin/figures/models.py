"""The stored public figures: one row a figure, all counted together."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime


class NodeFigure(Base):
    __tablename__ = "node_figures"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
    counted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
