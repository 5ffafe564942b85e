"""Progress of a long import or sync on a terminal: files/s and the time left."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click


def progress_status(done: int, total: int, read: int, elapsed_s: float) -> str:
    """'12.5 files/s, 0:01:20 left': the rate counts files actually read (files skipped as
    unchanged cost nothing), the time left assumes the rest go at that rate."""
    if read <= 0 or elapsed_s <= 0:
        return ""
    rate = read / elapsed_s
    left = round(max(0, total - done) / rate)
    return f"{rate:,.1f} files/s, {left // 3600}:{left // 60 % 60:02d}:{left % 60:02d} left"


class Progress:
    """A progress bar with files/s and the time left on a terminal; silence elsewhere
    (journald, pipes, cron)."""

    def __init__(self, label: str, enabled: bool, clock: Callable[[], float] | None = None) -> None:
        from time import monotonic

        self.label = label
        self.enabled = enabled
        self.clock = clock or monotonic
        self.bar: Any = None
        self.total = self.done = self.read = 0
        self.started = 0.0

    def planned(self, total: int) -> None:
        self.close()  # one bar per athlete
        self.total, self.done, self.read, self.started = total, 0, 0, self.clock()
        if self.enabled and total > 1:
            self.bar = click.progressbar(
                length=total,
                label=self.label,
                file=sys.stderr,
                show_eta=False,
                item_show_func=lambda status: status,
            )
            self.bar.__enter__()

    def advance(self, read: bool) -> None:
        """One item done; `read`: it was read (an unchanged file skipped costs nothing)."""
        self.done += 1
        if read:
            self.read += 1
        if self.bar is not None:
            self.bar.update(1, self.status())

    def status(self) -> str:
        return progress_status(self.done, self.total, self.read, self.clock() - self.started)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
