"""Tables. Times are stored as UTC; each activity keeps its source's raw payload beside the
projected columns, so a new column never needs the files or the API again.

Sample streams are not stored for file sources: they are re-derivable from the file, whose
path, size and SHA-256 are recorded, and everything the rules read from them (distance,
times, climb, the grade-adjusted pace profile) is stored per activity. That keeps a year
of 1 Hz runs at a few hundred kB instead of tens of MB.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
    }


class Athlete(Base):
    __tablename__ = "athletes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    evaluated_on: Mapped[date | None] = mapped_column(Date)  # local date of the last evaluation
    last_digest_on: Mapped[date | None] = mapped_column(Date)  # local date of the last digest


class ImportedFile(Base):
    """One file (or one member of a zip) seen by the importer, whatever became of it."""

    __tablename__ = "imported_files"
    __table_args__ = (UniqueConstraint("athlete_id", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    activity_count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[datetime]
    checked_at: Mapped[datetime]


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_activities_athlete_start", "athlete_id", "start_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(Text)
    file_id: Mapped[int | None] = mapped_column(
        ForeignKey("imported_files.id", ondelete="SET NULL"), index=True
    )
    sport_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    private_note: Mapped[str | None] = mapped_column(Text)
    gear: Mapped[str | None] = mapped_column(Text)
    device: Mapped[str | None] = mapped_column(Text)
    start_time: Mapped[datetime]
    distance_m: Mapped[float] = mapped_column(Float)
    moving_time_s: Mapped[float] = mapped_column(Float)
    elapsed_time_s: Mapped[float] = mapped_column(Float)
    pace_s_per_km: Mapped[float | None] = mapped_column(Float)
    gap_s_per_km: Mapped[float | None] = mapped_column(Float)
    ascent_m: Mapped[float | None] = mapped_column(Float)
    descent_m: Mapped[float | None] = mapped_column(Float)
    avg_hr: Mapped[float | None] = mapped_column(Float)
    max_hr: Mapped[float | None] = mapped_column(Float)
    avg_cadence: Mapped[float | None] = mapped_column(Float)
    has_gps: Mapped[bool] = mapped_column(Boolean, default=False)
    trainer: Mapped[bool] = mapped_column(Boolean, default=False)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    partial_reason: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    streams_state: Mapped[str | None] = mapped_column(String(16))  # Strava: fetched | pending | none
    gap_profile: Mapped[dict[str, Any]]
    # what import left out of the figures, and why: metrics.cleaning's corrections as JSON
    corrections: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    # left out of running load (views.activity.not_counted) and named in a digest once
    not_counted_told: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    raw: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    file: Mapped[ImportedFile | None] = relationship()


class ActivityOverride(Base):
    """The runner's word about one activity (`strainwatch activity ID --distance …`), kept
    apart from what sources bring and keyed like them (source, external id), so it survives
    a re-import, a re-sync and an upgrade; applied wherever runs are read (store.runs)."""

    __tablename__ = "activity_overrides"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(Text)
    distance_m: Mapped[float | None] = mapped_column(Float)
    running: Mapped[bool | None] = mapped_column(Boolean)  # True: it was a run; False: it was not
    crop_from: Mapped[datetime | None]  # only this part of the recording was the run (files)
    crop_to: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Injury(Base):
    """An injury the runner logged (`strainwatch injury add`): a calf modifier and rehab mode."""

    __tablename__ = "injuries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    start: Mapped[date] = mapped_column(Date)
    part: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    closed: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime]


class PainNote(Base):
    """Pain the runner logged about a run afterwards (web or `strainwatch pain`): read by the
    pain-note rule like the run's own notes."""

    __tablename__ = "pain_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Alert(Base):
    """A finding made durable: one row per fingerprint, escalated or resolved in place."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_athlete_status", "athlete_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(200), unique=True)
    rule: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))
    previous_severity: Mapped[str | None] = mapped_column(String(8))
    day: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(160))
    is_period: Mapped[bool] = mapped_column(Boolean)
    activity_ids: Mapped[list[int]] = mapped_column(JSONType)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    advice: Mapped[str] = mapped_column(Text)
    numbers: Mapped[dict[str, Any]]
    modifiers: Mapped[list[str]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(8))
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # about a run > 72 h old when found
    # its run was corrected (or cleaned, or made a duplicate) so that no replay finds it: resolved,
    # and new again if a later correction brings it back
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the distance of each of its runs when it was last raised or refreshed ({"41": 21740.0}):
    # what a withdrawal says the run was
    basis: Mapped[dict[str, float] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    escalated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    mailed_severity: Mapped[str | None] = mapped_column(String(8))  # last severity sent at once
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox.id", ondelete="SET NULL", use_alter=True)
    )
    resolved_digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox.id", ondelete="SET NULL", use_alter=True)
    )
    acknowledged_at: Mapped[datetime | None]  # seen and taken in by the runner (web or `ack`)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))


class Outbox(Base):
    """A notification to deliver on one channel to one recipient, rendered once: retries
    resend the very same notification, and an email the same Message-ID.

    A row is claimed with a conditional UPDATE (a lease), so two processes never send it
    twice at once, and marked sent only after the channel accepted it.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        Index("ux_outbox_channel_recipient_key", "channel", "recipient", "idempotency_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(8))  # alert | digest | notice
    status: Mapped[str] = mapped_column(String(8))  # pending | sent | parked
    channel: Mapped[str] = mapped_column(String(16), server_default="email")
    idempotency_key: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str] = mapped_column(String(200), unique=True)  # derived from the key
    recipient: Mapped[str] = mapped_column(Text)  # the address on this channel
    recipient_name: Mapped[str] = mapped_column(Text, server_default="")
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text, server_default="")  # "" when it could not be rendered
    body_html: Mapped[str] = mapped_column(Text, server_default="")
    severity: Mapped[str | None] = mapped_column(String(8))
    alert_keys: Mapped[list[str]] = mapped_column(JSONType, default=list)
    message: Mapped[str] = mapped_column(Text, default="")  # before 0006 the RFC 5322 bytes; now unused
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class SourceHealth(Base):
    """Per athlete and source (files, strava, rules, mail): when it last worked and when and
    why it last failed, so `doctor` and `status` can say what needs a look."""

    __tablename__ = "source_health"

    athlete_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class RateQuota(Base):
    """One rate-limited application's usage in one window (Strava: short and daily, overall
    and read), counted by every process before each request (store/quota.py)."""

    __tablename__ = "rate_quotas"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    window: Mapped[str] = mapped_column(String(32), primary_key=True)
    window_start: Mapped[datetime]  # the window `used` counts in; an older one counts as 0
    limit: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class RuleMute(Base):
    """No mail or push about `rule` for this athlete while the mute holds (local days before
    `until`); the rule is still evaluated and its alerts recorded."""

    __tablename__ = "rule_mutes"

    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(32), primary_key=True)
    until: Mapped[date] = mapped_column(Date)  # the first local day the rule speaks again
    created_at: Mapped[datetime]


class PlanForecast(Base):
    """A forecast of the rules on the training plan and what the runner was told of it: each
    is mailed once per planned workout (again only when it gets worse), and its withdrawal
    (the plan changed and the problem is gone) once. The plan itself is not stored: it is read
    from its source on every pass."""

    __tablename__ = "plan_forecasts"

    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # rule + planned workout
    rule: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)  # the planned day
    severity: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    capped: Mapped[str] = mapped_column(Text)
    numbers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # the figures behind it
    status: Mapped[str] = mapped_column(String(16))  # active | withdrawn | settled (the day came)
    told_severity: Mapped[str | None] = mapped_column(String(16))
    withdrawal_told: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


class PlanOutlook(Base):
    """The plan's next 14 days as the last pass read them, for the web page (which never reads
    a plan source itself: a calendar feed may be slow or down)."""

    __tablename__ = "plan_outlooks"

    athlete_id: Mapped[str] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True)
    checked_on: Mapped[date] = mapped_column(Date)  # the local day of that pass
    planned: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)  # {date, distance_km, title, source}
    updated_at: Mapped[datetime]
