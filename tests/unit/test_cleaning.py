"""What the runner really ran: cleaning at import (metrics.cleaning through compute_metrics),
on synthetic tracks and on the real recordings the issue names."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from strainwatch.domain import NAN, Correction, DeviceSummary, Track
from strainwatch.metrics.activity import compute_metrics
from strainwatch.metrics.cleaning import CleaningLimits
from strainwatch.metrics.geo import EARTH_RADIUS_M
from strainwatch.sources.files.activity_files import parse_file
from strainwatch.sources.files.limits import ReadLimits
from strainwatch.units import say

T0 = 1_600_000_000.0
METRES_PER_DEG = math.pi * EARTH_RADIUS_M / 180.0


class _Walker:
    """A track built leg by leg, heading north from 0.5°N, 0.5°E, one sample a `dt`."""

    def __init__(self) -> None:
        self.track = Track()
        self.t = T0
        self.north_m = 0.0
        self._sample(150.0)

    def _sample(self, hr: float) -> None:
        lat = 0.5 + self.north_m / METRES_PER_DEG
        self.track.append(self.t, lat, 0.5, NAN, NAN, hr)

    def leg(self, seconds: float, speed: float, hr: float = 150.0, dt: float = 1.0) -> _Walker:
        for _ in range(round(seconds / dt)):
            self.t += dt
            self.north_m += speed * dt
            self._sample(hr)
        return self

    def jump(self, metres: float, seconds: float = 1.0, hr: float = 150.0) -> _Walker:
        self.t += seconds
        self.north_m += metres
        self._sample(hr)
        return self


def _kinds(corrections: tuple[Correction, ...]) -> list[str]:
    return [c.kind for c in corrections]


def test_a_clean_run_is_not_touched() -> None:
    m = compute_metrics(_Walker().leg(1800, 3.0).track)
    assert m.corrections == ()
    assert m.distance_m == pytest.approx(5400, rel=0.005)
    assert m.moving_time_s == pytest.approx(1800)


def test_a_car_ride_with_an_idle_heart_is_cropped_from_distance_time_and_pace() -> None:
    track = _Walker().leg(1200, 3.0).leg(300, 15.0, hr=75).leg(600, 3.0).track
    m = compute_metrics(track)
    assert _kinds(m.corrections) == ["vehicle"]
    car = m.corrections[0]
    assert car.removed_m == pytest.approx(4500, rel=0.02)
    assert car.removed_s == pytest.approx(300, abs=5)
    assert "54 km/h" in say(car.why, "km") and "34 mph" in say(car.why, "mi") and "heart rate 75" in car.why
    assert m.distance_m == pytest.approx(5400, rel=0.02)
    assert m.moving_time_s == pytest.approx(1800, abs=5)
    assert m.pace_s_per_km == pytest.approx(1000 / 3.0, rel=0.02)
    assert min(m.gap_profile) > 250  # no 1:07/km seconds in the pace profile


def test_a_moderate_speed_counts_as_a_vehicle_only_with_an_idle_heart() -> None:
    """5.5 m/s (3:02/km) is a fast runner's tempo at heart rate 175, a car in traffic at 80."""
    tempo = compute_metrics(_Walker().leg(600, 3.0, hr=170).leg(300, 5.5, hr=175).leg(300, 3.0).track)
    car = compute_metrics(_Walker().leg(600, 3.0, hr=170).leg(300, 5.5, hr=80).leg(300, 3.0, hr=170).track)
    assert tempo.corrections == ()
    assert _kinds(car.corrections) == ["vehicle"]


def test_a_position_running_off_at_a_running_heart_rate_is_named_for_what_it_is() -> None:
    m = compute_metrics(_Walker().leg(600, 3.0, hr=170).leg(120, 12.0, hr=172).leg(600, 3.0, hr=170).track)
    assert _kinds(m.corrections) == ["position"]
    assert "running heart rate" in m.corrections[0].why


def test_a_single_jump_adds_no_distance_but_a_short_burst_of_strides_stays() -> None:
    jumped = compute_metrics(_Walker().leg(600, 3.0).jump(600, seconds=10).leg(600, 3.0).track)
    strides = compute_metrics(_Walker().leg(600, 3.0).leg(20, 6.9).leg(600, 3.0).track)
    assert _kinds(jumped.corrections) == ["teleport"]
    assert jumped.distance_m == pytest.approx(3600, rel=0.01)
    assert strides.corrections == ()
    assert strides.distance_m == pytest.approx(3738, rel=0.01)


def test_a_long_stop_is_neither_moving_time_nor_distance() -> None:
    m = compute_metrics(_Walker().leg(900, 3.0).jump(1500, seconds=2400).leg(900, 3.0).track)
    assert _kinds(m.corrections) == ["gap"]
    assert m.distance_m == pytest.approx(5400, rel=0.01)
    assert m.moving_time_s == pytest.approx(1800, abs=2)
    assert m.elapsed_time_s == pytest.approx(1800 + 2400, abs=2)


def test_a_tail_after_hours_ends_the_recording() -> None:
    m = compute_metrics(_Walker().leg(1800, 3.0).jump(300, seconds=5 * 3600).leg(1800, 9.0, hr=70).track)
    assert _kinds(m.corrections) == ["tail"]
    assert m.distance_m == pytest.approx(5400, rel=0.01)
    assert m.elapsed_time_s == pytest.approx(1800)
    tail = m.corrections[0]
    assert tail.removed_m == pytest.approx(300 + 16200, rel=0.01)
    assert "5:00:00 stop" in tail.why


