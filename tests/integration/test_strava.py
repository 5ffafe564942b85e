"""The Strava source over real HTTP against the local fake, on real databases."""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from strainwatch.kinds import parse_settings
from strainwatch.sources.files.importing.importer import ImportReport
from strainwatch.sources.strava import client as strava_api
from strainwatch.sources.strava import sync as strava_sync
from strainwatch.sources.strava.sync import sync_strava
from strainwatch.sources.strava.tables import StravaAccount
from strainwatch.store.db import open_database, unit_of_work
from strainwatch.store.models import Activity, Outbox
from tests.support import clock
from tests.support.config import settings_of
from tests.support.fake_strava import (
    INACTIVE,
    RATE_LIMITED,
    FakeStrava,
    Fault,
    link_athlete,
    running,
    strava_table,
)

NOW = clock.now().replace(microsecond=0)


@pytest.fixture
def fake() -> Iterator[FakeStrava]:
    with running(FakeStrava()) as server:
        yield server


@pytest.fixture(autouse=True)
def _no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strava_api, "RETRY_PAUSE_S", 0.0)  # our own back-off, not the code under test's logic


def _setup(tmp_path: Path, database_url: str, fake: FakeStrava) -> tuple[Any, Any]:
    settings = settings_of(
        tmp_path / "config.toml",
        database_url,
        None,
        immediate=True,
        tables=f"{strava_table(fake, tmp_path)}quota_reserve = 10\n",
        athlete="[athletes.strava]\nbackfill_days = 120\n",
    )
    link_athlete(settings)
    return settings, open_database(database_url)


def _sync(settings: Any, sessions: Any, now: datetime = NOW) -> strava_sync.StravaReport:
    return sync_strava(sessions, settings, settings.athletes[0], now)


def _activities(sessions: Any) -> dict[str, Activity]:
    with sessions() as session:
        return {a.external_id: a for a in session.scalars(select(Activity))}


