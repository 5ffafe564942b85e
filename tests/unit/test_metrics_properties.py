"""Properties of the per-activity metrics that must hold for any track."""

from __future__ import annotations

import math

from hypothesis import example, given, settings
from hypothesis import strategies as st

from strainwatch.domain import Track
from strainwatch.metrics.activity import (
    MOVING_SPEED_MS,
    _drop_bad,
    compute_metrics,
    drop_bad_samples,
    interval_distances,
)
from strainwatch.metrics.elevation import HYSTERESIS_M, ascent_descent, smooth_altitude
from strainwatch.metrics.geo import haversine_m
from strainwatch.metrics.grade import cost_of_running, grade_factor

lat = st.floats(-80, 80)
lon = st.floats(-179, 179)


@st.composite
def tracks(draw: st.DrawFn, min_points: int = 2, with_altitude: bool = True) -> Track:
    n = draw(st.integers(min_points, 60))
    track = Track()
    t = 1_600_000_000.0
    la, lo = draw(lat), draw(lon)
    alt = draw(st.floats(0, 3000))
    for _ in range(n):
        track.append(t, la, lo, alt if with_altitude else math.nan, math.nan, 150.0, math.nan)
        t += draw(st.floats(0.5, 30))
        la += draw(st.floats(-0.0005, 0.0005))
        lo += draw(st.floats(-0.0005, 0.0005))
        alt += draw(st.floats(-5, 5))
    return track


@given(lat, lon, lat, lon)
def test_haversine_is_symmetric_and_non_negative(a: float, b: float, c: float, d: float) -> None:
    assert haversine_m(a, b, c, d) >= 0
    assert math.isclose(haversine_m(a, b, c, d), haversine_m(c, d, a, b), rel_tol=1e-9, abs_tol=1e-6)


def test_haversine_one_degree_of_latitude() -> None:
    assert math.isclose(haversine_m(0, 0, 1, 0), 111_195, rel_tol=1e-3)


@given(tracks(min_points=3), st.data())
def test_distance_is_additive_when_a_track_is_split(track: Track, data: st.DataObject) -> None:
    cut = data.draw(st.integers(1, len(track) - 2))
    first, second = Track(), Track()
    for i in range(len(track)):
        row = [col[i] for col in track.columns().values()]
        if i <= cut:
            first.append(*row)
        if i >= cut:
            second.append(*row)
    whole = sum(interval_distances(track))
    parts = sum(interval_distances(first)) + sum(interval_distances(second))
    assert math.isclose(whole, parts, rel_tol=1e-9, abs_tol=1e-6)


@given(tracks())
def test_moving_time_never_exceeds_elapsed(track: Track) -> None:
    m = compute_metrics(track)
    assert 0 <= m.moving_time_s <= m.elapsed_time_s + 1e-6
    assert sum(m.gap_profile.values()) <= m.moving_time_s + 1.0


@given(tracks(with_altitude=False))
def test_without_altitude_gap_equals_pace_and_climb_is_unknown(track: Track) -> None:
    m = compute_metrics(track)
    assert m.ascent_m is None and m.descent_m is None
    if m.pace_s_per_km is not None:
        assert m.gap_s_per_km is not None
        assert math.isclose(m.gap_s_per_km, m.pace_s_per_km, rel_tol=1e-9)


@given(st.lists(st.floats(-100, 3000), min_size=2, max_size=80))
@example(altitudes=[1.0, 0.0, 2.0, 0.0, 2.0, 0.0, 2.0])  # a ±2 m ripple seen only backwards, once
@example(altitudes=[0.0, 2.0, 0.0, 2.0, 0.0])
@example(altitudes=[0.0, 1.9, 0.0, 3.9, 1.9, 4.0])
def test_reversing_a_profile_swaps_ascent_and_descent(altitudes: list[float]) -> None:
    up = ascent_descent(altitudes)
    down = ascent_descent(list(reversed(altitudes)))
    assert up is not None and down is not None
    # the turning points near either end may be confirmed in one direction only
    assert math.isclose(up[0], down[1], abs_tol=2 * HYSTERESIS_M)
    assert math.isclose(up[1], down[0], abs_tol=2 * HYSTERESIS_M)
    net = altitudes[-1] - altitudes[0]
    assert math.isclose(up[0] - up[1], net, abs_tol=1e-6)


