"""`[athletes.plan]` and its three source tables: where an athlete's training plan is read,
and when the weekly look-ahead goes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from strainwatch.config.urls import check_service_url

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanCsvSettings(_Model):
    """`[athletes.plan.csv]`: a plan kept by hand, `date,distance_km,duration_min,kind,note`."""

    path: Path


class PlanIcalSettings(_Model):
    """`[athletes.plan.ical]`: the iCalendar export of a plan app, a URL or a file."""

    url: str | None = None  # https:// or webcal:// (http:// only on loopback)
    path: Path | None = None
    timeout: Annotated[int, Field(ge=1, le=300)] = 30

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("webcal://"):
            value = "https://" + value.removeprefix("webcal://")
        return check_service_url(value)

    @model_validator(mode="after")
    def _one_of(self) -> PlanIcalSettings:
        if (self.url is None) == (self.path is None):
            raise ValueError("give either url or path")
        return self


class PlanIntervalsSettings(_Model):
    """`[athletes.plan.intervals]`: the planned workouts of the athlete's intervals.icu calendar
    (the account of `[athletes.intervals]`)."""

    types: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=lambda: ["Run", "TrailRun", "VirtualRun"]
    )


class PlanSettings(_Model):
    """`[athletes.plan]`: the look-ahead's day and time (local), and the plan's sources."""

    lookahead_day: Literal[WEEKDAYS] = "sunday"  # type: ignore[valid-type]
    lookahead_time: str = "18:00"
    csv: PlanCsvSettings | None = None
    ical: PlanIcalSettings | None = None
    intervals: PlanIntervalsSettings | None = None

    @field_validator("lookahead_time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"not a time like 18:00: {value!r}")
        return value

    @property
    def lookahead_weekday(self) -> int:
        return WEEKDAYS.index(self.lookahead_day)


def resolve_plan_paths(athlete: dict[str, Any], base: Path) -> None:
    """The plan's files, relative to the config file's folder."""
    plan = athlete.get("plan")
    for table in ("csv", "ical"):
        section = plan.get(table) if isinstance(plan, dict) else None
        if isinstance(section, dict) and isinstance(section.get("path"), str):
            section["path"] = str(base / Path(section["path"]).expanduser())
