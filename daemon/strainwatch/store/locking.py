"""One pass at a time: a manual `sync` and the daemon never run a pass at once; with workers,
one pass per athlete at a time while different athletes' passes run in parallel.

SQLite: an exclusive flock on a file beside the database (released by the kernel when a
process dies, so a crash never leaves a stale lock). PostgreSQL: a session advisory lock on
its own autocommit connection, likewise released when the connection drops; autocommit, so
the session is never "idle in transaction" and `idle_in_transaction_session_timeout` cannot
end it (and drop the lock) during a long pass.

Per athlete (PostgreSQL, for `strainwatch worker`): the athlete's own advisory lock, plus the
whole-installation key in SHARED mode, so a manual `sync` (exclusive on that key) still never
overlaps any worker's pass. SQLite has no workers: a per-athlete lock there is the one flock.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from strainwatch.errors import StrainwatchError
from strainwatch.store.db import create_db_engine

LOCK_KEY = zlib.crc32(b"strainwatch pass")


def athlete_key(athlete_id: str) -> int:
    """A signed 64-bit advisory-lock key per athlete (a collision would only serialise two
    athletes' passes: at 100,000 athletes its odds are below one in a billion)."""
    digest = hashlib.blake2b(f"strainwatch pass {athlete_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PassBusy(StrainwatchError):
    """Another process is running a pass."""


@contextmanager
def pass_lock(
    database_url: str,
    wait_s: float = 0.0,
    on_wait: Callable[[], None] | None = None,
    *,
    athlete_id: str | None = None,
    engine: Engine | None = None,
) -> Iterator[None]:
    """Hold the pass lock for the block; PassBusy when it is still taken after `wait_s`.
    `on_wait` is called once when the lock is taken and waiting begins. With `athlete_id`
    (PostgreSQL), only that athlete's passes are excluded; `engine` reuses a worker's pool."""
    url = make_url(database_url)
    deadline = time.monotonic() + wait_s
    waiting = False

    def wait() -> None:
        nonlocal waiting
        if time.monotonic() >= deadline:
            what = "another strainwatch pass is running (the daemon?)"
            if athlete_id is not None:
                what = f"a pass of {athlete_id} or a whole-installation pass is running"
            raise PassBusy(what)
        if not waiting and on_wait is not None:
            on_wait()
        waiting = True
        time.sleep(0.2)

    if url.get_backend_name() == "sqlite":
        path = Path(f"{url.database}.lock")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    wait()
            yield
        finally:
            os.close(fd)
        return
    own = engine is None
    engine = engine or create_db_engine(database_url)
    if athlete_id is None:
        take = "SELECT pg_try_advisory_lock(:k)"
        release = "SELECT pg_advisory_unlock(:k)"
        key = LOCK_KEY
    else:  # both or neither: the shared key is taken back when the athlete's is busy
        take = (
            "SELECT CASE WHEN pg_try_advisory_lock_shared(:g) THEN CASE WHEN pg_try_advisory_lock(:k) "
            "THEN true ELSE NOT pg_advisory_unlock_shared(:g) END ELSE false END"
        )
        release = "SELECT pg_advisory_unlock(:k), pg_advisory_unlock_shared(:g)"
        key = athlete_key(athlete_id)
    keys = {"k": key, "g": LOCK_KEY}
    try:
        with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
            while not connection.execute(text(take), keys).scalar():
                wait()
            try:
                yield
            finally:
                connection.execute(text(release), keys)
    finally:
        if own:
            engine.dispose()
