"""`strainwatch run`: the daemon. APScheduler 3 runs the same pass as `strainwatch sync` at
start-up and every `[daemon] interval`, retries mail in between, and sends each athlete's
digest at their own `digest_time`.

SIGTERM/SIGINT, at any moment from the first line on, stop the pass between two files or
two requests and exit 0 well within 10 s; a pass blocked in a system call (a FIFO's open(),
a silent server) cannot be stopped cleanly, so after `STOP_GRACE_S` the process exits with 1
(each file and page commits on its own: nothing is half written). SIGHUP reloads the config;
a job that fails is logged once (and its recovery once) and simply runs again next time:
the daemon never dies of a job's error. The watchdog is fed only while the daemon makes
progress (see heartbeat.py).
"""

from __future__ import annotations

import functools
import logging
import os
import random
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING

from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from strainwatch import clock
from strainwatch.config.settings import Settings
from strainwatch.errors import StrainwatchError
from strainwatch.kinds import load_settings
from strainwatch.runtime.heartbeat import Heartbeat
from strainwatch.runtime.sd_notify import notify, watchdog_s
from strainwatch.runtime.watch import FolderWatcher
from strainwatch.store.db import open_database
from strainwatch.store.locking import PassBusy, pass_lock

if TYPE_CHECKING:
    from strainwatch.pipeline.run_pass import PassReport
    from strainwatch.web.serve import ServerThread

log = logging.getLogger(__name__)

DELIVERY_INTERVAL_S = 60
STOP_GRACE_S = 8.0  # systemd's TimeoutStopSec is 20 s in the shipped unit
WATCH_WAIT_S = 600.0  # a watched folder's pass waits this long for a running pass


class _StopDuringStartUp(BaseException):
    """SIGTERM before the scheduler runs: unwinds start-up (open transactions roll back)."""


