"""The Strava source's own tables: each athlete's link, the application's quota, the gear."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from strainwatch.store.models import Base


class StravaAccount(Base):
    """One athlete's Strava link: tokens (the refresh token rotates and is saved before use),
    where listing resumes, and which notices were already sent."""

    __tablename__ = "strava_accounts"

    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True)
    strava_athlete_id: Mapped[int | None] = mapped_column(BigInteger)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    scopes: Mapped[str | None] = mapped_column(Text)
    synced_until: Mapped[datetime | None]  # newest start_date seen; the next listing starts 48 h before
    last_sync_at: Mapped[datetime | None]
    problem: Mapped[str | None] = mapped_column(String(16))  # revoked | inactive: noticed once
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StravaAppState(Base):
    """The application's quota as Strava last reported it: shared by every athlete."""

    __tablename__ = "strava_app_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    limits: Mapped[dict[str, Any]]  # {"short": [limit, usage], "daily": …, "read_short": …, "read_daily": …}
    seen_at: Mapped[datetime]
    blocked_until: Mapped[datetime | None]  # after a 429: no request before the window resets


class StravaGear(Base):
    __tablename__ = "strava_gear"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    distance_m: Mapped[float] = mapped_column(Float)
    raw: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
