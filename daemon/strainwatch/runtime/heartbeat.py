"""The daemon's watchdog: systemd hears `WATCHDOG=1` only while the daemon makes progress.

The pass reports progress from its own loop (between files, pages, requests and athletes);
a feeder thread sends the keep-alive at half of `WatchdogSec` while no pass runs, or while
the running pass reported progress within the deadline (`WatchdogSec`). A pass stuck for
longer than that goes unfed, and systemd restarts the service.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from strainwatch.runtime.sd_notify import notify

log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, deadline_s: float) -> None:
        self.deadline_s = deadline_s
        self._last = time.monotonic()
        self._busy = 0
        self._lock = threading.Lock()
        self._starved = False

    def beat(self) -> None:
        """Progress: called from the pass's own loop."""
        self._last = time.monotonic()

    @contextmanager
    def working(self) -> Iterator[None]:
        """A job that must report progress at least every `deadline_s` while it runs."""
        with self._lock:
            self._busy += 1
        self.beat()
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1
            self.beat()

    def alive(self) -> bool:
        return self._busy == 0 or time.monotonic() - self._last < self.deadline_s

    def feed(self, stop: threading.Event, interval_s: float) -> None:
        """The feeder thread's loop: a keep-alive every `interval_s` while alive, until `stop`."""
        while not stop.is_set():
            if self.alive():
                if self._starved:
                    log.warning("the pass makes progress again: watchdog fed")
                    self._starved = False
                notify("WATCHDOG=1")
            elif not self._starved:
                self._starved = True
                log.error(
                    "no progress for %.0f s: watchdog no longer fed (systemd restarts a stuck pass)",
                    time.monotonic() - self._last,
                )
            stop.wait(interval_s)
