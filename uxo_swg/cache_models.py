"""The tables of the summary cache: the data version every change moves, and the computed documents."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .models import utcnow


class DataVersion(SQLModel, table=True):
    """One row: a counter that every transaction changing stored data moves at its commit (uxo_swg/data_version.py).

    `epoch` is drawn anew when the cache is cleared by hand or a backup is restored, so that no
    document computed before can match a counter that went back.
    """

    __tablename__ = "data_version"
    id: int = Field(default=1, primary_key=True)
    counter: int = Field(default=0, sa_type=sa.BigInteger)
    epoch: str = Field(max_length=32)


class SummaryCache(SQLModel, table=True):
    """A computed summary document (or a claim on computing it: no payload yet), by scope and data version."""

    __tablename__ = "summary_cache"
    __table_args__ = (sa.UniqueConstraint("scope", "data_version", "fingerprint"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    scope: str = Field(max_length=100)  # swg|2025-H1| twg|2025-Q3|clearance glance|2025|
    data_version: int = Field(sa_type=sa.BigInteger)
    fingerprint: str = Field(max_length=64)  # the code, the packages' data and the epoch it was computed with
    payload: Optional[str] = Field(default=None, sa_type=sa.Text)  # JSON; NULL while someone computes it
    created_at: datetime = Field(default_factory=utcnow)
