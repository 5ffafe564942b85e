"""The intervals.icu source over real HTTP against the local fake, on real databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from strainwatch.pipeline.run_pass import run_pass
from strainwatch.sources.intervals.sync import IntervalsReport, sync_intervals
from strainwatch.store.db import open_database
from strainwatch.store.models import Activity, Alert, Outbox
from tests.support import clock
from tests.support.config import settings_of
from tests.support.fake_intervals import KEY, FakeIntervals, Fault, intervals_table, running

NOW = clock.now().replace(microsecond=0)
LISTING = "/api/v1/athlete/i424242/activities"


@pytest.fixture
def fake() -> Iterator[FakeIntervals]:
    with running(FakeIntervals()) as server:
        yield server


def _config(
    tmp_path: Path, database_url: str, fake: FakeIntervals, *, key: str = KEY, files: list[Path] | None = None
) -> Any:
    return settings_of(
        tmp_path / "config.toml",
        database_url,
        files,
        immediate=True,
        notify=f'mbox = "{tmp_path / "mail.mbox"}"\n',
        athlete=intervals_table(fake, tmp_path, key=key),
    )


def _sync(settings: Any, sessions: Any, now: datetime = NOW) -> IntervalsReport:
    return sync_intervals(sessions, settings.athletes[0], now)


def _stored(sessions: Any) -> dict[str, Activity]:
    with sessions() as session:
        return {a.external_id: a for a in session.scalars(select(Activity))}


def _history(fake: FakeIntervals, days: int = 60) -> None:
    """An 8 km run every other day, a ride every tenth day."""
    for day in range(days, 0, -2):
        start = NOW - timedelta(days=day, hours=-1)
        fake.add_run(f"i{1000 + day}", start, 8.0, sport="Ride" if day % 10 == 0 else "Run")


def _notices(sessions: Any) -> list[Outbox]:
    with sessions() as session:
        return list(session.scalars(select(Outbox).where(Outbox.kind == "notice")))


def test_backfill_then_nothing_new_costs_one_listing_then_a_new_run_is_evaluated(
    tmp_path: Path, database_url: str, fake: FakeIntervals
) -> None:
    _history(fake)
    settings = _config(tmp_path, database_url, fake)
    sessions = open_database(database_url)
    first = run_pass(settings, sessions, now=NOW)
    [report] = first.of("intervals")
    assert isinstance(report, IntervalsReport)
    recent_runs = sum(1 for d in range(60, 0, -2) if d % 10 and d <= 42)
    assert report.new == 30 and report.requests == 1 + recent_runs
    assert len(fake.calls(LISTING)) == 1 and len(fake.calls("/api/v1/activity/")) == recent_runs
    stored = _stored(sessions)
    run = stored["i1002"]
    assert (run.sport_type, run.distance_m, run.gear, run.avg_hr, run.max_hr) == (
        "Run",
        8000.0,
        "Pegasus 40",
        148,
        171,
    )
    assert (run.moving_time_s, run.elapsed_time_s, run.ascent_m) == (2640.0, 2700.0, 35.0)
    assert run.streams_state == "fetched" and run.gap_profile and run.descent_m is not None
    assert stored["i1010"].sport_type == "Ride" and stored["i1010"].streams_state is None
    fake.log.clear()
    again = run_pass(settings, sessions, now=NOW + timedelta(minutes=15))
    assert (again.of("intervals")[0].new, again.of("intervals")[0].requests) == (0, 1)
    assert len(fake.log) == 1 and fake.log[0].startswith(f"GET {LISTING}?oldest=")
    fake.log.clear()
    fake.add_run("i9999", NOW + timedelta(minutes=20), 21.0, description="long one, calves fine")
    third = run_pass(settings, sessions, now=NOW + timedelta(minutes=45))
    [report] = third.of("intervals")
    assert (report.new, report.requests) == (1, 2)  # the listing, then the new run's streams
    assert third.evaluations and third.evaluations[0].athlete == "sam"
    with sessions() as session:
        alerts = session.scalars(select(Alert).where(Alert.rule == "long-run-spike")).all()
    assert alerts and _stored(sessions)["i9999"].description == "long one, calves fine"


def test_strava_stubs_are_skipped_with_one_note(
    tmp_path: Path, database_url: str, fake: FakeIntervals
) -> None:
    fake.add_run("i1", NOW - timedelta(days=2), 10.0)
    fake.add_strava_stub("12345678901", NOW - timedelta(days=1))
    fake.add_strava_stub("12345678902", NOW - timedelta(days=3), sport="Ride")
    settings = _config(tmp_path, database_url, fake)
    sessions = open_database(database_url)
    first = run_pass(settings, sessions, now=NOW)
    [report] = first.of("intervals")
    assert report.new == 1 and report.stubs == 2
    assert "[athletes.strava]" in (report.stub_note or "") and "export" in (report.stub_note or "")
    assert "2 from Strava skipped" in report.summary()
    assert set(_stored(sessions)) == {"i1"}
    run_pass(settings, sessions, now=NOW + timedelta(minutes=15))
    notices = _notices(sessions)
    assert len(notices) == 1 and "Strava" in notices[0].subject


def test_a_wrong_key_is_one_notice_and_no_requests_until_the_config_changes(
    tmp_path: Path, database_url: str, fake: FakeIntervals
) -> None:
    fake.add_run("i1", NOW - timedelta(days=2), 10.0)
    wrong = _config(tmp_path, database_url, fake, key="wrong-key")
    sessions = open_database(database_url)
    first = run_pass(wrong, sessions, now=NOW)
    assert "refused" in (first.of("intervals")[0].refused or "") and len(fake.log) == 1
    assert any("intervals" in failed for failed in first.failed)
    for minutes in (15, 30, 600):
        later = run_pass(wrong, sessions, now=NOW + timedelta(minutes=minutes))
        assert "refused" in (later.of("intervals")[0].skipped or "")
    assert len(fake.log) == 1
    notices = _notices(sessions)
    assert len(notices) == 1 and "refused" in notices[0].subject
    assert "wrong-key" not in (tmp_path / "mail.mbox").read_text(errors="replace")
    fixed = _config(tmp_path, database_url, fake)  # the key file now holds the right key
    report = run_pass(fixed, sessions, now=NOW + timedelta(hours=11)).of("intervals")[0]
    assert report.new == 1 and report.failure is None


@pytest.mark.parametrize(("status", "headers"), [(429, {"Retry-After": "3600"}), (503, {})])
def test_429_and_5xx_defer_with_backoff_across_passes(
    tmp_path: Path, database_url: str, fake: FakeIntervals, status: int, headers: dict[str, str]
) -> None:
    fake.add_run("i1", NOW - timedelta(days=2), 10.0)
    settings = _config(tmp_path, database_url, fake)
    sessions = open_database(database_url)
    fake.faults.append(Fault(LISTING, status, {"status": status}, headers=headers, times=2))
    first = _sync(settings, sessions)
    assert first.deferred and str(status) in first.deferred and first.requests == 1
    wait = timedelta(hours=1) if status == 429 else timedelta(minutes=5)
    assert "deferred until" in (_sync(settings, sessions, NOW + wait - timedelta(seconds=1)).skipped or "")
    assert len(fake.log) == 1  # no request while backing off
    second = _sync(settings, sessions, NOW + wait)
    assert second.deferred and len(fake.log) == 2
    doubled = timedelta(hours=1) if status == 429 else timedelta(minutes=10)
    assert _sync(settings, sessions, NOW + wait + doubled - timedelta(seconds=1)).skipped
    third = _sync(settings, sessions, NOW + wait + doubled)
    assert third.new == 1 and third.failure is None
    assert _sync(settings, sessions, NOW + wait + doubled + timedelta(seconds=1)).failure is None


def test_late_edits_and_deletions_in_the_window(
    tmp_path: Path, database_url: str, fake: FakeIntervals
) -> None:
    fake.add_run("i1", NOW - timedelta(days=5), 10.0)
    fake.add_run("i2", NOW - timedelta(hours=20), 8.0)
    fake.add_run("i3", NOW - timedelta(hours=10), 6.0)
    settings = _config(tmp_path, database_url, fake)
    sessions = open_database(database_url)
    _sync(settings, sessions)
    fake.log.clear()
    fake.activities["i2"]["name"] = "Renamed: calf tight"
    fake.activities["i2"]["distance"] = 8400.0
    fake.activities["i3"]["icu_training_load"] = 99  # intervals.icu recomputed it: no edit
    fake.activities["i3"]["analyzed"] = "2099-01-01T00:00:00"
    fake.add_run("i4", NOW - timedelta(hours=30), 5.0)  # a late upload, older than the newest seen
    fake.add_run("i5", NOW - timedelta(hours=5), 4.0, source="MANUAL", streams=False)  # typed in
    del fake.activities["i1"]  # outside the overlap: not listed, kept
    report = _sync(settings, sessions, NOW + timedelta(hours=1))
    assert (report.new, report.updated, report.deleted) == (2, 1, 0)
    assert not fake.calls("/api/v1/activity/i3/") and not fake.calls("/api/v1/activity/i5/")
    assert _stored(sessions)["i5"].manual
    del fake.activities["i3"]  # deleted in intervals.icu, inside the overlap
    report = _sync(settings, sessions, NOW + timedelta(hours=2))
    assert (report.new, report.updated, report.deleted) == (0, 0, 1)
    stored = _stored(sessions)
    assert (stored["i2"].name, stored["i2"].distance_m, stored["i2"].streams_state) == (
        "Renamed: calf tight",
        8400.0,
        "fetched",
    )
    assert stored["i3"].deleted and not stored["i1"].deleted and not stored["i4"].deleted
    assert len(fake.calls(LISTING)) == 2 and len(fake.calls("/api/v1/activity/i2/")) == 1  # one per pass


def test_the_same_run_from_a_file_and_intervals_is_stored_once(
    tmp_path: Path, database_url: str, fake: FakeIntervals
) -> None:
    from tests.support.histories import write_gpx

    start = NOW - timedelta(days=1)
    folder = tmp_path / "runs"
    folder.mkdir()
    write_gpx(folder / "run.gpx", start, 10.0, speed=1000 / 330)
    fake.add_run("i77", start + timedelta(seconds=20), 10.05)
    settings = _config(tmp_path, database_url, fake, files=[folder])
    sessions = open_database(database_url)
    report = run_pass(settings, sessions, now=NOW)
    assert report.of("intervals")[0].new == 0
    stored = _stored(sessions)
    # intervals.icu's recording has the heart rate the file lacks: it counts, the file is its duplicate
    file_run = stored[str((folder / "run.gpx").resolve())]
    assert file_run.duplicate_of == stored["i77"].id and stored["i77"].duplicate_of is None


def test_malformed_listing_fails_the_source_not_the_pass(
    tmp_path: Path, database_url: str, fake: FakeIntervals
) -> None:
    settings = _config(tmp_path, database_url, fake)
    sessions = open_database(database_url)
    fake.faults.append(Fault(LISTING, 200, raw=b"<html>maintenance</html>"))
    report = run_pass(settings, sessions, now=NOW)
    assert "not JSON" in (report.of("intervals")[0].error or "")
    assert any(f.startswith("sam intervals:") for f in report.failed)
