"""The suite's clock: every test that reasons about time starts from one instant and lets it
run at the real pace from there.

The instant is `--clock=ISO` when given, the real now with `--clock=now`, and otherwise a random
instant between 2000 and 2040 (any time of day) drawn from the run's seed, so each run tries
another day and a failing one is reproduced by the option the header prints. `now()` is the
running instant; `env()` hands it to the processes a test starts through `STRAINWATCH_NOW`
(one-shot commands pin it; the daemon starts its own clock there).

`--clock-sweep` runs every test marked `clock` at each of `sweep_instants()`: daylight-saving
changes in several zones, midnights, quarter hours, month and year ends, 29 February, and the
start of a week on each weekday.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2041, 1, 1, tzinfo=UTC)


class _Origin:
    start = datetime.now(UTC)  # clock-ok: replaced by start_at() before any test runs
    t0 = time.monotonic()


def parse(text: str) -> datetime:
    """`--clock`'s value: an ISO 8601 instant with an offset, or `now` for the real clock."""
    if text == "now":
        return datetime.now(UTC)  # clock-ok: --clock=now asks for the real clock
    instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if instant.tzinfo is None:
        raise ValueError(f"--clock={text}: give an offset, e.g. 2027-03-28T00:59:50Z")
    return instant.astimezone(UTC)


def instant_from_seed(seed: int) -> datetime:
    """A whole second between 2000 and 2040, the same for the same seed."""
    span = int((LATEST - EARLIEST).total_seconds())
    return EARLIEST + timedelta(seconds=random.Random(f"clock-{seed}").randrange(span))


def option(instant: datetime) -> str:
    return f"--clock={instant:%Y-%m-%dT%H:%M:%S}Z"


def start_at(instant: datetime) -> None:
    _Origin.start = instant.astimezone(UTC)
    _Origin.t0 = time.monotonic()


def start() -> datetime:
    return _Origin.start


def today() -> date:
    """The date (UTC) of the instant the test started from: pure tests take their day here."""
    return start().date()


def this_monday() -> date:
    """The Monday of `today()`'s week: for tests whose histories start on a week's first day."""
    day = today()
    return day - timedelta(days=day.weekday())


def now() -> datetime:
    return _Origin.start + timedelta(seconds=time.monotonic() - _Origin.t0)


def env(at: datetime | None = None) -> dict[str, str]:
    return {"STRAINWATCH_NOW": (at or now()).isoformat()}


CALENDAR_CYCLE_YEARS = 28  # from 1901 to 2099 the Gregorian calendar repeats every 28 years


def after(moment: datetime) -> datetime:
    """The running instant, moved on by whole 28-year cycles until it is after `moment`: the
    same weekday, date and time of day. For tests over a history recorded on fixed dates (the
    example year), whose runs must lie in the past of the day they are checked on."""
    instant = now()
    while instant <= moment:
        instant = instant.replace(year=instant.year + CALENDAR_CYCLE_YEARS)
    return instant


def _local(zone: str, *fields: int) -> datetime:
    return datetime(*fields, tzinfo=ZoneInfo(zone)).astimezone(UTC)  # type: ignore[misc]


def sweep_instants() -> list[datetime]:
    """The instants a date bug shows at: each one a few seconds to a minute before or on an edge."""
    zones_dst = [
        # (zone, a local instant just before the clocks change)
        ("Europe/Berlin", (2027, 3, 28, 1, 59, 50)),
        ("Europe/Berlin", (2026, 10, 25, 2, 59, 50)),
        ("America/New_York", (2025, 3, 9, 1, 59, 30)),
        ("America/New_York", (2024, 11, 3, 1, 59, 30)),
        ("Australia/Sydney", (2031, 10, 5, 1, 59, 0)),
        ("Australia/Sydney", (2030, 4, 7, 2, 59, 0)),
        ("America/Santiago", (2028, 9, 2, 23, 59, 30)),
        ("Europe/London", (2019, 3, 31, 0, 59, 59)),
        ("America/Sao_Paulo", (2018, 11, 3, 23, 59, 30)),  # Brazil's last spring-forward, at midnight
        ("Pacific/Auckland", (2036, 9, 28, 1, 59, 0)),
    ]
    instants = [_local(zone, *fields) for zone, fields in zones_dst]
    # Midnights in zones far from UTC (the local day differs from the UTC day).
    instants += [
        _local("Pacific/Kiritimati", 2029, 6, 30, 23, 59, 45),
        _local("Pacific/Pago_Pago", 2033, 1, 14, 23, 59, 45),
        _local("Asia/Kolkata", 2021, 8, 15, 0, 0, 0),
        _local("Pacific/Chatham", 2035, 5, 5, 23, 45, 0),
        _local("America/Recife", 2022, 2, 27, 23, 59, 30),
    ]
    # Month and year ends, 29 February, the turn of the century's calendars.
    instants += [
        datetime(2000, 2, 29, 12, 0, tzinfo=UTC),
        datetime(2004, 2, 29, 23, 59, 30, tzinfo=UTC),
        datetime(2024, 2, 29, 0, 0, 0, tzinfo=UTC),
        datetime(2028, 2, 28, 23, 59, 50, tzinfo=UTC),
        datetime(2040, 2, 29, 18, 30, tzinfo=UTC),
        datetime(2001, 1, 1, 0, 0, 0, tzinfo=UTC),
        datetime(2009, 12, 31, 23, 59, 50, tzinfo=UTC),
        datetime(2015, 12, 31, 23, 0, 0, tzinfo=UTC),
        datetime(2020, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 12, 31, 12, 0, 0, tzinfo=UTC),
        datetime(2037, 12, 31, 23, 59, 30, tzinfo=UTC),
        datetime(2010, 1, 31, 23, 59, 40, tzinfo=UTC),
        datetime(2013, 4, 30, 23, 59, 40, tzinfo=UTC),
        datetime(2017, 6, 30, 23, 59, 59, tzinfo=UTC),
        datetime(2023, 9, 30, 0, 0, 0, tzinfo=UTC),
        datetime(2030, 11, 30, 23, 30, 0, tzinfo=UTC),
        datetime(2039, 3, 1, 0, 0, 1, tzinfo=UTC),
    ]
    # Quarter hours and plain midnights.
    instants += [
        datetime(2011, 7, 14, 7, 14, 59, tzinfo=UTC),
        datetime(2012, 5, 9, 13, 15, 0, tzinfo=UTC),
        datetime(2014, 10, 22, 19, 44, 59, tzinfo=UTC),
        datetime(2016, 8, 3, 20, 0, 0, tzinfo=UTC),
        datetime(2022, 6, 21, 5, 29, 59, tzinfo=UTC),
        datetime(2027, 9, 9, 0, 0, 0, tzinfo=UTC),
        datetime(2034, 4, 18, 23, 59, 59, tzinfo=UTC),
        datetime(2005, 5, 5, 3, 45, 0, tzinfo=UTC),
    ]
    # The start of a week on each weekday: midnight at the turn from each day to the next.
    monday = datetime(2032, 3, 8, tzinfo=UTC)  # a Monday
    instants += [monday + timedelta(days=day, seconds=-20) for day in range(7)]
    instants += [
        datetime(2006, 1, 2, 0, 0, tzinfo=UTC) + timedelta(days=day, hours=23, minutes=59, seconds=50)
        for day in range(7)
    ]
    return sorted(set(instants))
