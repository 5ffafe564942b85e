"""The pinned clock of one-shot commands ($STRAINWATCH_NOW)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from strainwatch import clock
from strainwatch.errors import ConfigError


def test_a_pinned_instant_is_returned_in_utc() -> None:
    pinned = clock.now({"STRAINWATCH_NOW": "2020-07-03T20:00:00+02:00"})
    assert pinned == datetime(2020, 7, 3, 18, 0, tzinfo=UTC)
    assert pinned.tzinfo is UTC


def test_without_the_variable_the_real_clock_runs() -> None:
    before = datetime.now(UTC)  # clock-ok: the real clock is what is tested
    assert before <= clock.now({}) <= datetime.now(UTC)  # clock-ok


@pytest.mark.parametrize("value", ["yesterday", "2020-07-03T18:00:00"])
def test_an_instant_without_an_offset_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigError, match=r"\$STRAINWATCH_NOW"):
        clock.now({"STRAINWATCH_NOW": value})


def test_the_daemon_clock_starts_at_the_pinned_instant_and_runs_on() -> None:
    running = clock.running({"STRAINWATCH_NOW": "2027-03-28T00:59:50Z"})
    first, second = running(), running()
    start = datetime(2027, 3, 28, 0, 59, 50, tzinfo=UTC)
    assert start <= first <= second < start + timedelta(minutes=1)


def test_without_the_variable_the_daemon_clock_is_the_real_one() -> None:
    before = datetime.now(UTC)  # clock-ok: the real clock is what is tested
    assert before <= clock.running({})() <= datetime.now(UTC)  # clock-ok
