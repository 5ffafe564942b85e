"""FIT activities (Garmin, Wahoo, Coros, Strava's app …) through fitdecode.

A FIT file may chain several parts, each closed by a CRC. A bad CRC means corrupt bytes
somewhere we cannot locate, so such a file is refused. A file that stops part-way
(truncated upload, a message the decoder does not know) keeps the records read up to that
point, which passed the decoder's structural checks, and says so: a run cut short by a
flat battery is still a run.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, BinaryIO

import fitdecode

from strainwatch.domain import NAN, DeviceSummary, ParsedActivity, Track
from strainwatch.errors import ActivityFileError, NotAnActivity, UnusableActivity
from strainwatch.sources.sport_types import normalize_sport

_SEMICIRCLE_DEG = 180.0 / 2**31
_MIN_PARTIAL_RECORDS = 2


def _num(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else NAN


def _position(value: Any) -> float:
    return value * _SEMICIRCLE_DEG if isinstance(value, int) else NAN


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _field(frame: Any, *names: str) -> Any:
    for name in names:
        value = frame.get_value(name, fallback=None)
        if value is not None:
            return value
    return None


class _Reading:
    def __init__(self) -> None:
        self.file_type: Any = None
        self.device: str | None = None
        self.records: list[tuple[float, float, float, float, float, float, float]] = []
        self.sessions: list[dict[str, Any]] = []
        self.partial_reason: str | None = None
        self.trailing_note: str | None = None
        self.records_at_last_crc = 0

    def consume(self, frames: Iterable[Any]) -> None:
        for frame in frames:
            if isinstance(frame, fitdecode.FitCRC):
                self.records_at_last_crc = len(self.records)
                continue
            if not isinstance(frame, fitdecode.FitDataMessage):
                continue
            name = frame.name
            if name == "record":
                when = _utc(frame.get_value("timestamp", fallback=None))
                if when is None:
                    continue
                self.records.append((
                    when.timestamp(),
                    _position(frame.get_value("position_lat", fallback=None)),
                    _position(frame.get_value("position_long", fallback=None)),
                    _num(_field(frame, "enhanced_altitude", "altitude")),
                    _num(frame.get_value("distance", fallback=None)),
                    _num(frame.get_value("heart_rate", fallback=None)),
                    _num(frame.get_value("cadence", fallback=None)),
                ))  # fmt: skip
            elif name == "session":
                self.sessions.append({
                    "sport": str(_field(frame, "sport") or "") or None,
                    "sub_sport": str(_field(frame, "sub_sport") or "") or None,
                    "start_time": _utc(_field(frame, "start_time")),
                    "total_distance": _field(frame, "total_distance"),
                    "total_timer_time": _field(frame, "total_timer_time"),
                    "total_elapsed_time": _field(frame, "total_elapsed_time"),
                })  # fmt: skip
            elif name == "file_id" and self.file_type is None:
                self.file_type = frame.get_value("type", fallback=None)
                maker = frame.get_value("manufacturer", fallback=None)
                product = _field(frame, "garmin_product", "product_name", "product")
                self.device = " ".join(str(v) for v in (maker, product) if v is not None) or None


def _read(stream: BinaryIO) -> _Reading:
    reading = _Reading()
    try:
        with fitdecode.FitReader(
            stream,
            check_crc=fitdecode.CrcCheck.RAISE,
            keep_raw_chunks=False,
        ) as reader:
            reading.consume(reader)
    except fitdecode.FitCRCError:
        raise ActivityFileError("FIT checksum mismatch: the file is corrupt") from None
    except fitdecode.FitHeaderError as exc:
        if not reading.records and reading.file_type is None:
            raise ActivityFileError(f"not a valid FIT file ({exc})") from None
        reading.partial_reason = f"unreadable data after the activity ({exc})"
    except (fitdecode.FitEOFError, fitdecode.FitParseError, EOFError) as exc:
        what = "file ends early" if isinstance(exc, fitdecode.FitEOFError | EOFError) else "undecodable data"
        if len(reading.records) < _MIN_PARTIAL_RECORDS:
            raise ActivityFileError(f"{what} ({exc})") from None
        reading.partial_reason = f"{what}; kept the {len(reading.records)} records read before it ({exc})"
    if reading.partial_reason and reading.records_at_last_crc == len(reading.records):
        # every record kept passed its part's CRC: only data after the activity was lost
        reading.trailing_note, reading.partial_reason = reading.partial_reason, None
    return reading


def _sessions_or_whole(reading: _Reading) -> list[dict[str, Any]]:
    sessions = [s for s in reading.sessions if s["start_time"] is not None]
    if sessions:
        return sorted(sessions, key=lambda s: s["start_time"])
    return [{"sport": None, "sub_sport": None, "start_time": None}]


def parse_fit(stream: BinaryIO, external_id: str) -> list[ParsedActivity]:
    """One activity per session; a multisport file's transitions are left out."""
    reading = _read(stream)
    if reading.file_type not in (None, "activity") and not reading.records:
        raise NotAnActivity(f"a FIT {reading.file_type} file, not an activity")
    if not reading.records:
        if reading.sessions:
            raise UnusableActivity("no timestamped records: cannot be counted as training load")
        raise NotAnActivity("no activity records in the file")
    records = sorted(reading.records)
    sessions = _sessions_or_whole(reading)
    activities: list[ParsedActivity] = []
    for index, session in enumerate(sessions):
        start = session["start_time"]
        begin = start.timestamp() if start else records[0][0]
        end = sessions[index + 1]["start_time"].timestamp() if index + 1 < len(sessions) else float("inf")
        if session["sport"] == "transition":
            continue
        track = Track()
        for record in records:
            if begin <= record[0] < end:
                track.append(*record)
        if len(track) < 2:
            continue
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
                device=reading.device,
                trainer=sub in ("treadmill", "indoor_running", "indoor_cycling"),
                summary=DeviceSummary(
                    distance_m=_none_or_float(session.get("total_distance")),
                    timer_time_s=_none_or_float(session.get("total_timer_time")),
                    elapsed_time_s=_none_or_float(session.get("total_elapsed_time")),
                ),
                partial_reason=reading.partial_reason,
                raw={
                    "format": "fit",
                    "sport": sport,
                    "sub_sport": sub,
                    "device": reading.device,
                    "note": reading.trailing_note,
                },
            )
        )
    if not activities:
        raise UnusableActivity("no session with at least two timestamped records")
    return activities


def _none_or_float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and value > 0 else None
