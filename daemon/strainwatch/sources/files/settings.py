"""`[athletes.files]`: the folders and files the files source imports on every pass."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from strainwatch.config.settings import ConfigModel, ConfigPath, table_of
from strainwatch.domain import SportType

if TYPE_CHECKING:
    from strainwatch.config.settings import AthleteSettings

TABLE = "files"
DEFAULT_TIME_LIMIT_S = 120.0  # per activity file


class FileSourceSettings(ConfigModel):
    """`[athletes.files]`: the athlete's activity files, imported on every pass."""

    paths: list[ConfigPath] = Field(
        default_factory=list,
        examples=[["/srv/activities/sam"]],
        json_schema_extra={"set_in_example": True},
        description="Folders (searched recursively) and single files: .gpx, .fit, .tcx, each also .gz, "
        "and Strava bulk-export .zip files. Unchanged files are skipped on every pass.",
    )
    default_sport_type: SportType = Field(
        default="Run",
        description="Sport type for files that do not say (plain GPX often does not). One of Strava's: "
        "Run, TrailRun, VirtualRun, Walk, Hike, Ride, VirtualRide, GravelRide, MountainBikeRide, "
        "EBikeRide, Swim, Rowing, NordicSki, AlpineSki, Workout, WeightTraining, Yoga, Elliptical, "
        "StairStepper, Transition. Only Run, TrailRun and VirtualRun count as running load.",
    )
    time_limit: Annotated[float, Field(ge=1, le=3600, allow_inf_nan=False)] = Field(
        default=DEFAULT_TIME_LIMIT_S,
        description="Seconds one file may take to read (1-3600). A file that takes longer is abandoned "
        "and recorded as failed (its reader process is stopped), so it never blocks the pass.",
    )


def files_of(athlete: AthleteSettings) -> FileSourceSettings:
    """The athlete's `[athletes.files]` (empty when the file has none)."""
    return table_of(athlete, TABLE, FileSourceSettings) or FileSourceSettings()
