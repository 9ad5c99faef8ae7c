"""The reloads, one row each; the newest row's id is the generation every process follows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base, UTCDateTime


class RulesReload(Base):
    __tablename__ = "rules_reloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reloaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))  # account:<username> or cli:<user>
