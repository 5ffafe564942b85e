"""The sources' contract: files, Strava and intervals.icu through the same cases, into the
one store (store.apply) on SQLite and PostgreSQL — a new run, an edit, a deletion, a manual
entry without streams, another recording of a run from another source, the runner's
correction; and real recordings from the corpus (a car ride, a vehicle stretch, a jump of
the position, sparse records with the device's timer, one run recorded twice)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support import clock
from tests.support.sources import SOURCES, SourceHarness, days_ago, recorded, source_harness

NOW = clock.now().replace(microsecond=0)
# 2021-01-17: a ~7-9 km run, then a bus and a drive
CAR_RIDE = "runner-2020/720bf570-d855-4303-87c2-74d85429e52d.gpx"
VEHICLE = "runner-2020/eea8fa30-e280-472f-9262-5690fb40fb32.gpx"  # 2020-10-07: 4.1 km at ~59 km/h, ran ~4.86
TELEPORT = "runner-2020/556160e9-d74c-440c-b0af-363efb753430.gpx"  # 2020-09-20: a 16.7 km jump, ran ~5.3
SPARSE = "formats/runpandas-fr645m-run.fit"  # thinned to one sample a minute, as Apple Health keeps


@pytest.fixture(params=SOURCES)
def source(request: pytest.FixtureRequest, tmp_path: Path, database_url: str) -> Iterator[SourceHarness]:
    (tmp_path / "state").mkdir(exist_ok=True)
    with source_harness(request.param, tmp_path, database_url) as harness:
        yield harness


@pytest.fixture(params=[kind for kind in SOURCES if kind != "files"])
def api_source(request: pytest.FixtureRequest, tmp_path: Path, database_url: str) -> Iterator[SourceHarness]:
    """The sources that can hold a typed-in run and delete one (a file is a recording, and
    strainwatch never deletes a file's run; a Strava export's manual rows: test_import)."""
    (tmp_path / "state").mkdir(exist_ok=True)
    with source_harness(request.param, tmp_path, database_url) as harness:
        yield harness


class TestEverySource:
    def test_a_new_run_is_stored_and_counted_once(self, source: SourceHarness) -> None:
        source.add_run("a", days_ago(NOW, 2), 8.0)
        source.sync(NOW)
        source.sync(NOW + timedelta(minutes=10))  # nothing new: nothing twice
        assert source.counted() == {source.key("a"): pytest.approx(8000, rel=0.02)}

    def test_an_edit_at_the_source_is_stored_over_the_old_figures(self, source: SourceHarness) -> None:
        source.add_run("a", days_ago(NOW, 2), 10.0)
        source.sync(NOW)
        source.edit("a")
        source.sync(NOW + timedelta(hours=1))
        assert source.counted() == {source.key("a"): pytest.approx(10_100, rel=0.01)}
        stored = source.stored("a")
        assert "Renamed" in (stored.name or "")
        if source.kind != "files":  # the streams of the old version no longer fit: fetched again
            assert stored.streams_state == "fetched" and stored.gap_profile

    def test_another_recording_of_the_same_run_counts_once(self, source: SourceHarness) -> None:
        """A second device started 3 minutes later and stopped 1 km early: one run."""
        start = days_ago(NOW, 2)
        source.add_run("a", start, 10.0)
        source.add_watch_file("a", start + timedelta(minutes=3), 9.0)
        source.sync(NOW)
        assert len(source.counted()) == 1

    def test_the_runners_correction_outlives_the_sources_next_edit(self, source: SourceHarness) -> None:
        from strainwatch.store import overrides
        from strainwatch.store.db import unit_of_work
        from strainwatch.store.models import Activity

        source.add_run("a", days_ago(NOW, 1), 12.0)
        source.sync(NOW)
        with source.sessions() as session, unit_of_work(session):
            activity = session.get_one(Activity, source.activity_id("a"))
            overrides.correct(session, activity, NOW, distance_m=9100.0)
        source.edit("a")
        source.sync(NOW + timedelta(hours=2))
        assert source.counted() == {source.key("a"): 9100.0}
        assert source.stored("a").distance_m == pytest.approx(12_120, rel=0.02)

    def test_the_runners_duplicate_link_outlives_the_sources_next_edit(self, source: SourceHarness) -> None:
        """Two recordings the rule keeps apart (they overlap by less than half), one run by the
        runner's word: an edit of the second at the source does not make it count again."""
        from strainwatch.store import overrides
        from strainwatch.store.db import unit_of_work
        from strainwatch.store.models import Activity

        start = days_ago(NOW, 2)
        source.add_run("a", start, 10.0)
        source.add_run("b", start + timedelta(minutes=50), 6.0)
        source.sync(NOW)
        assert len(source.counted()) == 2
        with source.sessions() as session, unit_of_work(session):
            b = session.get_one(Activity, source.activity_id("b"))
            overrides.mark_duplicate(session, b, session.get_one(Activity, source.activity_id("a")), NOW)
        source.edit("b")
        source.sync(NOW + timedelta(hours=1))
        assert source.counted() == {source.key("a"): pytest.approx(10_000, rel=0.02)}
        assert source.stored("b").distance_m == pytest.approx(6060, rel=0.02)

    def test_the_runners_correction_moves_to_a_better_recording_of_the_run(
        self, source: SourceHarness
    ) -> None:
        """A watch file without heart rate, corrected by the runner; then the source brings the
        same run with heart rate (the better recording, counted from then on): still the
        runner's distance, and the watch file is its duplicate."""
        from strainwatch.store import overrides
        from strainwatch.store.db import unit_of_work
        from strainwatch.store.models import Activity

        start = days_ago(NOW, 2)
        source.add_watch_file("a", start, 12.0)
        source.sync(NOW)
        with source.sessions() as session, unit_of_work(session):
            [watch] = session.query(Activity).all()
            overrides.correct(session, watch, NOW, distance_m=9100.0)
            watch_id = watch.id
        if source.kind == "files":
            source.add_watch_file("b", start + timedelta(seconds=20), 12.0, heart_rate=150)
            source.files["a"] = source.folder / "watch-b.gpx"
        else:
            source.add_run("a", start + timedelta(seconds=20), 12.0)
        source.sync(NOW + timedelta(hours=1))
        assert source.counted() == {source.key("a"): 9100.0}
        assert source.stored("a").duplicate_of is None
        with source.sessions() as session:
            assert session.get_one(Activity, watch_id).duplicate_of == source.activity_id("a")

    @pytest.mark.parametrize(
        "case", [(VEHICLE, 4860, {"vehicle"}), (TELEPORT, 5300, {"vehicle"}), (CAR_RIDE, 9000, {"tail"})]
    )
    def test_a_real_run_with_a_vehicle_or_a_jump_counts_what_was_run(
        self,
        source: SourceHarness,
        corpus: Path,
        case: tuple[str, float, set[str]],
        request: pytest.FixtureRequest,
    ) -> None:
        """The service sums the whole recording (the car too); what counts is what was run,
        within 15 %, with what was left out named."""
        corpus_file, ran_m, kinds = case
        run = recorded(corpus / corpus_file, days_ago(NOW, 3))
        source.add_recorded("a", run)
        source.sync(NOW)
        assert run.distance_m > 1.5 * ran_m  # the uncleaned figure the source has
        [distance] = source.counted().values()
        assert distance == pytest.approx(ran_m, rel=0.15)
        stored = source.stored("a")
        assert kinds <= {c["kind"] for c in stored.corrections or []}
        assert stored.pace_s_per_km > 240  # a runner's pace, not a bus's

    def test_sparse_records_keep_the_devices_timer_and_count(
        self, source: SourceHarness, corpus: Path
    ) -> None:
        """A real run thinned to one sample a minute: the device's timer and distance stand."""
        run = recorded(corpus / SPARSE, days_ago(NOW, 3), every=60)
        source.add_recorded("a", run)
        source.sync(NOW)
        assert source.counted() == {source.key("a"): pytest.approx(run.distance_m, rel=0.01)}
        stored = source.stored("a")
        assert stored.moving_time_s == pytest.approx(run.moving_time_s, abs=1)
        timer_pace = run.moving_time_s / run.distance_m * 1000
        assert stored.pace_s_per_km == pytest.approx(timer_pace, rel=0.01)

    def test_a_real_run_recorded_twice_counts_once(self, source: SourceHarness, corpus: Path) -> None:
        """The same real run as a watch's file and from the source (for files: a second copy
        of the file from the phone): one run counts, the other is its duplicate."""
        run = recorded(corpus / VEHICLE, days_ago(NOW, 3))
        source.add_recorded("a", run)
        run.write(source.folder / "phone-copy")
        source.sync(NOW)
        source.sync(NOW + timedelta(hours=1))
        [distance] = source.counted().values()
        assert distance == pytest.approx(4860, rel=0.15)


