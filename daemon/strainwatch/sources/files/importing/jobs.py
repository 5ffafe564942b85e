"""What the importer hands to a worker and gets back: small, picklable values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from strainwatch.domain import ActivityMetrics, ParsedActivity
from strainwatch.metrics.cleaning import CleaningLimits
from strainwatch.sources.files.strava_export import ExportRow

Outcome = Literal["imported", "updated", "unchanged", "duplicate", "not_activity", "unusable", "failed"]


@dataclass(frozen=True, slots=True)
class FileJob:
    """One file, or one member of a Strava export zip, to read."""

    record_path: str  # key of its imported_files row; "export.zip!activities/1.gpx" for members
    file_path: str
    size: int
    mtime_ns: int
    source: str = "file"
    external_id: str | None = None
    member: str | None = None
    fingerprint: str | None = None  # zip members: CRC and size from the zip directory
    export_row: ExportRow | None = None
    retry: str | None = None  # why a file that failed unchanged is read again
    compressed_size: int | None = None  # zip members: the bound for the expansion ratio
    cleaning: CleaningLimits = field(default_factory=CleaningLimits)  # what is left out of a run ([cleaning])
    crop: tuple[float, float] | None = None  # the runner's crop (epoch seconds): store.overrides

    @property
    def key(self) -> str:
        return self.external_id or self.record_path


@dataclass(slots=True)
class AnalysedActivity:
    parsed: ParsedActivity  # its track is dropped once the metrics are computed
    metrics: ActivityMetrics


@dataclass(slots=True)
class FileAnalysis:
    job: FileJob
    fingerprint: str
    activities: list[AnalysedActivity] = field(default_factory=list)
    problem: Outcome | None = None  # not_activity | unusable | failed
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: str
    outcome: Outcome
    reason: str | None = None
    activities: int = 0
    partial: str | None = None
    previous: str | None = None  # for "unchanged": what became of the file last time
    retried: str | None = None  # read again although unchanged: why
