"""A run's streams from Strava or intervals.icu go through the same cleaning as a file: a car
ride in the streams leaves the summary's distance and time, the runner's stay."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from strainwatch.sources.intervals.mapping import stream_values as intervals_values
from strainwatch.sources.strava.sync import stream_values as strava_values

START = datetime(2026, 1, 1, 7, tzinfo=UTC)


def _streams() -> tuple[list[int], list[float], list[int]]:
    """30 minutes at 3 m/s (heart rate 160), then 10 minutes at 15 m/s (heart rate 75)."""
    times = list(range(0, 2400, 5))
    distance, hr, metres = [], [], 0.0
    for t in times:
        metres += 0 if t == 0 else 5 * (3.0 if t <= 1800 else 15.0)
        distance.append(metres)
        hr.append(160 if t <= 1800 else 75)
    return times, distance, hr


def _check(refined: dict[str, Any] | None) -> None:
    assert refined is not None
    assert 5300 <= refined["distance_m"] <= 5500  # the run, not the 14.4 km with the car
    assert 1780 <= refined["moving_time_s"] <= 1810
    assert [c["kind"] for c in refined["corrections"]] == ["vehicle"]


def test_intervals_streams_with_a_car_ride_are_cleaned() -> None:
    times, distance, hr = _streams()
    summary = {
        "distance_m": distance[-1],
        "moving_time_s": 2400.0,
        "elapsed_time_s": 2400.0,
        "avg_hr": 140.0,
        "sport_type": "Run",
    }
    _check(intervals_values(START, summary, {"time": times, "distance": distance, "heartrate": hr}))


def test_strava_streams_with_a_car_ride_are_cleaned() -> None:
    times, distance, hr = _streams()
    item = {
        "start_date": "2026-01-01T07:00:00Z",
        "distance": distance[-1],
        "moving_time": 2400,
        "elapsed_time": 2400,
        "sport_type": "Run",
    }
    streams = {"time": {"data": times}, "distance": {"data": distance}, "heartrate": {"data": hr}}
    _check(strava_values(item, streams))


def test_clean_streams_leave_the_summary_as_it_is() -> None:
    times = list(range(0, 1800, 5))
    summary = {
        "distance_m": 5400.0,
        "moving_time_s": 1800.0,
        "elapsed_time_s": 1800.0,
        "avg_hr": None,
        "sport_type": "Run",
    }
    refined = intervals_values(START, summary, {"time": times, "distance": [3.0 * t for t in times]})
    assert refined is not None and refined["corrections"] is None  # the summary's own figures stand:
    assert (refined["distance_m"], refined["moving_time_s"]) == (5400.0, 1800.0)  # never a crop's
