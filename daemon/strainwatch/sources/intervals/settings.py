"""`[athletes.intervals]`: the athlete's intervals.icu account, read with a personal API key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field, field_validator

from strainwatch.config.settings import ConfigModel, ConfigPath, table_of
from strainwatch.config.urls import check_service_url

if TYPE_CHECKING:
    from strainwatch.config.settings import AthleteSettings

TABLE = "intervals"


class AthleteIntervalsSettings(ConfigModel):
    """`[athletes.intervals]`: this athlete's intervals.icu account (optional): activities from
    Garmin, COROS, Polar, Suunto, Wahoo … that sync there. intervals.icu does not hand out
    through its API the activities it received from Strava: use [athletes.strava] or the
    Strava export for those."""

    athlete_id: Annotated[str, Field(pattern=r"^(0|i?[0-9]{1,12})$")] = Field(
        examples=["i12345"],
        description='Your athlete id, as in your intervals.icu profile URL ("i12345"); "0" '
        "means the key's own.",
    )
    api_key_file: ConfigPath | None = Field(
        default=None,
        examples=["/etc/strainwatch/intervals-me"],
        description="The personal API key (intervals.icu → Settings → Developer Settings), from a file "
        "(mode 0600) or $CREDENTIALS_DIRECTORY/intervals-<athlete id> (here: intervals-me).",
    )
    base_url: str = Field(default="https://intervals.icu", description="http:// only on loopback.")
    enabled: bool = Field(default=True, description="false: keep the table, sync nothing.")
    backfill_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        default=120, description="How far back the first sync reaches, in days."
    )
    timeout: Annotated[int, Field(ge=1, le=300)] = Field(default=30, description="Seconds per request.")

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_service_url(value)


def account_of(athlete: AthleteSettings) -> AthleteIntervalsSettings | None:
    return table_of(athlete, TABLE, AthleteIntervalsSettings)
