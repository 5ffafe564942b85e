"""The intervals.icu source's own table: each athlete's cursor and standing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from strainwatch.store.models import Base


class IntervalsAccount(Base):
    """One athlete's intervals.icu cursor and standing: where listing resumes, why requests
    stopped (a refused key, identified by its fingerprint, never the key), and the back-off."""

    __tablename__ = "intervals_accounts"

    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True)
    synced_until: Mapped[datetime | None]  # newest start seen; the next listing starts 48 h before
    last_sync_at: Mapped[datetime | None]
    refused_key: Mapped[str | None] = mapped_column(String(80))  # fingerprint of the key answered 401/403
    blocked_until: Mapped[datetime | None]  # after a 429/5xx: no request before this
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row, for the back-off
    stubs_noted_at: Mapped[datetime | None]  # the one note about Strava-sourced activities
    updated_at: Mapped[datetime]
