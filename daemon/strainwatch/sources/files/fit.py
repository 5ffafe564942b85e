"""FIT activities (Garmin, Wahoo, Coros, Strava's app …), read with our own decoder.

A FIT file may chain several parts, each closed by a CRC. A part whose CRC is there and
wrong has corrupt bytes somewhere we cannot locate, so such a file is refused. A file that
stops part-way, before its CRC (a truncated upload, a message that cannot be decoded), keeps
the records read up to that point and says so: a run cut short by a flat battery is still a
run. When every record kept passed its part's CRC, only data after the activity was lost,
and that is a note, not a partial read.

Samples that cannot be physical (a latitude past the pole, an altitude of -99,999 m, a
heart rate of 1,000, anything not finite) are dropped as NaN, never stored.
"""

from __future__ import annotations

import operator
from array import array
from bisect import bisect_left
from datetime import UTC, datetime
from itertools import islice
from typing import Any, BinaryIO

from strainwatch.domain import NAN, DeviceSummary, ParsedActivity, Track
from strainwatch.errors import ActivityFileError, NotAnActivity, UnusableActivity
from strainwatch.sources.files.fit_decode import FitChecksumError, FitContent, decode
from strainwatch.sport_types import normalize_sport

MAX_FIT_BYTES = 64 << 20  # a week of 1 Hz records is about 25 MB
MAX_RECORDS = 1_000_000  # 11 days at one record a second
_MIN_PARTIAL_RECORDS = 2
_EXACT_SORT_LIMIT = 400_000  # above this, samples with equal times keep their file order
_READ_CHUNK = 1 << 20

Columns = tuple["array[float]", ...]  # time, lat, lon, altitude, distance, heart rate, cadence


