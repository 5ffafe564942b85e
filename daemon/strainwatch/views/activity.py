"""How an activity is shown: the JSON contract of `activities --json`, and the table."""

from __future__ import annotations

import math
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from strainwatch.safe_text import clean_line, clean_text
from strainwatch.store.models import Activity
from strainwatch.units import climb_text, distance_text, duration_text, pace_text


def iso_utc(value: Any) -> str:
    return str(value.astimezone(UTC).isoformat().replace("+00:00", "Z"))


def activity_json(activity: Activity, zone: ZoneInfo) -> dict[str, Any]:
    """The documented contract; keys are only ever added, never renamed or removed.

    Always valid JSON: a number that is not finite is null. Text is cleaned again (rows
    stored by an older version, or by the Strava API, may hold terminal escapes)."""
    local = activity.start_time.astimezone(zone)
    return {
        "id": activity.id,
        "athlete": activity.athlete_id,
        "source": activity.source,
        "external_id": activity.external_id,
        "sport_type": activity.sport_type,
        "name": clean_line(activity.name),
        "description": clean_text(activity.description),
        "start_time": iso_utc(activity.start_time),
        "start_date_local": local.isoformat(),
        "distance_m": _round(activity.distance_m),
        "moving_time_s": _round(activity.moving_time_s),
        "elapsed_time_s": _round(activity.elapsed_time_s),
        "ascent_m": _round(activity.ascent_m),
        "descent_m": _round(activity.descent_m),
        "pace_s_per_km": _round(activity.pace_s_per_km),
        "gap_s_per_km": _round(activity.gap_s_per_km),
        "avg_hr": _round(activity.avg_hr),
        "max_hr": _round(activity.max_hr),
        "gear": clean_line(activity.gear),
        "trainer": activity.trainer,
        "manual": activity.manual,
        "partial": activity.partial_reason,
        "file": activity.raw.get("file"),
    }


def _round(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 1)


def format_duration(seconds: float) -> str:
    return duration_text(seconds)


def format_distance(metres: float, units: str) -> str:
    """Metres in the athlete's units, to 0.01 (a run in a table)."""
    return distance_text(metres, units, 2)


def format_pace(s_per_km: float | None, units: str) -> str:
    return pace_text(s_per_km, units)


def table_row(activity: Activity, zone: ZoneInfo, units: str) -> str:
    local = activity.start_time.astimezone(zone)
    climb = climb_text(activity.ascent_m, units)
    hr = "-" if activity.avg_hr is None else f"{activity.avg_hr:.0f}"
    name = (clean_line(activity.name) or "")[:40]
    distance = format_distance(activity.distance_m, units)
    moving = format_duration(activity.moving_time_s)
    pace = format_pace(activity.pace_s_per_km, units)
    gap = format_pace(activity.gap_s_per_km, units)
    return (
        f"{local:%Y-%m-%d %H:%M}  {activity.sport_type:<10} {distance:>10}  {moving:>8}"
        f"  {pace:>10}  {gap:>10}  {climb:>6}  {hr:>3}  {name}"
    )


TABLE_HEADER = (
    f"{'date':<16}  {'sport':<10} {'distance':>10}  {'moving':>8}  {'pace':>10}  {'GAP':>10}"
    f"  {'climb':>6}  {'HR':>3}  name"
)
