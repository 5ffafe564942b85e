"""Times in the athlete's zone, in words, relative to a `now` built from the test clock."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest

from strainwatch.web.when import day_words, moment_words, time_tag
from tests.support import clock

pytestmark = pytest.mark.clock  # swept by --clock-sweep

RECIFE = ZoneInfo("America/Recife")  # UTC-3
TOKYO = ZoneInfo("Asia/Tokyo")


def test_days_in_words() -> None:
    today = clock.now().date()
    assert day_words(today, today) == "today"
    assert day_words(today - timedelta(days=1), today) == "yesterday"
    assert day_words(today + timedelta(days=1), today) == "tomorrow"
    three = today - timedelta(days=3)
    assert day_words(three, today) == f"3 days ago, {three:%a}"
    old = today - timedelta(days=2 * 365 + 10)  # (not replace(year=…): there is no 29 February then)
    assert day_words(old, today) == f"{old.day} {old:%b} {old.year}"


def test_a_moment_is_told_in_the_athletes_zone() -> None:
    now = clock.now().astimezone(TOKYO).replace(hour=12, minute=0)  # noon in Tokyo is 03:00 UTC
    run = now.replace(hour=6, minute=41)
    assert moment_words(run, now, TOKYO) == "today 06:41"
    assert moment_words(run.astimezone(UTC), now, TOKYO) == "today 06:41"  # stored in UTC, told in Tokyo
    # 06:41 in Tokyo is 18:41 the day before in Recife, where Tokyo's noon is midnight
    assert moment_words(run, now, RECIFE) == "yesterday 18:41"


def test_the_tag_keeps_the_exact_instant_and_escapes_what_is_not_one() -> None:
    now = clock.now()
    tag = str(time_tag((now - timedelta(days=1)).isoformat(), now, UTC))
    assert tag.startswith('<time datetime="') and ">yesterday " in tag
    assert str(time_tag(None, now, UTC)) == "never"
    assert str(time_tag("<b>2026", now, UTC)) == "&lt;b&gt;2026"
