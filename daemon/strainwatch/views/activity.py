"""How an activity is shown: the JSON contract of `activities --json`, and the table."""

from __future__ import annotations

import math
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from strainwatch.domain import RUNNING_SPORT_TYPES, Correction, too_fast_to_run
from strainwatch.safe_text import clean_line, clean_text
from strainwatch.store.models import Activity
from strainwatch.store.overrides import Override, overrides_of
from strainwatch.units import climb_text, distance_text, duration_text, pace_text, say


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
        "corrections": [
            c | {"why": say(str(c.get("why", "")), "km")}  # the JSON's figures are metric
            for c in activity.corrections or []
            if isinstance(c, dict)
        ],
        "not_counted": not_counted(activity, "km"),
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


_CORRECTION_NAMES = {
    "tail": "after the recording's end",
    "gap": "a long stop",
    "vehicle": "a vehicle",
    "position": "the position ran off",
    "teleport": "jumps of the position",
    "device-timer": "sparse records",
    "crop": "your crop",
}


def corrections(activity: Activity) -> list[Correction]:
    return [Correction.from_json(c) for c in activity.corrections or [] if isinstance(c, dict)]


NOTABLE_M = 100.0  # `activities` lists smaller corrections (GPS noise) only in --json


def correction_lines(activity: Activity, units: str, *, notable: bool = False) -> list[str]:
    """What import left out of this activity, one line each, with how much and why: shown
    on the run page and by `explain`, and (`notable`: only those that removed 100 m or
    more, or changed the time) under the run in `activities`."""
    lines = []
    for c in corrections(activity):
        if notable and c.kind != "device-timer" and c.removed_m < NOTABLE_M:
            continue
        what = _CORRECTION_NAMES.get(c.kind, c.kind)
        if c.kind == "device-timer":
            amount = f"moving time {format_duration(activity.moving_time_s)} from the device's timer"
        else:
            moving = format_duration(c.removed_s)
            amount = f"{format_distance(c.removed_m, units)} and {moving} moving left out"
        lines.append(f"{what}: {amount}; {say(c.why, units)}")
    return lines


def not_counted(activity: Activity, units: str) -> str | None:
    """Why a run is left out of running load, in words, or None when it counts (a ride is
    not a run, and needs no word). The one reason `activities`, `activity ID`, the run page
    and the digest give."""
    if activity.deleted or activity.duplicate_of:
        return None
    return left_out_reason(activity.sport_type, activity.distance_m, activity.moving_time_s, units)


def left_out_reason(sport_type: str, distance_m: float, moving_time_s: float, units: str) -> str | None:
    """`not_counted` over plain figures (the mailbox preview has Runs, not rows)."""
    if sport_type not in RUNNING_SPORT_TYPES or not too_fast_to_run(distance_m, moving_time_s):
        return None
    pace = format_pace(moving_time_s / distance_m * 1000, units)
    return f"{format_distance(distance_m, units)} at {pace}: too fast for a run, looks like a vehicle"


def running_hint(activity_id: int) -> str:
    return f"`strainwatch activity {activity_id} --running` if it was a run"


def left_out_line(when: datetime, name: str | None, activity_id: int, reason: str) -> str:
    """A run left out of running load, named for a digest: its day, its name (cleaned: it
    comes from the activity), why, and how to say it was a run."""
    title = (clean_line(name) or "")[:60] or "run"
    return f"{when:%a %d %b}, {title}: {reason}; {running_hint(activity_id)}"


def also_recorded(duplicate: Activity, units: str) -> str:
    """A recording linked as the duplicate of a counted run, named for `activities`."""
    origin = f"{duplicate.source} {duplicate.external_id}"
    where = duplicate.raw.get("file") or origin  # a file's path says more than its key
    distance = format_distance(duplicate.distance_m, units)
    return f"#{duplicate.id} {clean_line(str(where))} ({distance}, not counted twice)"


def runner_word(word: Override, units: str, zone: tzinfo = UTC) -> str:
    """The runner's corrections of a run, for `activities` (`strainwatch activity ID`)."""
    said = []
    if word.distance_m is not None:
        said.append(f"{format_distance(word.distance_m, units)} run")
    if word.crop_from is not None and word.crop_to is not None:
        span = f"{word.crop_from.astimezone(zone):%H:%M}-{word.crop_to.astimezone(zone):%H:%M}"
        said.append(f"only {span} was the run")
    if word.running is not None:
        said.append("a run" if word.running else "not a run")
    return ", ".join(said) or "no change"


def untold_not_counted(session: Session, athlete_id: str, units: str) -> list[tuple[Activity, str]]:
    """The athlete's runs left out of running load that no digest has named yet, with why,
    oldest first. A run the runner has a word about is theirs to know: not named."""
    rows = session.scalars(
        select(Activity)
        .where(
            Activity.athlete_id == athlete_id,
            Activity.deleted.is_(False),
            Activity.duplicate_of.is_(None),
            Activity.not_counted_told.is_(False),
            Activity.sport_type.in_(sorted(RUNNING_SPORT_TYPES)),
        )
        .order_by(Activity.start_time, Activity.id)
    )
    words = overrides_of(session, athlete_id)
    return [
        (row, why)
        for row in rows
        if (why := not_counted(row, units)) is not None and (row.source, row.external_id) not in words
    ]


StoredActivity = Activity
"""A stored activity, by the name the web's type hints use (the web imports no table)."""
