"""One pass at a time: a manual `sync` and the daemon never run a pass at once.

SQLite: an exclusive flock on a file beside the database (released by the kernel when a
process dies, so a crash never leaves a stale lock). PostgreSQL: a session advisory lock on
its own autocommit connection, likewise released when the connection drops; autocommit, so
the session is never "idle in transaction" and `idle_in_transaction_session_timeout` cannot
end it (and drop the lock) during a long pass.
"""

from __future__ import annotations

import fcntl
import os
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from strainwatch.errors import StrainwatchError
from strainwatch.store.db import create_db_engine

LOCK_KEY = zlib.crc32(b"strainwatch pass")


class PassBusy(StrainwatchError):
    """Another process is running a pass."""


@contextmanager
def pass_lock(
    database_url: str, wait_s: float = 0.0, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """Hold the pass lock for the block; PassBusy when it is still taken after `wait_s`.
    `on_wait` is called once when the lock is taken and waiting begins."""
    url = make_url(database_url)
    deadline = time.monotonic() + wait_s
    waiting = False

    def wait() -> None:
        nonlocal waiting
        if time.monotonic() >= deadline:
            raise PassBusy("another strainwatch pass is running (the daemon?)")
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
    engine = create_db_engine(database_url)
    try:
        with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
            while not connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar():
                wait()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
    finally:
        engine.dispose()
