"""The pass lock on both databases: a second holder is refused while the first holds it, and
gets it as soon as it is released (also when the holder's process dies: kernel and server
release flock and advisory locks)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from strainwatch.store.db import create_db_engine, upgrade
from strainwatch.store.locking import PassBusy, pass_lock


def test_one_pass_at_a_time(database_url: str) -> None:
    upgrade(create_db_engine(database_url))
    busy = pytest.raises(PassBusy, match="another strainwatch pass is running")
    with pass_lock(database_url), busy, pass_lock(database_url):  # the second holder is refused
        pass
    with pass_lock(database_url, wait_s=1):
        pass


def test_a_killed_holder_leaves_no_stale_lock(database_url: str) -> None:
    upgrade(create_db_engine(database_url))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from strainwatch.store.locking import pass_lock\n"
            f"with pass_lock({database_url!r}):\n    print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(PassBusy), pass_lock(database_url):
            pass
        holder.kill()
        holder.wait(timeout=10)
        with pass_lock(database_url, wait_s=5):
            pass
    finally:
        if holder.poll() is None:
            holder.kill()


@pytest.mark.postgres
def test_a_pass_longer_than_the_idle_in_transaction_timeout_keeps_its_lock(tmp_path: Path) -> None:
    """The lock's session is never idle in a transaction, so the server's timeout (1 s here)
    cannot end it: a second holder is refused for the whole pass of several seconds."""
    from tests.support.databases import postgres_database

    databases = postgres_database()
    url = next(databases)
    try:
        engine = create_db_engine(url)
        upgrade(engine)
        with engine.connect() as connection:
            database = connection.execute(text("SELECT current_database()")).scalar()
            connection.execute(
                text(f'ALTER DATABASE "{database}" SET idle_in_transaction_session_timeout = 1000')
            )
            connection.commit()
        engine.dispose()
        with pass_lock(url):
            for _second in range(4):  # a pass: several seconds of work while the lock is held
                time.sleep(1)
                with pytest.raises(PassBusy), pass_lock(url):
                    pass
        with pass_lock(url):  # released at the end, by the same session
            pass
    finally:
        with contextlib.suppress(StopIteration):
            next(databases)


@pytest.mark.postgres
def test_athletes_passes_run_in_parallel_but_never_twice_at_once(tmp_path: Path) -> None:
    """Workers: one pass per athlete at a time, different athletes at once, and a whole-
    installation pass (a manual `sync`) excludes them all, both ways."""
    from tests.support.databases import postgres_database

    for database_url in postgres_database():
        with pass_lock(database_url, athlete_id="ann"):
            with pass_lock(database_url, athlete_id="bob"):  # another athlete: at once
                pass
            with pytest.raises(PassBusy, match="a pass of ann"), pass_lock(database_url, athlete_id="ann"):
                pass
            with pytest.raises(PassBusy), pass_lock(database_url):  # `sync` waits for the workers
                pass
        with pass_lock(database_url), pytest.raises(PassBusy), pass_lock(database_url, athlete_id="bob"):
            pass
        with pass_lock(database_url, athlete_id="ann"), pass_lock(database_url, athlete_id="bob"):
            pass  # a refused attempt left no shared lock behind: both free again
        with pass_lock(database_url):
            pass
