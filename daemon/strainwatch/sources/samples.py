"""The samples of one stored activity, read again from where its source keeps them (they
are not stored; see store/models.py): the run page's profile. Only files keep samples now.
The web is handed this reader (runtime and `serve` wire it in) and imports no source itself;
this module is the one place outside a kind's folder that knows which kinds have samples."""

from __future__ import annotations

from datetime import datetime

from strainwatch.domain import Track
from strainwatch.sources.files.activity_files import parse_file
from strainwatch.sources.files.limits import ReadLimits

READ_TIME_LIMIT_S = 10.0


def recorded_track(record: str, external_id: str, start: datetime) -> Track | None:
    """The track of the recording in `record` that starts nearest `start` (a file may hold
    several), or None when the file holds no samples now. Raises StrainwatchError or OSError
    when the file cannot be read."""
    parsed = parse_file(record, external_id, limits=ReadLimits.for_seconds(READ_TIME_LIMIT_S))
    if not parsed:
        return None
    best = min(parsed, key=lambda p: abs((p.start_time - start).total_seconds()))
    return best.track
