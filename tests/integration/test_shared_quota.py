"""The shared rate quota (store/quota.py) on real SQLite and PostgreSQL: many processes'
requests together never pass the configured reserve, windows turn, server reports merge."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from strainwatch.sources.strava.client import window_start
from strainwatch.store.db import open_database
from strainwatch.store.quota import SharedQuota

NOW = datetime(2026, 5, 4, 10, 7, tzinfo=UTC)


def test_concurrent_takers_keep_the_reserve_together(database_url: str) -> None:
    sessions = open_database(database_url)
    quota = SharedQuota(sessions, "strava", window_start)
    quota.observe(NOW, {"short": (100, 0), "daily": (1000, 500)})
    granted: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(6, timeout=30)
    takers = [
        SharedQuota(open_database(database_url, migrate=False), "strava", window_start) for _ in range(6)
    ]

    def worker(mine: SharedQuota) -> None:  # each with its own engine and connections
        barrier.wait()
        for _ in range(25):
            ok = mine.take(NOW, 10)
            with lock:
                granted.append(ok)

    threads = [threading.Thread(target=worker, args=(t,)) for t in takers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # 150 attempts; 90 % of the short limit is 90 requests, and no more were granted
    assert granted.count(True) == 90
    assert quota.usage(NOW) == {"short": (100, 90), "daily": (1000, 590)}


def test_a_refused_window_gives_back_the_others(database_url: str) -> None:
    quota = SharedQuota(open_database(database_url), "strava", window_start)
    quota.observe(NOW, {"daily": (1000, 900), "short": (100, 10)})
    assert quota.take(NOW, 10) is False  # the daily window is at its 90 %
    assert quota.usage(NOW) == {"daily": (1000, 900), "short": (100, 10)}  # the short one kept nothing


def test_a_new_window_starts_from_zero_and_the_server_report_wins_when_higher(database_url: str) -> None:
    quota = SharedQuota(open_database(database_url), "strava", window_start)
    quota.observe(NOW, {"short": (100, 90), "daily": (1000, 100)})
    assert quota.take(NOW, 10) is False
    later = NOW + timedelta(minutes=10)  # 10:17: the quarter hour has turned
    assert quota.take(later, 10) is True
    assert quota.usage(later) == {"short": (100, 1), "daily": (1000, 101)}
    quota.observe(later, {"short": (100, 40), "daily": (1000, 50)})  # another client of the app, or lag
    assert quota.usage(later) == {"short": (100, 40), "daily": (1000, 101)}
    next_day = datetime(2026, 5, 5, 0, 1, tzinfo=UTC)
    assert quota.usage(next_day) == {"short": (100, 0), "daily": (1000, 0)}


def test_unknown_limits_hold_nothing_back(database_url: str) -> None:
    quota = SharedQuota(open_database(database_url), "other-source", window_start)
    assert all(quota.take(NOW, 50) for _ in range(5))
    assert quota.usage(NOW) == {}