class Stopper:
    """Signal handling from the first moment of `run`: a stop during start-up unwinds it, a
    stop later ends the scheduler; either way a process still busy after `STOP_GRACE_S`
    (blocked in a system call) exits 1 without waiting further."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.finished = threading.Event()
        self.daemon: Daemon | None = None

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self.on_stop)
        signal.signal(signal.SIGINT, self.on_stop)
        signal.signal(signal.SIGHUP, self.on_hup)

    def on_stop(self, signum: int, _frame: FrameType | None) -> None:
        if self.stop.is_set():
            return  # a second signal: the first one's stop is under way
        self.stop.set()
        log.info("stopping on %s", signal.Signals(signum).name)
        notify("STOPPING=1")
        threading.Thread(target=self._hard_stop, daemon=True).start()
        if self.daemon is None:
            raise _StopDuringStartUp
        threading.Thread(target=self._shutdown, args=(self.daemon.scheduler,), daemon=True).start()

    def on_hup(self, _signum: int, _frame: FrameType | None) -> None:
        if self.daemon is not None:
            threading.Thread(target=self.daemon.reload, daemon=True).start()

    def _shutdown(self, scheduler: BlockingScheduler) -> None:
        while not self.finished.is_set():
            try:
                scheduler.shutdown(wait=True)
                return
            except SchedulerNotRunningError:  # between start-up and the scheduler's loop
                self.finished.wait(0.05)

    def _hard_stop(self) -> None:
        if self.finished.wait(STOP_GRACE_S):
            return
        log.error("a job did not stop within %.0f s (blocked in a system call?): exiting now", STOP_GRACE_S)
        for handler in logging.getLogger().handlers:
            handler.flush()
        os._exit(1)


class Daemon:
    def __init__(self, config_path: str | None, stopper: Stopper) -> None:
        self.config_path = config_path
        self.clock = clock.running()
        self.settings: Settings = load_settings(config_path)
        self.sessions = open_database(self.settings.database_url)
        self.stop = stopper.stop
        self.stopper = stopper
        watchdog = watchdog_s()
        self.heartbeat = Heartbeat(watchdog or 0.0)
        self.watchdog_interval_s = watchdog / 2 if watchdog else None
        self.scheduler = BlockingScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": 300,
            },
        )
        self.failing: dict[str, str] = {}  # job -> the error last logged, so an outage is logged once
        self.watcher: FolderWatcher | None = None
        self.web: ServerThread | None = None

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

    def _progress(self) -> bool:
        """The pass's own loop calls this between athletes, files, pages and activities: it
        feeds the watchdog's heartbeat and says whether to stop."""
        self.heartbeat.beat()
        return self.stop.is_set()

    def sync_pass(self) -> str:
        with self.heartbeat.working(), pass_lock(self.settings.database_url):
            report = self._run_pass(None)
        self._warm_web(None)
        return report.summary()

    def watch_pass(self, athlete_ids: list[str]) -> str:
        """A pass for the athletes whose folder changed; waits for a running pass to end."""
        # the lock first: waiting for another pass is no stalled progress for the watchdog
        with pass_lock(self.settings.database_url, wait_s=WATCH_WAIT_S), self.heartbeat.working():
            report = self._run_pass(athlete_ids)
        self._warm_web(athlete_ids)
        return report.summary()

    def _run_pass(self, athlete_ids: list[str] | None) -> PassReport:
        """One pass (these athletes', or everyone's), feeding the watchdog as it goes."""
        from strainwatch.pipeline.run_pass import run_pass

        return run_pass(
            self.settings,
            self.sessions,
            now=self.clock(),
            should_stop=self._progress,
            on_item=lambda _read: self.heartbeat.beat(),
            on_progress=self.heartbeat.beat,
            athlete_ids=athlete_ids,
        )

    def _warm_web(self, athlete_ids: list[str] | None) -> None:
        """The web page's overview of the athletes a pass may have changed, modelled now rather
        than when the runner opens it (right after a new run, the usual moment)."""
        if self.web is None:
            return
        try:
            with self.heartbeat.working():
                self.web.warm(athlete_ids)
        except Exception as error:  # the page models it on the first look instead
            log.warning("web page: overview not prepared after the pass: %s", error)

    def watch(self) -> None:
        """(Re)start the watched folders with the current settings."""
        if self.watcher is not None:
            self.watcher.stop.set()
            self.watcher = None
        if self.settings.watch.enabled and not self.stop.is_set():
            self.watcher = FolderWatcher(
                self.settings, lambda ids: self._guarded("watched pass", lambda: self.watch_pass(ids))()
            )
            self.watcher.start()

    def deliver(self) -> str | None:
        from strainwatch.notify.transport import deliver_all

        with self.heartbeat.working():
            report = deliver_all(self.settings, self.sessions, self.clock(), self.heartbeat.beat)
        return report.summary() if report.sent or report.parked else None

    def digest(self, athlete_id: str) -> str | None:
        from strainwatch.notify.dispatch import queue_notifications
        from strainwatch.store.db import unit_of_work

        athlete = self.settings.athlete(athlete_id)
        with self.heartbeat.working(), self.sessions() as session, unit_of_work(session):
            queued = queue_notifications(session, self.settings, athlete, self.clock())
        return f"digest for {athlete_id}: {len(queued.subjects)} queued" if queued.subjects else None

    # -- scheduling

    def schedule(self) -> None:
        self.scheduler.remove_all_jobs()
        interval = self.settings.daemon.interval
        every = IntervalTrigger(seconds=interval, jitter=max(1, interval // 10))
        first = datetime.now(UTC) + timedelta(seconds=random.uniform(0, 1))  # noqa: S311
        self.scheduler.add_job(
            self._guarded("sync", self.sync_pass),
            every,
            id="sync",
            name="sync pass",
            next_run_time=first,
            misfire_grace_time=interval,
        )
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

    def reload(self) -> None:
        try:
            self.settings = load_settings(self.config_path)
        except StrainwatchError as error:
            log.error("config not reloaded, keeping the old one: %s", error)
            return
        self.sessions = open_database(self.settings.database_url)
        self.schedule()
        self.watch()
        log.info("config reloaded from %s", self.settings.source_file)
        notify("READY=1", f"STATUS=config reloaded from {self.settings.source_file}")

    def start_web(self) -> None:
        """The web page in a thread of the daemon ([web] enabled). A page that cannot start (a
        port in use, the `web` extra missing) is logged; the passes and the mail go on."""
        if not self.settings.web.enabled:
            return
        try:
            from strainwatch.sources.samples import recorded_track
            from strainwatch.web.serve import ServerThread

            self.web = ServerThread(self.settings, self.sessions, self.clock, samples=recorded_track).start()
        except ImportError:
            log.warning("web page not served: install the `web` extra (pip install 'strainwatch[web]')")
            return
        except StrainwatchError as error:
            log.error("web page not served: %s", error)
            return
        log.info("web page on %s", self.web.url)

    def run(self) -> int:
        self.schedule()
        self.watch()
        if self.watchdog_interval_s:
            threading.Thread(
                target=self.heartbeat.feed,
                args=(self.stop, self.watchdog_interval_s),
                name="watchdog",
                daemon=True,
            ).start()
        if self.stop.is_set():
            return 0
        self.start_web()
        if self.stop.is_set():
            return 0
        notify("READY=1", f"STATUS=running, sync every {self.settings.daemon.interval} s")
        log.info("strainwatch daemon started: sync every %d s", self.settings.daemon.interval)
        try:
            self.scheduler.start()
        finally:
            if self.watcher is not None:
                self.watcher.stop.set()
            if self.web is not None:
                self.web.stop()
        log.info("strainwatch daemon stopped")
        return 0


def run_daemon(config_path: str | None) -> int:
    """Signal handlers first, then start-up: SIGTERM at any moment ends the daemon."""
    stopper = Stopper()
    try:
        stopper.install()  # from here on a SIGTERM unwinds start-up, or ends the scheduler
        log.info("strainwatch daemon starting (pid %d)", os.getpid())
        daemon = Daemon(config_path, stopper)
        stopper.daemon = daemon
        return daemon.run()
    except _StopDuringStartUp:
        log.info("stopped during start-up")
        return 0
    finally:
        stopper.finished.set()
        sys.stdout.flush()
