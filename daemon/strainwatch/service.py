"""`strainwatch run`: the daemon. APScheduler 3 runs the same pass as `strainwatch sync` at
start-up and every `[daemon] interval`, retries mail in between, and sends each athlete's
digest at their own `digest_time`.

SIGTERM/SIGINT stop the pass between two files or two requests and exit 0 well within
10 s; SIGHUP reloads the config; a job that fails is logged once (and its recovery once)
and simply runs again next time: the daemon never dies of a job's error.
"""

from __future__ import annotations

import functools
import logging
import random
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from strainwatch.config import Settings, load_settings
from strainwatch.errors import StrainwatchError
from strainwatch.locking import PassBusy, pass_lock
from strainwatch.sd_notify import notify, watchdog_interval_s
from strainwatch.store.db import open_database

log = logging.getLogger(__name__)

DELIVERY_INTERVAL_S = 60


class Daemon:
    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self.settings: Settings = load_settings(config_path)
        self.sessions = open_database(self.settings.database_url)
        self.stop = threading.Event()
        self.scheduler = BlockingScheduler(timezone=UTC, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 300,
        })  # fmt: skip
        self.failing: dict[str, str] = {}  # job -> the error last logged, so an outage is logged once

    # -- jobs

    def _guarded(self, name: str, job: Callable[[], str | None]) -> Callable[[], None]:
        def run() -> None:
            if self.stop.is_set():
                return
            try:
                summary = job()
            except PassBusy:
                log.info("%s skipped: another pass holds the lock", name)
                return
            except Exception as error:  # the daemon outlives any job's error
                text = f"{type(error).__name__}: {error}"
                if self.failing.get(name) != text:
                    log.error(
                        "%s failed: %s (retrying on schedule)",
                        name,
                        text,
                        exc_info=not isinstance(error, StrainwatchError),
                    )
                self.failing[name] = text
                return
            if name in self.failing:
                log.warning("%s works again", name)
                del self.failing[name]
            if summary:
                notify(f"STATUS={summary}")

        return run

    def sync_pass(self) -> str:
        from strainwatch.sync import run_pass

        with pass_lock(self.settings.database_url):
            report = run_pass(
                self.settings, self.sessions, now=datetime.now(UTC), should_stop=self.stop.is_set
            )
        return report.summary()

    def deliver(self) -> str | None:
        from strainwatch.notify.outbox import deliver_due
        from strainwatch.notify.transport import transport_for

        report = deliver_due(self.sessions, transport_for(self.settings), datetime.now(UTC))
        return report.summary() if report.sent or report.parked else None

    def digest(self, athlete_id: str) -> str | None:
        from strainwatch.notify.dispatch import queue_notifications
        from strainwatch.store.db import unit_of_work

        athlete = self.settings.athlete(athlete_id)
        with self.sessions() as session, unit_of_work(session):
            queued = queue_notifications(session, self.settings, athlete, datetime.now(UTC))
        return f"digest for {athlete_id}: {len(queued.subjects)} queued" if queued.subjects else None

    # -- scheduling

    def schedule(self) -> None:
        self.scheduler.remove_all_jobs()
        interval = self.settings.daemon.interval
        every = IntervalTrigger(seconds=interval, jitter=max(1, interval // 10))
        first = datetime.now(UTC) + timedelta(seconds=random.uniform(0, 1))  # noqa: S311
        self.scheduler.add_job(
            self._guarded("sync", self.sync_pass), every, id="sync", name="sync pass",
            next_run_time=first, misfire_grace_time=interval,
        )  # fmt: skip
        delivery = IntervalTrigger(seconds=DELIVERY_INTERVAL_S)
        self.scheduler.add_job(
            self._guarded("delivery", self.deliver), delivery, id="delivery", name="mail delivery"
        )
        hour, minute = (int(x) for x in self.settings.notify.digest_time.split(":"))
        for athlete in self.settings.athletes:
            at = CronTrigger(hour=hour, minute=minute, timezone=athlete.zone)
            job = functools.partial(self.digest, athlete.id)
            self.scheduler.add_job(
                self._guarded(f"digest {athlete.id}", job),
                at,
                id=f"digest:{athlete.id}",
                name=f"digest {athlete.id}",
            )
        keepalive = watchdog_interval_s()
        if keepalive:
            self.scheduler.add_job(
                lambda: notify("WATCHDOG=1"), IntervalTrigger(seconds=keepalive), id="watchdog"
            )

    def reload(self) -> None:
        try:
            self.settings = load_settings(self.config_path)
        except StrainwatchError as error:
            log.error("config not reloaded, keeping the old one: %s", error)
            return
        self.sessions = open_database(self.settings.database_url)
        self.schedule()
        log.info("config reloaded from %s", self.settings.source_file)

    def run(self) -> int:
        def on_stop(signum: int, _frame: FrameType | None) -> None:
            log.info("stopping on %s", signal.Signals(signum).name)
            notify("STOPPING=1")
            self.stop.set()
            threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True}, daemon=True).start()

        def on_hup(_signum: int, _frame: FrameType | None) -> None:
            threading.Thread(target=self.reload, daemon=True).start()

        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGINT, on_stop)
        signal.signal(signal.SIGHUP, on_hup)
        self.schedule()
        notify("READY=1", f"STATUS=running, sync every {self.settings.daemon.interval} s")
        log.info("strainwatch daemon started: sync every %d s", self.settings.daemon.interval)
        self.scheduler.start()
        log.info("strainwatch daemon stopped")
        return 0


def run_daemon(config_path: str | None, **_kwargs: Any) -> int:
    return Daemon(config_path).run()
