"""What `activities`, the run page and `explain` say about a run's corrections and about a
run left out of running load."""

from __future__ import annotations

from strainwatch.domain import Correction
from strainwatch.store.models import Activity
from strainwatch.views.activity import also_recorded, correction_lines, not_counted


def _activity(
    distance_m: float, moving_s: float, sport: str = "Run", corrections: tuple[Correction, ...] = ()
) -> Activity:
    return Activity(
        id=41,
        sport_type=sport,
        distance_m=distance_m,
        moving_time_s=moving_s,
        deleted=False,
        duplicate_of=None,
        corrections=[c.to_json() for c in corrections] or None,
    )


def test_a_run_too_fast_to_be_one_says_why_it_is_not_counted() -> None:
    assert not_counted(_activity(22_100, 1370), "km") == (
        "22.10 km at 1:02/km: too fast for a run, looks like a vehicle"
    )
    assert not_counted(_activity(10_000, 3000), "km") is None  # a run at 5:00/km counts
    assert not_counted(_activity(40_000, 4000, sport="Ride"), "km") is None  # a ride needs no word


def test_corrections_are_listed_with_how_much_and_why_and_noise_only_where_asked() -> None:
    car = Correction(
        "vehicle", 600, 900, 4080, 201, "68 km/h for 3:36, heart rate 80 (run: 152): a vehicle, not running"
    )
    noise = Correction("teleport", 100, 101, 21, 0, "1 impossible jump of the position (up to 21 m at once)")
    run = _activity(4850, 2216, corrections=(car, noise))
    lines = correction_lines(run, "km")
    assert lines[0] == (
        "a vehicle: 4.08 km and 3:21 moving left out; 68 km/h for 3:36, heart rate 80 (run: 152): a vehicle, not running"
    )
    assert len(lines) == 2 and "0.02 km" in lines[1]
    assert correction_lines(run, "km", notable=True) == lines[:1]
    assert "2.54 mi" in correction_lines(run, "mi")[0]


def test_a_duplicate_is_named_by_its_source() -> None:
    phone = Activity(id=7, source="strava", external_id="123", distance_m=25_030.0, raw={})
    watch = Activity(
        id=8, source="file", external_id="/runs/a.fit", distance_m=29_000.0, raw={"file": "/runs/a.fit"}
    )
    assert also_recorded(phone, "km") == "#7 strava 123 (25.03 km, not counted twice)"
    assert also_recorded(watch, "km") == "#8 /runs/a.fit (29.00 km, not counted twice)"
