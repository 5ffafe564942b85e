"""`[athletes.plan]` and its three source tables: where an athlete's training plan is read,
and when the weekly look-ahead goes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator, model_validator

from strainwatch.config.compose import KindConfig
from strainwatch.config.settings import ConfigModel, ConfigPath, table_of
from strainwatch.config.urls import check_service_url

if TYPE_CHECKING:
    from strainwatch.config.settings import AthleteSettings

TABLE = "plan"

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

_Model = ConfigModel


class PlanCsvSettings(_Model):
    """`[athletes.plan.csv]`: a plan kept by hand: a CSV file with the header
    date,distance_km,duration_min,kind,note."""

    path: ConfigPath = Field(examples=["plan.csv"], description="The CSV file, relative to this file.")


class PlanIcalSettings(_Model):
    """`[athletes.plan.ical]`: a plan app's iCalendar export: a URL (https:// or webcal://) or
    a file, one of them."""

    url: str | None = Field(
        default=None,
        examples=["https://plans.example.org/feed/abc123.ics"],
        description="http:// only on loopback.",
    )
    path: ConfigPath | None = Field(
        default=None, examples=["plan.ics"], description="Or a file, relative to this file."
    )
    timeout: Annotated[int, Field(ge=1, le=300)] = Field(default=30, description="Seconds per request.")

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
    """`[athletes.plan.intervals]`: the planned workouts of this athlete's intervals.icu
    calendar (needs [athletes.intervals])."""

    types: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=lambda: ["Run", "TrailRun", "VirtualRun"], description="The workout types read."
    )


class PlanSettings(_Model):
    """`[athletes.plan]`: the training plan (optional): strainwatch checks the next 14 days of it
    against the same rules and mails forecasts before the run ("Sunday's planned 28 km is 2.3x
    your 30-day longest"), with the capped version. Any of the three sources below, together
    or alone."""

    lookahead_day: Literal[WEEKDAYS] = Field(  # type: ignore[valid-type]
        default="sunday",
        description="The weekly look-ahead: the day and local time it goes (only when "
        "there is something to say).",
    )
    lookahead_time: str = Field(default="18:00", description="Its local time, like 18:00.")
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


def plan_of(athlete: AthleteSettings) -> PlanSettings | None:
    return table_of(athlete, TABLE, PlanSettings)


def intervals_needs_its_account(athlete: AthleteSettings) -> None:
    """The plan's intervals.icu calendar is read with the account of [athletes.intervals]."""
    plan = plan_of(athlete)
    if plan is not None and plan.intervals is not None and getattr(athlete, "intervals", None) is None:
        raise ValueError("[athletes.plan.intervals] reads the account of [athletes.intervals]: add it")


CONFIG = KindConfig(TABLE, athlete=PlanSettings, athlete_check=intervals_needs_its_account)
