"""Same-run matching: start within 60 s and distance within 2 %, whatever the order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from strainwatch.store.dedup import KnownActivities, KnownRun

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