class TestApiSources:
    def test_a_manual_entry_without_streams_is_kept_and_counted(self, api_source: SourceHarness) -> None:
        source = api_source
        source.add_run("m", days_ago(NOW, 1), 5.0, manual=True)
        source.sync(NOW)
        source.sync(NOW + timedelta(minutes=30))
        assert source.counted() == {source.key("m"): pytest.approx(5000)}
        assert source.stored("m").manual

    @pytest.mark.parametrize("status", [404, 410])
    def test_a_run_whose_streams_are_refused_keeps_its_summary(
        self, api_source: SourceHarness, status: int
    ) -> None:
        """Only the activity itself answering 404 means it is gone; its streams answering 404
        or 410 mean it has none: stored with the summary's figures, counted."""
        source = api_source
        source.add_run("a", days_ago(NOW, 1), 7.0)
        source.lose_streams("a", status)
        source.sync(NOW)
        source.sync(NOW + timedelta(minutes=30))
        assert source.counted() == {source.key("a"): pytest.approx(7000)}
        stored = source.stored("a")
        assert (stored.deleted, stored.streams_state) == (False, "none")

    def test_a_deleted_run_leaves_the_load(self, api_source: SourceHarness) -> None:
        source = api_source
        source.add_run("a", days_ago(NOW, 1), 6.0)
        source.add_run("b", days_ago(NOW, 1.5), 7.0)
        source.sync(NOW)
        source.delete("a")
        source.sync(NOW + timedelta(hours=1))
        assert source.counted() == {source.key("b"): pytest.approx(7000, rel=0.02)}
        assert source.stored("a").deleted

    def test_a_deleted_run_hands_the_count_to_its_duplicate(self, api_source: SourceHarness) -> None:
        """The source's recording counted, a watch file was its duplicate: deleted at the
        source, the run was still run, and the file counts."""
        source = api_source
        start = days_ago(NOW, 1)
        source.add_run("a", start, 8.0)
        source.sync(NOW)
        source.add_watch_file("a", start + timedelta(minutes=1), 8.0)
        source.sync(NOW + timedelta(minutes=30))
        assert source.counted() == {source.key("a"): pytest.approx(8000, rel=0.02)}
        source.delete("a")
        source.sync(NOW + timedelta(hours=1))
        [(key, distance)] = source.counted().items()
        assert key.endswith("watch-a.gpx") and distance == pytest.approx(8000, rel=0.02)
