from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from darman.db.base import Base, UtcDateTime


class SeedRun(Base):
    """Marks that a synthetic dataset was loaded, so a second ``make demo`` reuses it."""

    __tablename__ = "seed_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    scale: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(16))
    finished_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
