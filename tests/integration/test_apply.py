"""The one applier (store.apply) on real databases: what it decides for a batch, and that a
batch costs one query for its stored recordings, never one per recording."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select

from strainwatch.domain import Deletion, Recording, SourceBatch
from strainwatch.store.apply import apply_batch
from strainwatch.store.db import open_database, unit_of_work
from strainwatch.store.models import Activity, Athlete
from strainwatch.store.repository import ensure_athlete, known_activities
from tests.support import clock

NOW = clock.now().replace(microsecond=0)


def _recording(key: str, start: datetime, km: float, name: str = "Run", **extra: Any) -> Recording:
    summary = {"id": key, "name": name, "distance": km * 1000}
    values = {
        "sport_type": "Run",
        "name": name,
        "start_time": start,
        "distance_m": km * 1000,
        "moving_time_s": km * 330,
        "elapsed_time_s": km * 330 + 60,
        "avg_hr": 150.0,
        "manual": False,
        "gap_profile": {},
        **extra,
    }
    return Recording(key, values, samples=True, summary=summary)


@contextmanager
def _selects(sessions: Any) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = sessions.kw["bind"]

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _setup(database_url: str) -> Any:
    sessions = open_database(database_url)
    with sessions() as session, unit_of_work(session):
        ensure_athlete(session, "sam", "Sam", NOW)
        ensure_athlete(session, "kim", "Kim", NOW)
    return sessions


def test_a_batch_costs_one_query_for_its_stored_recordings(database_url: str) -> None:
    sessions = _setup(database_url)
    runs = [_recording(f"r{i}", NOW - timedelta(days=i), 8.0) for i in range(1, 101)]
    with sessions() as session, unit_of_work(session):
        known = known_activities(session, "sam")
    with sessions() as session, unit_of_work(session), _selects(sessions) as selects:
        first = apply_batch(session, "sam", SourceBatch("strava", tuple(runs)), known, NOW)
    assert first.new == 100 and selects == []
    edited = [
        _recording(r.external_id, r.start_time, 8.0, name="Renamed" if i % 2 else "Run")
        for i, r in enumerate(runs)
    ]
    with sessions() as session, unit_of_work(session), _selects(sessions) as selects:
        again = apply_batch(session, "sam", SourceBatch("strava", tuple(edited)), known, NOW)
    assert (again.updated, again.count("unchanged"), again.new) == (50, 50, 0)
    assert len(selects) == 1


def test_a_recording_of_another_athletes_key_is_left_alone(database_url: str) -> None:
    sessions = _setup(database_url)
    run = _recording("shared", NOW - timedelta(days=1), 5.0)
    with sessions() as session, unit_of_work(session):
        apply_batch(session, "kim", SourceBatch("strava", (run,)), known_activities(session, "kim"), NOW)
    with sessions() as session, unit_of_work(session):
        result = apply_batch(
            session, "sam", SourceBatch("strava", (run,)), known_activities(session, "sam"), NOW
        )
    assert [(a.outcome, a.owner) for a in result.applied] == [("foreign", "kim")]
    with sessions() as session:
        assert [a.athlete_id for a in session.scalars(select(Activity))] == ["kim"]


def test_a_run_the_source_said_is_gone_stays_deleted_until_it_is_edited(database_url: str) -> None:
    sessions = _setup(database_url)
    run = _recording("a", NOW - timedelta(days=1), 6.0)
    with sessions() as session, unit_of_work(session):
        known = known_activities(session, "sam")
        apply_batch(session, "sam", SourceBatch("strava", (run,)), known, NOW)
    with sessions() as session, unit_of_work(session):
        gone = SourceBatch("strava", deletions=(Deletion("a", gone=404),))
        assert len(apply_batch(session, "sam", gone, known, NOW).deleted) == 1
    with sessions() as session, unit_of_work(session):
        listed = apply_batch(session, "sam", SourceBatch("strava", (run,)), known, NOW)
    assert listed.count("unchanged") == 1
    edited = _recording("a", run.start_time, 6.5, name="Edited")
    with sessions() as session, unit_of_work(session):
        assert apply_batch(session, "sam", SourceBatch("strava", (edited,)), known, NOW).updated == 1
    with sessions() as session:
        stored = session.scalars(select(Activity)).one()
        assert (stored.deleted, stored.distance_m, "gone" in stored.raw) == (False, 6500, False)


def test_a_rolled_back_batch_leaves_the_known_runs_as_they_were(database_url: str) -> None:
    """A file the database refused: its runs are not known, so the next recording of the same
    run is new, not the duplicate of a row that was never stored."""
    sessions = _setup(database_url)
    start = NOW - timedelta(days=2)
    with sessions() as session:
        with unit_of_work(session):
            known = known_activities(session, "sam")
        with unit_of_work(session, dry_run=True):
            result = apply_batch(
                session, "sam", SourceBatch("file", (_recording("/a.gpx", start, 9.0),)), known, NOW
            )
        result.undo(known, keep_unstored=False)
        assert known.runs == [] and known.keys == {}
        with unit_of_work(session):
            again = apply_batch(
                session, "sam", SourceBatch("file", (_recording("/b.gpx", start, 9.0),)), known, NOW
            )
    assert [a.outcome for a in again.applied] == ["new"]
    with sessions() as session:
        assert session.get(Athlete, "sam") is not None
        assert [a.external_id for a in session.scalars(select(Activity))] == ["/b.gpx"]


def test_two_recordings_of_one_run_in_one_batch_are_linked(database_url: str) -> None:
    """A listing page with a watch's and a phone's recording of one run: the better one counts
    (here the second, with heart rate), the other is linked to it by its id."""
    sessions = _setup(database_url)
    start = NOW - timedelta(days=1)
    phone = _recording("phone", start, 10.0, avg_hr=None)
    watch = _recording("watch", start + timedelta(minutes=2), 9.8)
    late = _recording("late", start + timedelta(minutes=3), 9.7, avg_hr=None)
    with sessions() as session, unit_of_work(session):
        known = known_activities(session, "sam")
        result = apply_batch(session, "sam", SourceBatch("strava", (phone, watch, late)), known, NOW)
    assert [a.outcome for a in result.applied] == ["new", "better", "duplicate"]
    with sessions() as session:
        rows = {a.external_id: a for a in session.scalars(select(Activity))}
    assert rows["watch"].duplicate_of is None
    assert rows["phone"].duplicate_of == rows["late"].duplicate_of == rows["watch"].id
    assert known.owner("strava", "late") == (rows["late"].id, "sam")
    assert [run.activity_id for run in known.runs] == [rows["watch"].id]