def _read_bytes(stream: BinaryIO) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while chunk := stream.read(_READ_CHUNK):
        total += len(chunk)
        if total > MAX_FIT_BYTES:
            raise ActivityFileError(
                f"refused: a FIT file larger than {MAX_FIT_BYTES >> 20} MB, far more than any activity"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _read(stream: BinaryIO) -> tuple[FitContent, str | None, str | None]:
    """The decoded content, a partial-read reason and a note about data after the activity."""
    try:
        content = decode(_read_bytes(stream), MAX_RECORDS)
    except FitChecksumError:
        raise ActivityFileError("FIT checksum mismatch: the file is corrupt") from None
    stop = content.stop
    if stop is None:
        return content, None, None
    count = len(content.time)
    if stop.kind == "limit":  # memory stays bounded
        raise ActivityFileError(f"refused: {stop.detail} (11 days at 1 Hz): too long for one activity")
    if stop.kind == "header":
        if not count and content.file_type is None:
            raise ActivityFileError(f"not a valid FIT file ({stop.detail})")
        reason = f"unreadable data after the activity ({stop.detail})"
    else:
        what = "file ends early" if stop.kind == "eof" else "undecodable data"
        if count < _MIN_PARTIAL_RECORDS:
            raise ActivityFileError(f"{what} ({stop.detail})")
        reason = f"{what}; kept the {count} records read before it ({stop.detail})"
    if content.records_at_last_crc == count:
        return content, None, reason
    return content, reason, None


def _row(columns: Columns, i: int) -> tuple[float, ...]:
    """One sample as the tuple the samples are ordered by; NaN is one object, equal to itself."""
    return tuple(NAN if x != x else x for x in (c[i] for c in columns))


def _in_order(columns: Columns) -> bool:
    """True when sorting the samples as tuples would leave them as they are."""
    time = columns[0]
    if all(map(operator.lt, time, islice(time, 1, None))):
        return True
    if any(map(operator.gt, time, islice(time, 1, None))):
        return False
    return not any(
        _row(columns, i + 1) < _row(columns, i) for i in range(len(time) - 1) if time[i] == time[i + 1]
    )


def _sorted(columns: Columns) -> Columns:
    """Samples in time order; equal times ordered by the other values, as a tuple sort does."""
    if _in_order(columns):
        return columns
    n = len(columns[0])
    if n <= _EXACT_SORT_LIMIT:
        rows = sorted(_row(columns, i) for i in range(n))
        return tuple(array("d", (row[k] for row in rows)) for k in range(len(columns)))
    order = sorted(range(n), key=columns[0].__getitem__)
    return tuple(array("d", (c[i] for i in order)) for c in columns)


def _sessions_or_whole(content: FitContent) -> list[dict[str, Any]]:
    sessions = [s for s in content.sessions if s["start_time"] is not None]
    if sessions:
        return sorted(sessions, key=lambda s: s["start_time"])
    return [{"sport": None, "sub_sport": None, "start_time": None}]


def _track(columns: Columns, lo: int, hi: int) -> Track:
    time, lat, lon, altitude, distance, heart_rate, cadence = (c[lo:hi] for c in columns)
    return Track(time, lat, lon, altitude, distance, heart_rate, cadence)


def parse_fit(stream: BinaryIO, external_id: str) -> list[ParsedActivity]:
    """One activity per session; a multisport file's transitions are left out.

    Records go to the session they fall in by time, in one ordered pass (a file of 30,000
    sessions costs as little as one of a single session).
    """
    content, partial_reason, trailing_note = _read(stream)
    if content.file_type not in (None, "activity") and not content.time:
        raise NotAnActivity(f"a FIT {content.file_type} file, not an activity")
    if not content.time:
        if content.sessions:
            return _manual_sessions(content, external_id)
        raise NotAnActivity("no activity records in the file")
    columns = _sorted(
        (
            content.time,
            content.lat,
            content.lon,
            content.altitude,
            content.distance,
            content.heart_rate,
            content.cadence,
        )
    )
    times = columns[0]
    sessions = _sessions_or_whole(content)
    activities: list[ParsedActivity] = []
    for index, session in enumerate(sessions):
        start = session["start_time"]
        begin = start if start is not None else times[0]
        end = sessions[index + 1]["start_time"] if index + 1 < len(sessions) else float("inf")
        if session["sport"] == "transition":
            continue
        lo = bisect_left(times, begin)
        hi = bisect_left(times, end, lo)
        if hi - lo < 2:
            continue
        track = _track(columns, lo, hi)
        sport = session["sport"]
        sub = session["sub_sport"]
        sport_type = normalize_sport(sub) if sub in ("trail", "virtual_activity") else None
        if sub == "virtual_activity" and sport == "running":
            sport_type = "VirtualRun"
        activities.append(
            ParsedActivity(
                external_id=external_id if len(sessions) == 1 else f"{external_id}#{index + 1}",
                start_time=datetime.fromtimestamp(track.time[0], UTC),
                track=track,
                sport_type=sport_type or normalize_sport(sport),
                device=content.device,
                trainer=sub in ("treadmill", "indoor_running", "indoor_cycling"),
                summary=DeviceSummary(
                    distance_m=session.get("total_distance"),
                    timer_time_s=session.get("total_timer_time"),
                    elapsed_time_s=session.get("total_elapsed_time"),
                ),
                partial_reason=partial_reason,
                raw={
                    "format": "fit",
                    "sport": sport,
                    "sub_sport": sub,
                    "device": content.device,
                    "note": trailing_note,
                },
            )
        )
    if not activities:
        raise UnusableActivity("no session with at least two timestamped records")
    return activities


def _manual_sessions(content: FitContent, external_id: str) -> list[ParsedActivity]:
    """A FIT with session summaries but no records: an entry typed in on the watch or in
    Garmin Connect. Each session with a start and a duration or distance is a manual
    activity (never a distance spike, like every manual entry)."""
    usable = [
        s
        for s in content.sessions
        if s["start_time"] is not None
        and s["sport"] != "transition"
        and (s.get("total_elapsed_time") or s.get("total_timer_time") or s.get("total_distance"))
    ]
    if not usable:
        raise UnusableActivity("no timestamped records and no session totals: cannot be counted as load")
    usable.sort(key=lambda s: s["start_time"])
    return [
        ParsedActivity(
            external_id=external_id if len(usable) == 1 else f"{external_id}#{index + 1}",
            start_time=datetime.fromtimestamp(session["start_time"], UTC),
            track=Track(),
            sport_type=normalize_sport(session["sport"]),
            device=content.device,
            manual=True,
            trainer=session["sub_sport"] in ("treadmill", "indoor_running", "indoor_cycling"),
            summary=DeviceSummary(
                distance_m=session.get("total_distance"),
                timer_time_s=session.get("total_timer_time"),
                elapsed_time_s=session.get("total_elapsed_time"),
            ),
            raw={
                "format": "fit",
                "sport": session["sport"],
                "sub_sport": session["sub_sport"],
                "device": content.device,
                "note": "session summary only: no recorded samples",
            },
        )
        for index, session in enumerate(usable)
    ]
