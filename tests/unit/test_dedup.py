"""Same-run matching, one rule for every source: recordings overlapping by half of the shorter
(or, without durations, a start within 60 s and a distance within 2 %), whatever the order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from strainwatch.store.dedup import KnownActivities, KnownRun, Quality, recording_quality

T0 = 1_700_000_000.0


def _known(*runs: tuple[float, float]) -> KnownActivities:
    known = KnownActivities()
    for i, (start, distance) in enumerate(runs):
        known.add(("file", f"/{i}.gpx"), "sam", KnownRun(start, distance, i + 1, f"file: /{i}.gpx"))
    return known


def test_window_edges() -> None:
    known = _known((T0, 10_000))
    assert known.same_run(T0 + 60, 10_000) is not None
    assert known.same_run(T0 - 60, 10_000) is not None
    assert known.same_run(T0 + 60.5, 10_000) is None
    assert known.same_run(T0, 10_200) is not None  # 2 % of the larger
    assert known.same_run(T0, 10_205) is None
    assert known.same_run(T0, 9_800) is not None
    assert known.same_run(T0, 9_790) is None


def test_a_near_start_of_another_length_does_not_hide_the_twin() -> None:
    known = _known((T0 - 30, 5_000), (T0 + 10, 10_000))
    twin = known.same_run(T0, 10_050)
    assert twin is not None and twin.activity_id == 2


def test_dry_run_entries_match_but_have_no_key() -> None:
    known = KnownActivities()
    known.add(("file", "/x.gpx"), "sam", KnownRun(T0, 1_000, None, "file: /x.gpx"))
    assert known.owner("file", "/x.gpx") is None
    assert known.same_run(T0, 1_000) is not None


@given(st.lists(st.tuples(st.floats(0, 1e6), st.floats(0, 50_000)), max_size=30), st.randoms())
def test_matching_does_not_depend_on_insertion_order(runs: list[tuple[float, float]], rnd: object) -> None:
    shuffled = list(runs)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a, b = _known(*runs), _known(*shuffled)
    for start, distance in runs:
        assert (a.same_run(start, distance) is None) == (b.same_run(start, distance) is None)
        assert a.same_run(start, distance) is not None


def _span(
    start: float, seconds: float, distance: float, activity_id: int, quality: Quality = (1, 1, 1, 0)
) -> KnownRun:
    return KnownRun(start, distance, activity_id, f"file: /{activity_id}.gpx", start + seconds, quality)


def test_recordings_overlapping_by_half_of_the_shorter_are_one_run_whatever_their_start_or_distance() -> None:
    known = KnownActivities()
    known.add(("file", "/1.gpx"), "sam", _span(T0, 3 * 3600, 29_000, 1))  # a watch, 3 hours
    # a phone started 10 minutes later, stopped early, 4 km short
    twin = known.same_run(T0 + 600, 25_000, T0 + 600 + 2 * 3600)
    assert twin is not None and twin.activity_id == 1
    # left running since the evening before: 16 hours, the run inside it
    assert known.same_run(T0 - 13 * 3600, 31_000, T0 + 3 * 3600) is not None
    # the next outing after it, overlapping by a quarter of itself: another run
    assert known.same_run(T0 + 3 * 3600 - 900, 10_000, T0 + 3 * 3600 + 2700) is None


def test_the_better_recording_is_told_by_manual_heart_rate_then_samples() -> None:
    typed = recording_quality(manual=True, heart_rate=False, samples=False)
    phone = recording_quality(manual=False, heart_rate=False, samples=True)
    watch = recording_quality(manual=False, heart_rate=True, samples=True)
    assert typed < phone < watch


def test_replacing_a_run_keeps_one_counted_recording() -> None:
    known = KnownActivities()
    old = _span(T0, 3600, 10_000, 1, recording_quality(manual=True, heart_rate=False, samples=False))
    known.add(("strava", "1"), "sam", old)
    new = _span(T0 + 30, 3500, 10_100, 2)
    known.replace(old, ("file", "/2.gpx"), "sam", new)
    assert known.runs == [new] and known.same_run(T0, 10_000, T0 + 3600) == new
