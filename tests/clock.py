"""The suite's clock: every test that reasons about time starts from `--clock` (default: the
real now when the session starts) and lets it run at the real pace from there.

`now()` is that running instant; `env()` hands it to the processes a test starts, through
`STRAINWATCH_NOW` (one-shot commands pin it; the daemon starts its own clock there).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class _Origin:
    start = datetime.now(UTC)  # clock-ok: the origin --clock defaults to
    t0 = time.monotonic()


def start_at(text: str | None) -> None:
    """Called once by conftest with the --clock option."""
    if text:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if instant.tzinfo is None:
            raise ValueError(f"--clock={text}: give an offset, e.g. 2027-03-28T00:59:50Z")
        _Origin.start = instant.astimezone(UTC)
    else:
        _Origin.start = datetime.now(UTC)  # clock-ok: the origin --clock defaults to
    _Origin.t0 = time.monotonic()


def now() -> datetime:
    return _Origin.start + timedelta(seconds=time.monotonic() - _Origin.t0)


def env() -> dict[str, str]:
    return {"STRAINWATCH_NOW": now().isoformat()}
