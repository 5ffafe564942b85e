"""`strainwatch worker`: one of several processes, on one or many machines, sharing the passes,
the mail and the digests of a PostgreSQL installation through procrastinate's job tables.

SQLite installs keep the daemon (daemon.py); both run the same pass. procrastinate is
imported only here (the `workers` extra). Its schema is applied by `strainwatch worker init`,
or by the first worker that finds it missing. SIGTERM/SIGINT stop the worker: no new job is
taken, a running pass stops between two files or requests, and the process exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from strainwatch import clock
from strainwatch.config.settings import Settings
from strainwatch.errors import ConfigError
from strainwatch.kinds import load_settings
from strainwatch.runtime.sd_notify import notify
from strainwatch.runtime.worker_jobs import (
    PASS_PRIORITY,
    PASS_TASK,
    WorkerContext,
    register,
)

if TYPE_CHECKING:
    from procrastinate import App

log = logging.getLogger(__name__)

HINT = "set database_url to a postgresql:// URL, or run the daemon: strainwatch run"


def require_postgres(settings: Settings) -> str:
    """The libpq connection string of the database; a one-line refusal for SQLite."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "postgresql":
        raise ConfigError(
            f"strainwatch worker needs PostgreSQL; this install uses {url.get_backend_name()}", hint=HINT
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def new_app(conninfo: str, pool_size: int = 2) -> App:
    try:
        from procrastinate import App, PsycopgConnector
    except ImportError:
        raise ConfigError(
            "strainwatch worker needs the workers extra", hint="pip install 'strainwatch[workers]'"
        ) from None
    connector = PsycopgConnector(conninfo=conninfo, min_size=1, max_size=pool_size)
    return App(connector=connector)


async def ensure_schema(app: App) -> bool:
    """Apply procrastinate's schema when the database has none; True when it was applied."""
    rows = await app.connector.execute_query_all_async(
        "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"
    )
    if rows and rows[0]["present"]:
        return False
    await app.schema_manager.apply_schema_async()
    return True


def init_schema(settings: Settings) -> bool:
    """`strainwatch worker init`: our migrations and procrastinate's schema."""
    from strainwatch.store.db import open_database

    conninfo = require_postgres(settings)
    open_database(settings.database_url)  # alembic migrations, as every command does

    async def run() -> bool:
        app = new_app(conninfo)
        async with app.open_async():
            return await ensure_schema(app)

    return asyncio.run(run())


def enqueue_passes(settings: Settings, athlete_ids: Iterable[str]) -> tuple[int, int]:
    """Queue a pass now for each athlete (`strainwatch worker enqueue`): (queued, already waiting)."""
    conninfo = require_postgres(settings)

    async def run() -> tuple[int, int]:
        from procrastinate.exceptions import AlreadyEnqueued

        app = new_app(conninfo)
        queued = waiting = 0
        async with app.open_async():
            await ensure_schema(app)
            for athlete_id in athlete_ids:
                task = app.configure_task(
                    name=PASS_TASK, queue="passes", priority=PASS_PRIORITY, queueing_lock=f"pass:{athlete_id}"
                )
                try:
                    await task.defer_async(athlete_id=athlete_id)
                    queued += 1
                except AlreadyEnqueued:
                    waiting += 1
        return queued, waiting

    return asyncio.run(run())


def run_worker(config_path: str | None) -> int:
    """Run until SIGTERM/SIGINT; exit 0 after a clean stop."""
    from strainwatch.store.db import create_db_engine, open_database

    settings = load_settings(config_path)
    conninfo = require_postgres(settings)
    workers = settings.workers
    stopping = threading.Event()
    sessions = open_database(settings.database_url)
    ctx = WorkerContext(
        settings=settings,
        sessions=sessions,
        lock_engine=create_db_engine(settings.database_url),
        clock=clock.running(),
        stopping=stopping,
    )
    name = f"{socket.gethostname()}:{os.getpid()}"

    async def main() -> None:
        # the pool serves the job fetching, LISTEN, the heartbeat and the tick's queries
        app = new_app(conninfo, pool_size=workers.concurrency + 4)
        register(app, ctx)
        async with app.open_async():
            if await ensure_schema(app):
                log.info("procrastinate's schema applied")
            run = asyncio.ensure_future(
                app.run_worker_async(
                    name=name,
                    concurrency=workers.concurrency,
                    install_signal_handlers=False,
                    update_heartbeat_interval=workers.heartbeat,
                    stalled_worker_timeout=workers.stalled_after,
                    delete_jobs="successful",
                )
            )
            loop = asyncio.get_running_loop()

            def stop(signum: int) -> None:
                if stopping.is_set():
                    return
                log.info("stopping on %s", signal.Signals(signum).name)
                notify("STOPPING=1")
                stopping.set()
                run.cancel()

            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop, signum)
            log.info(
                "strainwatch worker %s ready: %d job(s) at once, tick every %d s",
                name,
                workers.concurrency,
                workers.tick,
            )
            notify("READY=1", f"STATUS=worker {name}, {workers.concurrency} job(s) at once")
            try:
                await run
            except asyncio.CancelledError:
                if not stopping.is_set():
                    raise

    try:
        asyncio.run(main())
    finally:
        ctx.lock_engine.dispose()
    log.info("strainwatch worker %s stopped", name)
    return 0
