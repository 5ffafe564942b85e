"""`[strava]` (the API application, shared) and `[athletes.strava]` (one athlete's link)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, field_validator

from strainwatch.config.settings import ConfigModel, ConfigPath, table_of
from strainwatch.config.urls import check_service_url

if TYPE_CHECKING:
    from strainwatch.config.settings import AthleteSettings, Settings

TABLE = "strava"


class StravaSettings(ConfigModel):
    """`[strava]`: Strava's API (optional). Needs an API application whose owner has a Strava
    subscription (since 2026-06-30). Without it, import the bulk export zip instead."""

    client_id: Annotated[int, Field(ge=1)] = Field(
        examples=[12345], description="The application's Client ID."
    )
    client_secret_file: ConfigPath | None = Field(
        default=None,
        examples=["/etc/strainwatch/strava-client-secret"],
        description="The application's secret, from a file (mode 0600) or "
        "$CREDENTIALS_DIRECTORY/strava-client-secret.",
    )
    api_url: str = Field(
        default="https://www.strava.com/api/v3",
        description="Strava moves hosts in 2027: the URLs are configuration. http:// only on loopback.",
    )
    oauth_url: str = Field(default="https://www.strava.com/oauth", description="Where Strava authorizes.")
    quota_reserve: Annotated[int, Field(ge=0, le=90)] = Field(
        default=10,
        description="Percent of each rate limit left unused (the limits are per "
        "application, shared by athletes).",
    )
    timeout: Annotated[int, Field(ge=1, le=300)] = Field(default=30, description="Seconds per request.")

    @field_validator("api_url", "oauth_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_service_url(value)


class AthleteStravaSettings(ConfigModel):
    """`[athletes.strava]`: this athlete's Strava account (link it with `strainwatch strava
    auth`). Needs [strava]."""

    enabled: bool = Field(default=True, description="false: keep the link, sync nothing.")
    backfill_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        default=120, description="How far back the first sync reaches, in days."
    )


def app_of(settings: Settings) -> StravaSettings | None:
    return table_of(settings, TABLE, StravaSettings)


def link_of(athlete: AthleteSettings) -> AthleteStravaSettings | None:
    return table_of(athlete, TABLE, AthleteStravaSettings)


def secrets(settings: Settings) -> list[tuple[str, Path | None]]:
    app = app_of(settings)
    return [("strava-client-secret", app.client_secret_file)] if app is not None else []


def needs_an_app(settings: Settings) -> None:
    """An athlete linked to Strava needs the application's [strava] table."""
    users = [a.id for a in settings.athletes if (link := link_of(a)) is not None and link.enabled]
    if users and app_of(settings) is None:
        raise ValueError(f"athletes {', '.join(users)} use Strava, but there is no [strava] table")
