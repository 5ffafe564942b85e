"""Every kind of source, in the order a pass runs them and `doctor` lists them.

The one place that names the kinds: a new source adds its `SourceKind` here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from strainwatch.sources.files.importing.source import FILES
from strainwatch.sources.intervals.source import INTERVALS
from strainwatch.sources.strava.source import STRAVA

if TYPE_CHECKING:
    from strainwatch.config.settings import AthleteSettings, Settings
    from strainwatch.sources.base import Source, SourceKind

KINDS: tuple[SourceKind, ...] = (FILES, STRAVA, INTERVALS)


def sources_of(settings: Settings, athlete: AthleteSettings) -> list[Source]:
    """The athlete's configured sources."""
    return [s for kind in KINDS if (s := kind.configured(settings, athlete)) is not None]