def test_rides_lose_only_stops_and_tails() -> None:
    ride = _Walker().leg(1800, 9.0).jump(300, seconds=5 * 3600).leg(600, 9.0).track
    m = compute_metrics(ride, sport_type="Ride")
    assert _kinds(m.corrections) == ["tail"]
    assert m.distance_m == pytest.approx(16200, rel=0.01)


def test_limits_are_settings_and_cleaning_can_be_turned_off() -> None:
    track = _Walker().leg(600, 3.0).leg(300, 8.0, hr=80).leg(600, 3.0).track
    assert _kinds(compute_metrics(track).corrections) == ["vehicle"]
    assert (
        compute_metrics(track, cleaning=CleaningLimits(max_speed_ms=9.0, hr_speed_ms=9.0)).corrections == ()
    )
    off = compute_metrics(track, cleaning=CleaningLimits(enabled=False))
    assert off.corrections == ()
    assert off.distance_m == pytest.approx(6000, rel=0.01)


def test_corrections_survive_json() -> None:
    m = compute_metrics(_Walker().leg(600, 3.0).leg(300, 15.0, hr=70).leg(600, 3.0).track)
    assert [Correction.from_json(c.to_json()) for c in m.corrections] == [
        Correction(
            c.kind,
            round(c.start_s, 1),
            round(c.end_s, 1),
            round(c.removed_m, 1),
            round(c.removed_s, 1),
            c.why,
        )
        for c in m.corrections
    ]


def _example(corpus: Path, name: str) -> tuple[Track, DeviceSummary]:
    [read] = parse_file(str(corpus / "runner-2020" / name), name, ReadLimits())
    return read.track, read.summary


def test_the_readme_example_car_ride_is_stored_at_its_running_distance(corpus: Path) -> None:
    """2021-01-17: about 7 km of running, bursts of a phone in a bus, a stop of hours and a
    drive the next day; stored as a 21.74 km run before cleaning."""
    m = compute_metrics(*_example(corpus, "720bf570-d855-4303-87c2-74d85429e52d.gpx"))
    assert 7000 <= m.distance_m <= 9100
    assert set(_kinds(m.corrections)) >= {"tail", "teleport"}
    tail = next(c for c in m.corrections if c.kind == "tail")
    assert tail.removed_m > 10_000
    assert m.pace_s_per_km is not None and m.pace_s_per_km > 300  # not the 4:06/km of a bus


@pytest.mark.parametrize(
    ("name", "ran_m"),
    [
        ("eea8fa30-e280-472f-9262-5690fb40fb32.gpx", 4860),  # 2020-10-07: 4.1 km at ~59 km/h
        ("556160e9-d74c-440c-b0af-363efb753430.gpx", 5300),  # 2020-09-20: a 16.7 km jump
    ],
)
def test_example_runs_with_a_vehicle_stretch_come_within_15_percent(
    corpus: Path, name: str, ran_m: float
) -> None:
    m = compute_metrics(*_example(corpus, name))
    assert abs(m.distance_m - ran_m) <= 0.15 * ran_m
    assert "vehicle" in _kinds(m.corrections)
    assert m.pace_s_per_km is not None and m.pace_s_per_km > 150  # counted as running again


def test_sparse_records_of_a_real_run_take_the_devices_timer(corpus: Path) -> None:
    """A real FIT run thinned to one sample a minute (an Apple Health conversion keeps about
    that): the samples cannot time it, the device's timer and distance can."""
    [read] = parse_file(str(corpus / "formats" / "runpandas-fr645m-run.fit"), "fr645m", ReadLimits())
    full = read.track
    sparse = Track()
    for i in range(0, len(full), 60):
        sparse.append(*(column[i] for column in full.columns().values()))
    summary = read.summary
    assert summary.timer_time_s and summary.distance_m
    m = compute_metrics(sparse, summary)
    assert _kinds(m.corrections) == ["device-timer"]
    assert m.moving_time_s == pytest.approx(summary.timer_time_s)
    assert m.distance_m == pytest.approx(summary.distance_m)
    assert m.pace_s_per_km == pytest.approx(summary.timer_time_s / summary.distance_m * 1000, rel=0.001)


def test_clean_real_runs_keep_their_figures(corpus: Path) -> None:
    """Device distances (FIT, TCX) of clean runs are left as they are."""
    for name in ("runpandas-fr645m-run.fit", "run_garmin.tcx"):
        [read] = parse_file(str(corpus / "formats" / name), name, ReadLimits())
        cleaned = compute_metrics(read.track, read.summary, sport_type=read.sport_type)
        raw = compute_metrics(read.track, read.summary, cleaning=CleaningLimits(enabled=False))
        assert cleaned.corrections == (), name
        assert (cleaned.distance_m, cleaned.moving_time_s) == (raw.distance_m, raw.moving_time_s), name


def test_a_watch_finding_its_satellites_loses_only_its_first_jumps(corpus: Path) -> None:
    """The fēnix 2 counts 30 m in one second while it finds its position: a device's own
    distance is held to the same single-step limit as the positions, and nothing else of
    the run is touched."""
    name = "activity-small-fenix2-run.fit"
    [read] = parse_file(str(corpus / "formats" / name), name, ReadLimits())
    cleaned = compute_metrics(read.track, read.summary, sport_type=read.sport_type)
    raw = compute_metrics(read.track, read.summary, cleaning=CleaningLimits(enabled=False))
    [jump] = cleaned.corrections
    assert jump.kind == "teleport" and jump.end_s < 30
    assert 0 < jump.removed_m < 0.01 * raw.distance_m
    assert cleaned.distance_m == pytest.approx(raw.distance_m - jump.removed_m, abs=5)
