"""The schema on real databases: migrations, model/migration agreement, UTC round trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from strainwatch.errors import StoreError
from strainwatch.store.db import create_db_engine, current_revision, open_database, upgrade
from strainwatch.store.models import Activity, Athlete, Base
from strainwatch.store.repository import known_activities
from tests import clock


def _activity(**overrides: object) -> Activity:
    now = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
    values: dict[str, object] = {
        "athlete_id": "sam", "source": "file", "external_id": "/runs/a.gpx", "sport_type": "Run",
        "start_time": now, "distance_m": 10_000.0, "moving_time_s": 3000.0, "elapsed_time_s": 3100.0,
        "gap_profile": {}, "raw": {"format": "gpx"}, "created_at": now, "updated_at": now,
    }  # fmt: skip
    values.update(overrides)
    return Activity(**values)


def test_migrations_create_the_schema_and_rerun_cleanly(database_url: str) -> None:
    engine = create_db_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # idempotent
    assert current_revision(engine) == "0005"
    tables = set(inspect(engine).get_table_names())
    assert {
        "athletes",
        "activities",
        "imported_files",
        "alerts",
        "injuries",
        "outbox",
        "source_health",
        "alembic_version",
    } <= tables


def test_models_and_migrations_agree(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_db_engine(database_url)
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_times_round_trip_as_aware_utc_and_keys_are_unique(database_url: str) -> None:
    sessions = open_database(database_url)
    berlin = timezone(timedelta(hours=2))
    with sessions() as session, session.begin():
        session.add(Athlete(id="sam", name="Sam", created_at=clock.now()))
        session.flush()
        session.add(_activity(start_time=datetime(2026, 5, 1, 8, 0, tzinfo=berlin)))
    with sessions() as session:
        stored = session.scalars(select(Activity)).one()
        assert stored.start_time == datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
        assert stored.start_time.tzinfo is not None
        assert stored.raw == {"format": "gpx"}
    with pytest.raises(IntegrityError), sessions() as session, session.begin():
        session.add(_activity())


def test_known_activities_loads_keys_and_this_athletes_runs(database_url: str) -> None:
    sessions = open_database(database_url)
    start = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
    with sessions() as session, session.begin():
        session.add_all([Athlete(id=i, name=i, created_at=start) for i in ("sam", "kim")])
        session.flush()
        session.add(_activity())
        session.add(_activity(athlete_id="kim", external_id="/kim.gpx"))
    with sessions() as session:
        known = known_activities(session, "sam")
    assert set(known.keys) == {("file", "/runs/a.gpx"), ("file", "/kim.gpx")}
    assert known.owner("file", "/kim.gpx") is not None
    assert [run.origin for run in known.runs] == ["file: /runs/a.gpx"]
    assert known.same_run(start.timestamp() + 30, 10_100) is not None


def test_sqlite_file_and_folder_are_created_with_wal(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "new" / "dir"
    engine = create_db_engine(f"sqlite:///{folder / 'x.db'}")
    upgrade(engine)
    assert (folder / "x.db").exists()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_unreachable_database_is_a_readable_error() -> None:
    engine = create_db_engine("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreError, match="cannot open the database") as caught:
        upgrade(engine)
    assert "127.0.0.1:1" in str(caught.value)


def test_bad_url_is_a_readable_error() -> None:
    with pytest.raises(StoreError, match="not a valid database URL"):
        create_db_engine("not a url")
