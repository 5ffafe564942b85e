"""The pass's notion of "now": the real clock, or a fixed instant for replays and tests.

`STRAINWATCH_NOW` (ISO 8601 with an offset, e.g. `2020-07-03T18:00:00Z`) pins the clock of
one-shot commands (`sync`, `import`, `status`, `digest`, …), so a history can be replayed one
day at a time through the real commands, or a test can run at an instant it chooses. The
daemon always follows the real clock.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from strainwatch.errors import ConfigError

ENV_VAR = "STRAINWATCH_NOW"


def now(env: Mapping[str, str] | None = None) -> datetime:
    """The current instant in UTC, or the one `$STRAINWATCH_NOW` pins."""
    pinned = (os.environ if env is None else env).get(ENV_VAR)
    if not pinned:
        return datetime.now(UTC)
    try:
        instant = datetime.fromisoformat(pinned.strip())
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise ConfigError(
            f"${ENV_VAR} is {pinned!r}, not an instant with a UTC offset",
            hint="use ISO 8601 with an offset, e.g. 2020-07-03T18:00:00Z or 2020-07-03T20:00:00+02:00",
        )
    return instant.astimezone(UTC)


def running(env: Mapping[str, str] | None = None) -> Callable[[], datetime]:
    """A clock for a long-running process: the real one, or one that starts at
    `$STRAINWATCH_NOW` and advances with the real (monotonic) time."""
    if not (os.environ if env is None else env).get(ENV_VAR):
        return lambda: datetime.now(UTC)
    start, t0 = now(env), time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - t0)