def test_a_steady_climb_counts_in_full_and_a_ripple_below_the_hysteresis_not_at_all() -> None:
    assert ascent_descent([100.0 + i for i in range(11)]) == (10.0, 0.0)
    up, down = ascent_descent([100.0, 101.9, 100.1, 101.9, 100.0, 110.0, 100.0])  # type: ignore[misc]
    assert (up, down) == (10.0, 10.0)


def test_flat_noise_below_the_hysteresis_is_no_climb() -> None:
    assert ascent_descent([100.0, 101.5, 100.2, 101.9, 100.0] * 20) == (0.0, 0.0)


def test_smoothing_skips_missing_samples() -> None:
    smoothed = smooth_altitude([0, 1, 2, 3], [10.0, math.nan, 12.0, math.nan])
    assert smoothed[1] == 11.0


def test_grade_factor_is_one_on_the_flat_and_rises_uphill() -> None:
    assert grade_factor(0.0) == 1.0
    factors = [grade_factor(g / 100) for g in range(0, 46, 5)]
    assert factors == sorted(factors)
    assert grade_factor(-0.1) < 1.0  # a gentle downhill is cheaper than the flat
    assert cost_of_running(0.9) == cost_of_running(0.45)  # clamped to Minetti's range


@settings(max_examples=50)
@given(st.floats(2.0, 6.0), st.floats(0.05, 0.3))
def test_uphill_makes_gap_faster_than_pace(speed: float, grade: float) -> None:
    track = Track()
    step = speed  # metres per 1 s sample
    for i in range(600):
        track.append(1_600_000_000.0 + i, 45.0 + i * step / 111_195, 7.0, 200.0 + i * step * grade)
    m = compute_metrics(track)
    assert m.pace_s_per_km is not None and m.gap_s_per_km is not None
    assert m.gap_s_per_km < m.pace_s_per_km
    assert m.ascent_m is not None and m.ascent_m > 0.9 * 600 * step * grade - 50


def test_standing_still_is_not_moving() -> None:
    track = Track()
    for i in range(120):
        drift = (i % 2) * 0.000002  # about 0.2 m of GPS jitter
        track.append(1_600_000_000.0 + i, 45.0 + drift, 7.0)
    m = compute_metrics(track)
    assert m.moving_time_s == 0
    assert m.elapsed_time_s == 119
    assert MOVING_SPEED_MS > 0.2


@given(lat, lon, lat, lon)
def test_the_fast_interval_distance_is_the_haversine(a: float, b: float, c: float, d: float) -> None:
    track = Track()
    track.append(0.0, a, b)
    track.append(1.0, c, d)
    assert math.isclose(interval_distances(track)[1], haversine_m(a, b, c, d), rel_tol=1e-9, abs_tol=1e-6)


@given(tracks(min_points=2), st.data())
def test_distances_measured_while_dropping_bad_samples_are_the_ones_measured_after(
    track: Track, data: st.DataObject
) -> None:
    """compute_metrics reuses the distances the position check measured; with jumps,
    impossible fixes and gaps mixed in they must be the distances measured afresh."""
    for i in range(len(track)):
        spoil = data.draw(st.sampled_from(["", "", "", "nan", "zero", "jump", "far"]))
        if spoil == "nan":
            track.lat[i] = math.nan
        elif spoil == "zero":
            track.lat[i] = track.lon[i] = 0.0
        elif spoil == "jump":
            track.lon[i] = -track.lon[i] if abs(track.lon[i]) > 1 else track.lon[i] + 90
        elif spoil == "far":
            track.lat[i] = (track.lat[i] + 5) % 80
    cleaned, near = _drop_bad(track)
    assert [repr(v) for v in cleaned.lat] == [repr(v) for v in drop_bad_samples(track).lat]
    assert list(interval_distances(cleaned, near)) == list(interval_distances(cleaned))
