"""intervals.icu's activity JSON onto our columns (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from strainwatch.sources.intervals.mapping import is_strava_stub, start_of, stream_values, summary_values

BERLIN = ZoneInfo("Europe/Berlin")


def test_stubs_are_strava_activities_without_data() -> None:
    stub = {
        "id": "123",
        "start_date_local": "2026-01-01T08:00:00",
        "type": "Run",
        "source": "STRAVA",
        "_note": "STRAVA activities are not available via the API",
    }
    assert is_strava_stub(stub)
    assert is_strava_stub({k: v for k, v in stub.items() if k != "_note"})
    assert not is_strava_stub({**stub, "source": "GARMIN_CONNECT"})
    assert not is_strava_stub({"source": "STRAVA", "distance": 1000.0, "moving_time": 300})


def test_start_is_utc_or_the_local_time_in_the_athletes_zone() -> None:
    assert start_of({"start_date": "2026-01-01T07:00:00Z"}, BERLIN) == datetime(2026, 1, 1, 7, tzinfo=UTC)
    assert start_of({"start_date_local": "2026-01-01T08:00:00"}, BERLIN) == datetime(
        2026, 1, 1, 7, tzinfo=UTC
    )


def test_summary_values_types_and_junk() -> None:
    values = summary_values(
        {
            "start_date": "2026-01-01T07:00:00Z",
            "type": "TrailRun",
            "distance": 12000,
            "moving_time": 4000,
            "elapsed_time": None,
            "average_heartrate": "150",
            "max_heartrate": float("nan"),
            "gear": {"name": "Speedgoat"},
            "source": "MANUAL",
            "name": 42,
        },
        BERLIN,
    )
    assert values["sport_type"] == "TrailRun" and values["distance_m"] == 12000.0
    assert values["elapsed_time_s"] == 4000.0 and values["avg_hr"] is None and values["max_hr"] is None
    assert values["gear"] == "Speedgoat" and values["manual"] and values["name"] is None
    assert (
        summary_values({"start_date": "2026-01-01T07:00:00Z", "type": "Kayaking"}, BERLIN)["sport_type"]
        == "Workout"
    )


def test_streams_without_distance_use_the_velocity() -> None:
    start = datetime(2026, 1, 1, 7, tzinfo=UTC)
    times = list(range(0, 1800, 5))
    summary = {"distance_m": 5400.0, "moving_time_s": 1800.0, "elapsed_time_s": 1800.0, "avg_hr": None}
    refined = stream_values(
        start,
        summary,
        {"time": times, "velocity_smooth": [3.0] * len(times), "heartrate": [150] * len(times)},
    )
    assert refined is not None and refined["gap_profile"] and refined["avg_hr"] == 150
    assert 320 <= (refined["gap_s_per_km"] or 0) <= 345  # 3 m/s on the flat: 5:33 per km
    assert stream_values(start, summary, {"time": [0]}) is None
