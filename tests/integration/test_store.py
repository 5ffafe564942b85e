"""The schema on real databases: migrations, model/migration agreement, UTC round trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import column, insert, inspect, select, table
from sqlalchemy.exc import IntegrityError

from strainwatch.errors import StoreError
from strainwatch.store.db import create_db_engine, current_revision, open_database, upgrade
from strainwatch.store.models import Activity, Athlete, Base, UTCDateTime
from strainwatch.store.repository import known_activities
from tests.support import clock


def test_an_upgrade_cut_short_leaves_no_table_behind(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process killed half-way through its first upgrade (the crash tests' SIGKILL) must
    not leave tables without a revision, which the next start refuses as another program's:
    on SQLite too, where pysqlite commits each CREATE on its own unless told otherwise."""
    from alembic.operations import Operations

    created = Operations.create_table
    count = 0

    def create_then_die(self: Operations, *args: object, **kwargs: object) -> object:
        nonlocal count
        count += 1
        if count == 3:  # two tables made, then the process "dies"
            raise KeyboardInterrupt
        return created(self, *args, **kwargs)

    engine = create_db_engine(database_url)
    monkeypatch.setattr(Operations, "create_table", create_then_die)
    with pytest.raises(KeyboardInterrupt):
        upgrade(engine)
    monkeypatch.undo()
    assert [t for t in inspect(engine).get_table_names() if t != "alembic_version"] == []
    upgrade(engine)  # the next start: a clean first upgrade, not a refusal
    assert current_revision(engine) == "0016"


def _activity(**overrides: object) -> Activity:
    now = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
    values: dict[str, object] = {
        "athlete_id": "sam",
        "source": "file",
        "external_id": "/runs/a.gpx",
        "sport_type": "Run",
        "start_time": now,
        "distance_m": 10_000.0,
        "moving_time_s": 3000.0,
        "elapsed_time_s": 3100.0,
        "gap_profile": {},
        "raw": {"format": "gpx"},
        "created_at": now,
        "updated_at": now,
    }
    values.update(overrides)
    return Activity(**values)


def test_migrations_create_the_schema_and_rerun_cleanly(database_url: str) -> None:
    engine = create_db_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # idempotent
    assert current_revision(engine) == "0016"
    tables = set(inspect(engine).get_table_names())
    assert {
        "athletes",
        "activities",
        "imported_files",
        "alerts",
        "injuries",
        "outbox",
        "source_health",
        "intervals_accounts",
        "alembic_version",
    } <= tables


def test_models_and_migrations_agree(database_url: str) -> None:
    """The store's tables and every kind's own (registered with the kinds) against the
    migrations."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from strainwatch.pipeline.sources import KINDS

    assert all(table.metadata is Base.metadata for kind in KINDS for table in kind.tables())

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


def test_a_mail_queued_before_0006_is_delivered_as_it_was_rendered(database_url: str, tmp_path: Path) -> None:
    """Rows that held RFC 5322 bytes are parsed into the notification columns: still
    deliverable, with the same Message-ID, recipient and bodies."""
    import mailbox
    from email.message import EmailMessage
    from email.policy import SMTP

    from alembic import command

    from strainwatch.notify.channels.email import MboxChannel
    from strainwatch.notify.outbox import deliver_due
    from strainwatch.store.db import _alembic_config

    engine = create_db_engine(database_url)
    command.upgrade(_alembic_config(engine), "0005")
    now = clock.now()
    old = EmailMessage(policy=SMTP)
    old["From"], old["To"], old["Subject"] = (
        "sw@example.org",
        "Sam Runner <sam@example.org>",
        "[strainwatch] x",
    )
    old["Message-ID"] = "<0123.strainwatch@example.org>"
    old.set_content("Hello Sam,\n\nthe text\n")
    old.add_alternative("<p>Hello Sam,</p><p>the &lt;html&gt;</p>", subtype="html")
    when = UTCDateTime()
    athletes = table("athletes", column("id"), column("name"), column("created_at", when))
    outbox = table(
        "outbox",
        *(column(name) for name in ("athlete_id", "kind", "status", "message_id", "recipient")),
        column("subject"),
        column("message"),
        column("attempts"),
        column("next_attempt_at", when),
        column("created_at", when),
    )
    with engine.begin() as connection:
        connection.execute(insert(athletes).values(id="sam", name="Sam", created_at=now))
        connection.execute(
            insert(outbox).values(
                athlete_id="sam",
                kind="notice",
                status="pending",
                message_id=old["Message-ID"],
                recipient=old["To"],
                subject=old["Subject"],
                message=old.as_string(),
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    sessions = open_database(database_url)  # migrates to the head
    box = tmp_path / "mail.mbox"
    report = deliver_due(sessions, MboxChannel(box, "sw@example.org"), now)
    assert len(report.sent) == 1, report.summary()
    [sent] = mailbox.mbox(box)
    assert (
        sent["Message-ID"] == "<0123.strainwatch@example.org>"
        and sent["To"] == "Sam Runner <sam@example.org>"
    )
    plain, html = (part.get_payload(decode=True).decode() for part in sent.walk() if not part.is_multipart())
    assert plain.replace("\r\n", "\n") == "Hello Sam,\n\nthe text\n" and "the &lt;html&gt;" in html
