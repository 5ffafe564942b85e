"""The sources' contract: files, Strava and intervals.icu through the same cases, into the
one store — a new run, another recording of it, a manual entry without streams, a deletion,
and the runner's correction surviving the source's next edit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support import clock
from tests.support.sources import SOURCES, SourceHarness, days_ago, source_harness

NOW = clock.now().replace(microsecond=0)


@pytest.fixture(params=SOURCES)
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SourceHarness]:
    with source_harness(request.param, tmp_path, f"sqlite:///{tmp_path}/sw.db") as harness:
        yield harness


@pytest.fixture(params=[kind for kind in SOURCES if kind != "files"])
def api_source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SourceHarness]:
    """The sources that can hold a typed-in run and delete one (a file is a recording, and
    strainwatch never deletes a file's run; a Strava export's manual rows: test_import)."""
    with source_harness(request.param, tmp_path, f"sqlite:///{tmp_path}/sw.db") as harness:
        yield harness


def test_a_new_run_is_stored_and_counted_once(source: SourceHarness) -> None:
    source.add_run("a", days_ago(NOW, 2), 8.0)
    source.sync(NOW)
    source.sync(NOW + timedelta(minutes=10))  # nothing new: nothing twice
    assert source.counted() == {source.key("a"): pytest.approx(8000, rel=0.02)}


def test_another_recording_of_the_same_run_counts_once(source: SourceHarness) -> None:
    """A second device started 3 minutes later and stopped 1 km early: one run."""
    start = days_ago(NOW, 2)
    source.add_run("a", start, 10.0)
    source.add_watch_file("a", start + timedelta(minutes=3), 9.0)
    source.sync(NOW)
    assert len(source.counted()) == 1


def test_a_manual_entry_without_streams_is_kept_and_counted(api_source: SourceHarness) -> None:
    source = api_source
    source.add_run("m", days_ago(NOW, 1), 5.0, manual=True)
    source.sync(NOW)
    source.sync(NOW + timedelta(minutes=30))
    assert source.counted() == {source.key("m"): pytest.approx(5000)}


def test_a_deleted_run_leaves_the_load(api_source: SourceHarness) -> None:
    source = api_source
    source.add_run("a", days_ago(NOW, 1), 6.0)
    source.add_run("b", days_ago(NOW, 1.5), 7.0)
    source.sync(NOW)
    source.delete("a")
    source.sync(NOW + timedelta(hours=1))
    assert source.counted() == {source.key("b"): pytest.approx(7000, rel=0.02)}


def test_the_runners_correction_outlives_the_sources_next_edit(source: SourceHarness) -> None:
    from strainwatch.store import overrides
    from strainwatch.store.db import unit_of_work
    from strainwatch.store.models import Activity

    source.add_run("a", days_ago(NOW, 1), 12.0)
    source.sync(NOW)
    with source.sessions() as session, unit_of_work(session):
        overrides.correct(session, session.get_one(Activity, source.activity_id("a")), NOW, distance_m=9100.0)
    source.edit("a")
    source.sync(NOW + timedelta(hours=2))
    assert source.counted() == {source.key("a"): 9100.0}
    with source.sessions() as session:
        assert session.get_one(Activity, source.activity_id("a")).distance_m == pytest.approx(12_120, rel=0.02)