def _history(fake: FakeStrava, count: int, days: int) -> int:
    """`count` activities spread over `days`, a ride every fifth; returns runs within 42 days."""
    in_window = 0
    for i in range(count):
        start = NOW - timedelta(days=days) + timedelta(seconds=i * days * 86400 // count) + timedelta(hours=1)
        sport = "Ride" if i % 5 == 4 else "Run"
        fake.add_run(1000 + i, start, 8.0 + i % 4, sport=sport)
        if sport == "Run" and start >= NOW - timedelta(days=42):
            in_window += 1
    return in_window


@pytest.mark.slow
def test_backfill_then_nothing_new_costs_the_documented_requests(
    tmp_path: Path, database_url: str, fake: FakeStrava
) -> None:
    in_window = _history(fake, 450, 110)
    settings, sessions = _setup(tmp_path, database_url, fake)
    fake.log.clear()
    passes = [_sync(settings, sessions)]  # the read limit (100 per 15 min, 10 % kept) stops it part-way
    assert passes[0].deferred and "reserve" in passes[0].deferred and passes[0].requests == 90
    assert passes[0].new == 450  # the listing comes first: every activity is stored at once
    while passes[-1].deferred and len(passes) < 6:
        fake.usage[0] = 0  # the quarter hour has turned
        passes.append(_sync(settings, sessions, NOW + timedelta(minutes=15 * len(passes))))
    assert passes[-1].deferred is None and sum(p.new for p in passes) == 450
    lists = fake.calls("/athlete/activities")
    assert len(lists) == math.ceil(450 / 200) + len(passes) - 1  # each later pass lists its overlap once
    assert len(fake.calls("/activities/")) == 2 * in_window  # nothing fetched twice
    assert sum(p.requests for p in passes) == len(fake.log)
    stored = _activities(sessions)
    assert len(stored) == 450
    assert not any(a.deleted for a in stored.values())
    rides = [a for a in stored.values() if a.sport_type == "Ride"]
    assert len(rides) == 90 and all(a.streams_state is None for a in rides)  # stored, summary only
    recent = [
        a for a in stored.values() if a.sport_type == "Run" and a.start_time >= NOW - timedelta(days=42)
    ]
    assert all(a.streams_state == "fetched" and a.private_note is None and a.description for a in recent)
    assert all(a.gap_profile for a in recent)
    fake.log.clear()
    fake.usage[0] = 0
    again = _sync(settings, sessions, NOW + timedelta(minutes=15 * len(passes)))
    assert (again.new, again.updated, again.deleted, again.requests) == (0, 0, 0, 1)


def test_one_new_run_edits_late_uploads_and_deletions(
    tmp_path: Path, database_url: str, fake: FakeStrava
) -> None:
    fake.add_run(1, NOW - timedelta(days=3), 10.0)
    fake.add_run(2, NOW - timedelta(hours=20), 8.0)
    settings, sessions = _setup(tmp_path, database_url, fake)
    _sync(settings, sessions)
    fake.log.clear()
    fake.add_run(3, NOW - timedelta(hours=2), 12.0, private_note="left calf tight")  # new
    fake.add_run(4, NOW - timedelta(hours=30), 6.0)  # a late upload: older than the last seen run
    fake.activities[2]["name"] = "Renamed"
    fake.activities[2]["_private_note"] = "a twinge"
    del fake.activities[1]  # outside the 48 h overlap: kept
    report = _sync(settings, sessions, NOW + timedelta(hours=1))
    assert (report.new, report.updated) == (2, 1)
    stored = _activities(sessions)
    assert stored["3"].private_note == "left calf tight"
    assert stored["4"].deleted is False
    assert (stored["2"].name, stored["2"].private_note) == ("Renamed", "a twinge")  # detail fetched again
    assert stored["1"].deleted is False
    assert len(fake.calls("/athlete/activities")) == 1
    assert len(fake.calls("/activities/3")) == 2 and len(fake.calls("/activities/4")) == 2
    del fake.activities[2]
    deleted = _sync(settings, sessions, NOW + timedelta(hours=2))
    assert deleted.deleted == 1 and _activities(sessions)["2"].deleted is True


def test_tokens_refresh_before_expiry_and_rotate(tmp_path: Path, database_url: str, fake: FakeStrava) -> None:
    fake.add_run(1, NOW - timedelta(days=1), 10.0)
    settings, sessions = _setup(tmp_path, database_url, fake)
    with sessions() as session, unit_of_work(session):
        account = session.get_one(StravaAccount, "sam")
        old_refresh = account.refresh_token
        account.expires_at = NOW + timedelta(minutes=4)  # inside the 5-minute margin
    fake.log.clear()
    report = _sync(settings, sessions)
    assert report.new == 1 and fake.calls("/oauth/token") == ["POST /oauth/token"]
    with sessions() as session:
        account = session.get_one(StravaAccount, "sam")
    assert account.refresh_token != old_refresh and old_refresh not in fake.refresh
    assert account.expires_at > NOW + timedelta(hours=1)


def test_401_refreshes_once_then_retries(tmp_path: Path, database_url: str, fake: FakeStrava) -> None:
    fake.add_run(1, NOW - timedelta(days=1), 10.0)
    settings, sessions = _setup(tmp_path, database_url, fake)
    fake.faults.append(Fault("/athlete/activities", 401, {"message": "Authorization Error", "errors": []}))
    report = _sync(settings, sessions)
    assert report.new == 1 and report.deferred is None
    assert len(fake.calls("/oauth/token")) == 2  # the code exchange, then one refresh


def test_revoked_access_is_one_notice_and_no_retry_storm(
    tmp_path: Path, database_url: str, fake: FakeStrava
) -> None:
    from strainwatch.pipeline.run_pass import run_pass

    settings, sessions = _setup(tmp_path, database_url, fake)
    fake.access.clear()
    fake.refresh.clear()  # the athlete revoked strainwatch on strava.com
    first = run_pass(settings, sessions, now=NOW)
    [strava] = first.of("strava")
    assert strava.problem == "revoked" and "strainwatch strava auth" in (strava.message or "")
    fake.log.clear()
    second = run_pass(settings, sessions, now=NOW + timedelta(minutes=15))
    assert fake.log == [] and "re-authorize" in (second.of("strava")[0].skipped or "")
    with sessions() as session:
        notices = session.scalars(select(Outbox).where(Outbox.kind == "notice")).all()
    assert len(notices) == 1 and "Strava" in notices[0].subject


def test_inactive_application_suggests_the_bulk_export(
    tmp_path: Path, database_url: str, fake: FakeStrava
) -> None:
    settings, sessions = _setup(tmp_path, database_url, fake)
    fake.faults.append(Fault("/athlete", 403, INACTIVE, times=99))
    report = _sync(settings, sessions)
    assert report.problem == "inactive" and "bulk export" in (report.message or "")
    fake.log.clear()
    assert _sync(settings, sessions, NOW + timedelta(hours=1)).skipped and fake.log == []


def test_429_defers_until_the_window_resets(tmp_path: Path, database_url: str, fake: FakeStrava) -> None:
    _history(fake, 30, 20)
    settings, sessions = _setup(tmp_path, database_url, fake)
    fake.faults.append(Fault("/activities/", 429, RATE_LIMITED))
    first = _sync(settings, sessions)
    reset = strava_api.next_window(NOW)  # the short window's end, however close NOW is to it
    assert first.deferred and "429" in first.deferred and first.new == 30
    assert f"until {reset:%Y-%m-%d %H:%M} UTC" in first.deferred
    before = len(fake.log)
    blocked = _sync(settings, sessions, NOW + (reset - NOW) / 2)
    assert blocked.deferred and len(fake.log) == before  # not a single request
    later = _sync(settings, sessions, reset + timedelta(seconds=1))
    assert later.deferred is None
    runs = [a for a in _activities(sessions).values() if a.sport_type == "Run"]
    assert runs and all(a.streams_state == "fetched" for a in runs)
    # nothing fetched twice: one detail and one streams request per run, plus the refused one
    calls = Counter(line for line in fake.log if line.startswith("GET /activities/"))
    details = [calls[f"GET /activities/{a.external_id}"] for a in runs]
    streams = [calls[f"GET /activities/{a.external_id}/streams"] for a in runs]
    assert streams == [1] * len(runs)
    assert sorted(details) == [1] * (len(runs) - 1) + [2]  # the 429'd detail, asked again once


def test_5xx_retried_then_deferred_and_malformed_json_skipped(
    tmp_path: Path, database_url: str, fake: FakeStrava, caplog: pytest.LogCaptureFixture
) -> None:
    fake.add_run(1, NOW - timedelta(days=1), 10.0)
    fake.add_run(2, NOW - timedelta(days=2), 10.0)
    settings, sessions = _setup(tmp_path, database_url, fake)
    fake.faults.append(Fault("/athlete/activities", 502, {"message": "Bad Gateway"}, times=3))
    down = _sync(settings, sessions)
    assert down.deferred and "502" in down.deferred and len(fake.calls("/athlete/activities")) == 3
    fake.faults.append(Fault("/activities/2", 200, raw=b'{"id": 2, "name": "trunc'))
    with caplog.at_level(logging.WARNING):
        report = _sync(settings, sessions)
    assert report.new == 2 and report.deferred is None
    assert "malformed detail for Strava activity 2" in caplog.text
    assert [held.split(":")[0] for held in report.held_back] == ["2"]


def test_empty_streams_are_asked_again_until_they_arrive(
    tmp_path: Path, database_url: str, fake: FakeStrava
) -> None:
    fake.add_run(1, NOW - timedelta(hours=3), 10.0, streams=False)
    settings, sessions = _setup(tmp_path, database_url, fake)
    _sync(settings, sessions)
    assert _activities(sessions)["1"].streams_state == "pending"
    fake.add_run(1, NOW - timedelta(hours=3), 10.0)  # Strava has processed the upload
    fake.log.clear()
    _sync(settings, sessions, NOW + timedelta(hours=1))
    assert _activities(sessions)["1"].streams_state == "fetched"
    assert fake.calls("/activities/1") == ["GET /activities/1/streams"]


def test_quota_reserve_stops_the_pass(tmp_path: Path, database_url: str, fake: FakeStrava) -> None:
    _history(fake, 10, 10)
    settings, sessions = _setup(tmp_path, database_url, fake)
    fake.read_limits = (1000, 10000)  # the overall short limit is the binding one here
    fake.usage[:] = [178, 500]  # the 10 % reserve starts at 180 of 200
    report = _sync(settings, sessions)
    assert report.deferred and "reserve" in report.deferred
    assert report.requests == 2  # the list (usage 179) and one detail (180): then it stops


def test_no_token_or_secret_in_logs(
    tmp_path: Path, database_url: str, fake: FakeStrava, caplog: pytest.LogCaptureFixture
) -> None:
    from strainwatch.logsetup import setup_logging

    fake.add_run(1, NOW - timedelta(days=1), 10.0)
    setup_logging(3)
    try:
        with caplog.at_level(logging.DEBUG):
            settings, sessions = _setup(tmp_path, database_url, fake)
            with sessions() as session, unit_of_work(session):
                session.get_one(StravaAccount, "sam").expires_at = NOW  # force a refresh
            _sync(settings, sessions)
    finally:
        setup_logging(0)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "app-secret" not in text and "access-" not in text and "refresh-" not in text


def test_the_same_run_from_a_file_and_strava_is_stored_once(
    tmp_path: Path, database_url: str, fake: FakeStrava
) -> None:
    from strainwatch.sources.files.importing.importer import import_paths
    from tests.support.histories import write_gpx

    start = NOW - timedelta(days=1)
    write_gpx(tmp_path / "run.gpx", start, 10.0, speed=1000 / 330)
    settings, sessions = _setup(tmp_path, database_url, fake)
    import_paths(sessions, settings.athletes[0], [tmp_path / "run.gpx"], now=NOW)
    fake.add_run(77, start, 10.0, private_note="calf tight at 8 km")
    report = _sync(settings, sessions)
    assert report.new == 0
    stored = _activities(sessions)
    # Strava's recording has the heart rate the file lacks: it counts, the file is its duplicate
    file_run = stored[str((tmp_path / "run.gpx").resolve())]
    assert file_run.duplicate_of == stored["77"].id and stored["77"].duplicate_of is None
    assert stored["77"].private_note == "calf tight at 8 km"
    del fake.activities[77]  # deleted on Strava: the run was still run, the file counts again
    assert _sync(settings, sessions, NOW + timedelta(hours=1)).deleted == 1
    stored = _activities(sessions)
    assert stored["77"].deleted and stored[str((tmp_path / "run.gpx").resolve())].duplicate_of is None


def test_a_manual_entry_and_the_watch_file_of_the_same_run_count_once_the_file_counting(
    tmp_path: Path, database_url: str, fake: FakeStrava
) -> None:
    """Typed into Strava in the evening, the watch file synced the next day, 4 minutes apart
    and 0.4 km different: one run, and the recording counts over the typed-in figures."""
    from strainwatch.sources.files.importing.importer import import_paths
    from strainwatch.store.runs import load_runs
    from tests.support.histories import write_gpx

    start = NOW - timedelta(days=1)
    fake.add_run(78, start + timedelta(minutes=4), 10.4, manual=True, name="Long run")
    settings, sessions = _setup(tmp_path, database_url, fake)
    assert _sync(settings, sessions).new == 1
    write_gpx(tmp_path / "run.gpx", start, 10.0, speed=1000 / 330)
    [outcome] = import_paths(sessions, settings.athletes[0], [tmp_path / "run.gpx"], now=NOW).outcomes
    assert outcome.outcome == "imported" and "activity" in (outcome.reason or "")
    stored = _activities(sessions)
    file_run = stored[str((tmp_path / "run.gpx").resolve())]
    assert stored["78"].duplicate_of == file_run.id and file_run.duplicate_of is None
    with sessions() as session:
        runs = load_runs(session, settings.athletes[0])
    assert [round(r.distance_m) for r in runs] == [round(file_run.distance_m)]


def _athletes_config(tmp_path: Path, database_url: str, fake: FakeStrava, folder: Path) -> Any:
    """sam on Strava, then kim with files only: what sam's Strava does must not touch kim."""
    return parse_settings(
        f"""
[storage]
url = "{database_url}"
{strava_table(fake, tmp_path)}quota_reserve = 10
[notify]
digest = "off"
quiet_hours = ""
[[athletes]]
id = "sam"
name = "Sam"
email = "sam@example.org"
timezone = "UTC"
[athletes.strava]
backfill_days = 120
[[athletes]]
id = "kim"
name = "Kim"
email = "kim@example.org"
timezone = "Europe/Berlin"
[athletes.files]
paths = ["{folder}"]
""",
        tmp_path / "config.toml",
    )


def test_one_activity_or_gear_strava_refuses_never_stops_the_pass(
    tmp_path: Path, database_url: str, fake: FakeStrava
) -> None:
    from strainwatch.pipeline.run_pass import run_pass
    from strainwatch.store.health import health_of
    from tests.support.histories import write_gpx

    runs = {
        11: "fine",
        12: "detail 404",
        13: "streams 410",
        14: "detail 400",
        15: "detail 500",
        16: "malformed detail",
        17: "fine",
        18: "fine",
    }
    for i, activity_id in enumerate(runs):
        gear = {11: "g-known", 17: "g-retired", 18: "g-broken"}.get(activity_id)
        fake.add_run(activity_id, NOW - timedelta(days=9 - i), 8.0 + i, gear_id=gear)
    fake.gear["g-known"] = {"id": "g-known", "name": "Pegasus 41", "distance": 412000.0}
    fake.faults += [
        Fault("/activities/12", 404, {"message": "Record Not Found", "errors": []}, times=99),
        Fault("/activities/13/streams", 410, {"message": "Gone", "errors": []}, times=99),
        Fault("/activities/14", 400, {"message": "Bad Request", "errors": []}, times=99),
        Fault("/activities/15", 500, {"message": "Internal Server Error"}, times=99),
        Fault("/activities/16", 200, raw=b'{"id": 16, "descr', times=99),
        Fault("/gear/g-broken", 200, raw=b"<html>oops", times=99),
    ]  # g-retired: the fake answers 404, as Strava does for retired or foreign gear
    folder = tmp_path / "kim"
    folder.mkdir()
    write_gpx(folder / "kim.gpx", NOW - timedelta(days=1), 7.0)
    settings = _athletes_config(tmp_path, database_url, fake, folder)
    link_athlete(settings)
    sessions = open_database(database_url)

    first = run_pass(settings, sessions, now=NOW)
    [strava], [files] = first.of("strava"), first.of("files")
    assert first.athletes == 2 and "files: imported 1," in first.summary()
    assert isinstance(files, ImportReport) and files.athlete == "kim"
    assert strava.new == 8 and strava.deferred is None and strava.error is None
    assert sorted(strava.gone) == ["12"]  # a streams 410 is no streams, not a deleted run
    assert sorted(h.split(":")[0] for h in strava.held_back) == ["14", "15", "16"]
    stored = _activities(sessions)
    assert len(stored) == 9  # sam's eight and kim's file
    assert stored["12"].deleted and not stored["13"].deleted
    assert stored["13"].streams_state == "none" and stored["13"].distance_m == 10_000
    fine = [stored[k] for k in ("11", "17", "18")]
    assert all(a.streams_state == "fetched" and a.description for a in fine)
    assert (stored["11"].gear, stored["17"].gear, stored["18"].gear) == ("Pegasus 41", None, None)
    assert any(f.startswith("sam strava: 3 activity(ies) held back") for f in first.failed)
    with sessions() as session:
        health = {(h.athlete, h.source): h for h in health_of(session)}
    assert health["sam", "strava"].failing and "held back" in (health["sam", "strava"].last_error or "")
    assert not health["kim", "files"].failing and health["kim", "files"].last_success_at == NOW

    fake.log.clear()
    second = run_pass(settings, sessions, now=NOW + timedelta(minutes=5))
    asked = {line.split(" ", 1)[1] for line in fake.log}
    assert asked == {"/athlete/activities", "/gear/g-broken"}  # nothing gone, nothing backing off
    assert second.of("strava")[0].gone == [] and second.of("strava")[0].held_back == []

    fake.faults.clear()  # Strava mends its answers; the retired shoe stays retired
    fake.log.clear()
    third = run_pass(settings, sessions, now=NOW + timedelta(minutes=20))
    assert sorted(h.split(":")[0] for h in third.of("strava")[0].held_back) == []
    asked = Counter(line.split(" ", 1)[1] for line in fake.log)
    assert not any(path.startswith(("/activities/12", "/activities/13", "/gear/g-retired")) for path in asked)
    assert all(
        asked[f"/activities/{k}"] == 1 and asked[f"/activities/{k}/streams"] == 1 for k in (14, 15, 16)
    )
    stored = _activities(sessions)
    assert all(stored[k].streams_state == "fetched" and stored[k].description for k in ("14", "15", "16"))
    assert stored["12"].deleted and not stored["13"].deleted
    with sessions() as session:
        health = {(h.athlete, h.source): h for h in health_of(session)}
    assert not health["sam", "strava"].failing


def test_an_unexpected_answer_to_the_listing_fails_that_athlete_only(
    tmp_path: Path, database_url: str, fake: FakeStrava
) -> None:
    from strainwatch.pipeline.run_pass import run_pass
    from tests.support.histories import write_gpx

    fake.add_run(1, NOW - timedelta(days=1), 10.0)
    fake.faults.append(
        Fault("/athlete/activities", 422, {"message": "Unprocessable", "errors": []}, times=99)
    )
    folder = tmp_path / "kim"
    folder.mkdir()
    write_gpx(folder / "kim.gpx", NOW - timedelta(days=1), 7.0)
    settings = _athletes_config(tmp_path, database_url, fake, folder)
    link_athlete(settings)
    report = run_pass(settings, open_database(database_url), now=NOW)
    assert report.of("strava")[0].error == "Strava answered 422 for /athlete/activities"
    assert "files: imported 1," in report.summary()  # kim, after sam
    assert "failed: sam strava" in report.summary() and "sam strava: Strava answered 422" in report.failed[0]


def test_a_429_with_the_daily_limit_spent_waits_until_midnight_utc(
    tmp_path: Path, database_url: str, fake: FakeStrava
) -> None:
    fake.add_run(1, NOW - timedelta(days=1), 10.0)
    settings, sessions = _setup(tmp_path, database_url, fake)
    fake.faults.append(Fault("/athlete/activities", 429, RATE_LIMITED))
    fake.usage[:] = [150, 2000]  # the day's 2000 requests are spent
    first = _sync(settings, sessions)
    midnight = datetime.combine(NOW.date() + timedelta(days=1), datetime.min.time(), UTC)
    assert first.deferred and f"(429) until {midnight:%Y-%m-%d %H:%M} UTC" in first.deferred
    fake.log.clear()
    fake.usage[:] = [0, 0]
    assert _sync(settings, sessions, midnight - timedelta(seconds=1)).deferred and fake.log == []
    assert _sync(settings, sessions, midnight + timedelta(seconds=1)).new == 1


def test_manual_entries_and_runs_without_streams_are_kept_and_counted(
    tmp_path: Path, database_url: str, fake: FakeStrava
) -> None:
    """Strava answers 404 for a manual entry's streams (a treadmill run typed in), and some
    runs' streams are 410: every run is stored with its summary and counts in the week; only
    a 404 for the activity itself marks a run gone."""
    from strainwatch.store.runs import load_runs

    fake.add_run(21, NOW - timedelta(days=3), 10.0, manual=True, name="Treadmill, typed in")
    fake.add_run(22, NOW - timedelta(days=2), 8.0)
    fake.no_streams[22] = 404
    fake.add_run(23, NOW - timedelta(days=1), 6.0)
    fake.no_streams[23] = 410
    fake.add_run(24, NOW - timedelta(hours=5), 5.0)
    settings, sessions = _setup(tmp_path, database_url, fake)
    report = _sync(settings, sessions)
    assert (report.new, report.deleted, report.gone) == (4, 0, [])
    stored = _activities(sessions)
    assert not any(a.deleted for a in stored.values())
    assert stored["21"].manual and stored["21"].streams_state == "none" and stored["21"].distance_m == 10_000
    assert fake.calls("/activities/21/streams") == []  # a manual entry has none to ask for
    assert (stored["22"].streams_state, stored["23"].streams_state, stored["24"].streams_state) == (
        "none",
        "none",
        "fetched",
    )
    with sessions() as session:
        runs = load_runs(session, settings.athletes[0])
    assert sum(r.distance_m for r in runs if r.is_running) == 29_000
    assert not next(r for r in runs if r.manual).counts_for_spikes
    fake.log.clear()
    again = _sync(settings, sessions, NOW + timedelta(minutes=30))
    assert again.deleted == 0 and not any("/streams" in line for line in fake.log)  # never asked again
    del fake.activities[22]  # deleted on Strava: the listing no longer holds it
    gone = _sync(settings, sessions, NOW + timedelta(hours=1))
    assert gone.deleted == 1 and _activities(sessions)["22"].deleted
