"""What one file may cost: bytes after decompression, seconds, points, text without markup.

Every byte a reader sees passes through `GuardedReader`, so one check covers GPX, TCX, FIT,
gzip, zip members and activities.csv alike: a decompression bomb, a gigabyte of blanks or a
file that would take an hour is refused with a reason, in bounded memory and time, instead of
taking the pass down with it. The limits are far above anything a watch records (a week of
1 Hz samples is 600,000 points, a few hundred MB of GPX at most).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass

from strainwatch.errors import ActivityFileError

MiB = 1 << 20
MAX_EXPANDED_BYTES = 1024 * MiB  # after decompression, whatever the ratio
MAX_EXPANSION_RATIO = 200  # a gzipped GPX shrinks 10-30 times; blanks and bombs 1000 times
MIN_RATIO_ALLOWANCE = 16 * MiB  # the ratio is not applied below this much output
MAX_TEXT_RUN = 16 * MiB  # bytes without a single '<': no element's text is ever this long
MAX_POINTS = 1_000_000  # samples per file: 11 days at 1 Hz


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """`deadline` is a `time.monotonic()` value; None: no time limit."""

    max_bytes: int = MAX_EXPANDED_BYTES
    deadline: float | None = None
    time_limit_s: float | None = None

    @classmethod
    def for_seconds(cls, seconds: float | None) -> ReadLimits:
        if seconds is None:
            return cls()
        return cls(deadline=time.monotonic() + seconds, time_limit_s=seconds)

    def expanded(self, compressed_size: int) -> ReadLimits:
        """The limit for data decompressed from `compressed_size` bytes."""
        allowed = max(MIN_RATIO_ALLOWANCE, compressed_size * MAX_EXPANSION_RATIO)
        return ReadLimits(min(self.max_bytes, allowed), self.deadline, self.time_limit_s)

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TimeLimitExceeded(self.time_limit_s or 0.0)


class TimeLimitExceeded(ActivityFileError):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"abandoned: reading took longer than {seconds:g} s "
            "(the per-file limit, [athletes.files] time_limit)"
        )


def _size(n: int) -> str:
    return f"{n / MiB:,.0f} MB" if n >= MiB else f"{n:,} bytes"


class GuardedReader(io.RawIOBase):
    """A raw stream that refuses to yield more than `limits.max_bytes`, a run of
    `MAX_TEXT_RUN` bytes without markup (when `markup` is set) or to go past the deadline."""

    def __init__(self, inner: io.RawIOBase | io.BufferedIOBase, limits: ReadLimits, what: str) -> None:
        super().__init__()
        self._inner = inner
        self._limits = limits
        self._what = what
        self.total = 0
        self.markup = False
        self._run = 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        self._limits.check_time()
        data = self._inner.read(len(buffer))
        if not data:
            return 0
        n = len(data)
        self.total += n
        if self.total > self._limits.max_bytes:
            raise ActivityFileError(
                f"refused: {self._what} expands to more than {_size(self._limits.max_bytes)} "
                "(a compression bomb, or far larger than any activity)"
            )
        if self.markup:
            last = data.rfind(b"<")
            self._run = self._run + n if last < 0 else n - last - 1
            if self._run > MAX_TEXT_RUN:
                raise ActivityFileError(
                    f"refused: more than {_size(MAX_TEXT_RUN)} of text without markup "
                    "(blanks or a giant field; no activity file holds that)"
                )
        buffer[:n] = data
        return n


def guarded(stream: io.RawIOBase | io.BufferedIOBase, limits: ReadLimits, what: str) -> io.BufferedReader:
    return io.BufferedReader(GuardedReader(stream, limits, what), buffer_size=1 << 16)


def guard_of(stream: object) -> GuardedReader | None:
    raw = getattr(stream, "raw", None)
    return raw if isinstance(raw, GuardedReader) else None
