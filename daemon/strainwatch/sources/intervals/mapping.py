"""intervals.icu's activity JSON onto our columns: pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from strainwatch.domain import NAN, DeviceSummary, Track
from strainwatch.metrics.activity import compute_metrics, pace_s_per_km
from strainwatch.sources.cleaned import cleaned_values
from strainwatch.sport_types import normalize_sport

STUB_SOURCES = frozenset({"STRAVA"})


def is_strava_stub(item: Mapping[str, Any]) -> bool:
    """An activity intervals.icu got from Strava: the API lists only its id, date and type
    (with a `_note`), never its data, under Strava's terms."""
    if str(item.get("source") or "").upper() not in STUB_SOURCES:
        return False
    return "_note" in item or (item.get("moving_time") is None and item.get("distance") is None)


def start_of(item: Mapping[str, Any], zone: ZoneInfo) -> datetime:
    """`start_date` is UTC; without it, `start_date_local` is read in the athlete's zone."""
    utc = item.get("start_date")
    if isinstance(utc, str) and utc:
        moment = datetime.fromisoformat(utc.replace("Z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    local = datetime.fromisoformat(str(item["start_date_local"]).replace("Z", ""))
    return local.replace(tzinfo=zone).astimezone(UTC)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value == value and abs(value) != float("inf") else None


def summary_values(item: Mapping[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """Projected columns from a listed activity; streams may refine them later."""
    distance = _number(item.get("distance")) or _number(item.get("icu_distance")) or 0.0
    moving = _number(item.get("moving_time")) or 0.0
    elapsed = _number(item.get("elapsed_time")) or moving
    gear = item.get("gear")
    gear_name = gear.get("name") if isinstance(gear, dict) else None
    return {
        "sport_type": normalize_sport(str(item.get("type") or "")) or "Workout",
        "name": item.get("name") if isinstance(item.get("name"), str) else None,
        "description": item.get("description") if isinstance(item.get("description"), str) else None,
        "start_time": start_of(item, zone),
        "distance_m": distance,
        "moving_time_s": moving,
        "elapsed_time_s": elapsed,
        "pace_s_per_km": pace_s_per_km(moving, distance),
        "ascent_m": _number(item.get("total_elevation_gain")),
        "avg_hr": _number(item.get("average_heartrate")),
        "max_hr": _number(item.get("max_heartrate")),
        "avg_cadence": _number(item.get("average_cadence")),
        "trainer": bool(item.get("trainer")),
        "manual": str(item.get("source") or "").upper() == "MANUAL",
        "has_gps": bool(item.get("has_gps") or item.get("start_latlng")),
        "gear": str(gear_name) if gear_name else None,
        "device": item.get("device_name") if isinstance(item.get("device_name"), str) else None,
    }


def _integrated(times: list[Any], speeds: list[Any]) -> list[float | None]:
    """Cumulative distance from the velocity stream, where there is no distance stream."""
    if not speeds:
        return []
    out: list[float | None] = []
    total, previous = 0.0, None
    for t, v in zip(times, speeds, strict=False):
        time_s, speed = _number(t), _number(v)
        if time_s is not None and previous is not None and speed is not None and time_s > previous:
            total += speed * (time_s - previous)
        previous = time_s if time_s is not None else previous
        out.append(total)
    return out


def stream_values(
    start: datetime,
    summary: Mapping[str, Any],
    streams: Mapping[str, list[Any]],
    keep: tuple[float, float] | None = None,
) -> dict[str, Any] | None:
    """Grade-adjusted pace, descent and the pace profile from the streams, through the same
    metrics as files; None when there are no usable samples. `keep`: the runner's crop."""
    times = streams.get("time") or []
    if len(times) < 2:
        return None
    distance = streams.get("distance") or _integrated(times, streams.get("velocity_smooth") or [])
    columns = [distance, *(streams.get(k) or [] for k in ("altitude", "heartrate", "cadence"))]
    track = Track()
    base = start.timestamp()
    for i, t in enumerate(times):
        if _number(t) is None:
            continue
        row = [(_number(c[i]) if i < len(c) else None) for c in columns]
        values = [NAN if v is None else v for v in row]
        track.append(base + float(t), NAN, NAN, values[1], values[0], values[2], values[3])
    if len(track) < 2:
        return None
    device = DeviceSummary(
        summary.get("distance_m"), summary.get("moving_time_s"), summary.get("elapsed_time_s")
    )
    m = compute_metrics(track, device, sport_type=summary.get("sport_type"), keep=keep)
    return {
        "gap_s_per_km": m.gap_s_per_km,
        "descent_m": m.descent_m,
        "gap_profile": {str(k): v for k, v in m.gap_profile.items()},
        "avg_hr": m.avg_hr if m.avg_hr is not None else summary.get("avg_hr"),
        **cleaned_values(m, summary.get("distance_m"), summary.get("moving_time_s")),
    }
