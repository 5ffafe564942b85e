"""Distances and durations in a plan's words, as plan apps and runners write them."""

from __future__ import annotations

import pytest

from strainwatch.sources.plan.text import distance_m, duration_s, is_running


@pytest.mark.parametrize(
    ("words", "metres"),
    [
        ("Long run 28 km", 28_000),
        ("Long run 28km with the last 5 km at marathon pace", 28_000),
        ("6 mi easy", 6 * 1609.344),
        ("10k tempo", 10_000),
        ("Recovery 7,5 km", 7_500),
        ("5000 m time trial", 5_000),
        ("10x400 m", None),  # repetitions, not the session's distance
        ("Hill reps", None),
        ("45 min easy", None),
    ],
)
def test_distances(words: str, metres: float | None) -> None:
    assert distance_m(words) == pytest.approx(metres) if metres else distance_m(words) is None


@pytest.mark.parametrize(
    ("words", "seconds"),
    [
        ("45 min easy", 2700),
        ("1h30 long run", 5400),
        ("1 h 15 min steady", 4500),
        ("1.5 h trail", 5400),
        ("1:15:00 steady", 4500),
        ("Easy 40' + strides", 2400),
        ("Tempo at 4:30/km", None),  # a pace, not a duration
        ("5:00 min/km easy", None),
        ("Long run 28 km", None),
    ],
)
def test_durations(words: str, seconds: float | None) -> None:
    assert duration_s(words) == seconds


@pytest.mark.parametrize(
    ("words", "run"),
    [
        ("Easy run + strides", True),
        ("Long run", True),
        ("Rest", False),
        ("Bike 60 min", False),
        ("Yoga", False),
        ("Strength and mobility", False),
        ("Tempo 8 km", True),
        ("8 km", True),
    ],
)
def test_what_is_a_run(words: str, run: bool) -> None:
    assert is_running(words) is run
