"""Today's overview is built from light runs (no words, pace profiles or gear) so that its
first look at years of running is quick; it must say exactly what the full history says.
Also: the daemon's web thread models the overview again after a pass that changed it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.web import free_socket

pytest.importorskip("starlette")

NOW = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
ATHLETES = """
[[athletes]]
id = "sam"
name = "Sam"
email = "sam@example.org"
timezone = "America/New_York"

[[athletes]]
id = "bob"
name = "Bob"
email = "bob@example.org"
timezone = "Europe/Berlin"
load = "trimp"
hr_rest = 50
hr_max = 190
"""


def _history(sessions: Any, athlete_id: str, seed: int, days: int = 3 * 365) -> list[int]:
    """Three years of mixed activities: runs, trail runs, rides, treadmill and typed-in runs, a
    drive recorded as a run, runs without pace or heart rate, duplicates, deleted ones, two runs
    on some days; an injury and a pain note."""
    from strainwatch.store.models import Activity, Athlete, Injury, PainNote

    rng = random.Random(seed)
    first = NOW - timedelta(days=days)
    with sessions() as session, session.begin():
        session.add(Athlete(id=athlete_id, name=athlete_id, created_at=first))
        session.flush()
        rows = []
        for i in range(days * 2 // 3):
            start = first + timedelta(days=i * 1.5 + rng.choice([0, 0, 0, 0.2]), hours=rng.uniform(0, 20))
            metres = rng.choice([3000, 5000, 8000, 10000, 16000, 21100, 30000]) * rng.uniform(0.8, 1.2)
            pace = rng.choice([rng.uniform(250, 420)] * 9 + [70.0])
            row = Activity(
                athlete_id=athlete_id,
                source="file",
                external_id=f"{athlete_id}-{i}",
                sport_type=rng.choice(["Run"] * 6 + ["TrailRun", "Ride", "VirtualRun"]),
                name=f"Run {i}",
                description=rng.choice([None, "easy", "calf tight"]),
                start_time=start,
                distance_m=metres,
                moving_time_s=metres / 1000 * pace,
                elapsed_time_s=metres / 1000 * pace + 60,
                pace_s_per_km=pace,
                gap_s_per_km=rng.choice([pace - 4, pace + 3, None]),
                ascent_m=rng.uniform(0, 300),
                descent_m=rng.uniform(0, 300),
                avg_hr=rng.choice([rng.uniform(120, 175), None]),
                gap_profile={str(int(pace) // 5 * 5): metres / 1000 * pace},
                trainer=rng.random() < 0.08,
                manual=rng.random() < 0.04,
                deleted=rng.random() < 0.02,
                raw={},
                created_at=start,
                updated_at=start,
            )
            session.add(row)
            rows.append(row)
        session.flush()
        for row in rng.sample(rows, 5):
            row.duplicate_of = rows[0].id
        session.add(
            Injury(
                athlete_id=athlete_id,
                start=(NOW - timedelta(days=40)).date(),
                part="calf",
                note="twinge",
                created_at=NOW,
            )
        )
        session.add(
            PainNote(athlete_id=athlete_id, activity_id=rows[-1].id, note="calf sore", created_at=NOW)
        )
        return [r.id for r in rows]


def _open(tmp_path: Path, database_url: str) -> tuple[Any, Any]:
    from strainwatch.kinds import parse_settings
    from strainwatch.store.db import open_database

    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\nurl = "{database_url}"\n{ATHLETES}', encoding="utf-8")
    settings = parse_settings(path.read_text(encoding="utf-8"), path)
    sessions = open_database(database_url)
    _history(sessions, "sam", 1)
    _history(sessions, "bob", 2)
    return settings, sessions


def test_the_light_overview_is_the_full_one(tmp_path: Path, database_url: str) -> None:
    from strainwatch.views.overview import athlete_overview, build_history

    settings, sessions = _open(tmp_path, database_url)
    for athlete in settings.athletes:
        thresholds, today = settings.thresholds(athlete), NOW.astimezone(athlete.zone).date()
        with sessions() as session:
            full = build_history(session, athlete, today)
            light = build_history(session, athlete, today, light=True)
            assert len(light.runs) == len(full.runs) > 500
            assert [r.text for r in light.runs] == [""] * len(light.runs)  # light indeed
            for series in ("km", "load", "stress", "ran", "ratio", "ctl", "atl", "tsb", "strains"):
                assert getattr(light, series) == getattr(full, series), (athlete.id, series)
            expected = athlete_overview(session, athlete, thresholds, NOW, history=full).as_json()
            assert athlete_overview(session, athlete, thresholds, NOW, history=light).as_json() == expected
            assert (
                athlete_overview(session, athlete, thresholds, NOW).as_json() == expected
            )  # light by default
            assert expected["ctl"] and expected["acwr"] and expected["guidance"]["next_run_ceiling_km"]


def test_the_web_thread_models_the_overview_again_after_a_pass(tmp_path: Path, database_url: str) -> None:
    from strainwatch.store.models import Activity
    from strainwatch.views.overview import athlete_overview, build_history
    from strainwatch.web.serve import ServerThread

    settings, sessions = _open(tmp_path, database_url)
    sam, bob = settings.athlete("sam"), settings.athlete("bob")
    today = NOW.astimezone(sam.zone).date()
    with ServerThread(settings, sessions, lambda: NOW, sock=free_socket()) as server:
        server.warm(None)  # what the daemon does after each pass
        with sessions() as session:
            warm_sam = server.histories.get(session, sam, today, light=True)
            warm_bob = server.histories.get(session, bob, NOW.astimezone(bob.zone).date(), light=True)
        page = httpx.get(f"{server.url}athletes/sam.json").json()
        with sessions() as session:
            assert server.histories.get(session, sam, today, light=True) is warm_sam  # the page used it
            full = athlete_overview(
                session, sam, settings.thresholds(sam), NOW, history=build_history(session, sam, today)
            ).as_json()
        assert {k: page[k] for k in full} == full

        with sessions() as session, session.begin():  # a new run lands for sam
            session.add(
                Activity(
                    athlete_id="sam",
                    source="file",
                    external_id="sam-new",
                    sport_type="Run",
                    name="new",
                    start_time=NOW - timedelta(hours=3),
                    distance_m=12000.0,
                    moving_time_s=3600.0,
                    elapsed_time_s=3700.0,
                    gap_s_per_km=300.0,
                    gap_profile={},
                    raw={},
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        server.warm(["sam"])
        with sessions() as session:
            rebuilt = server.histories.get(session, sam, today, light=True)
            assert rebuilt is not warm_sam and len(rebuilt.runs) == len(warm_sam.runs) + 1
            assert server.histories.get(session, bob, NOW.astimezone(bob.zone).date(), light=True) is warm_bob
        after = httpx.get(f"{server.url}athletes/sam.json").json()
        assert after["weeks_26"][-1]["longest_km"] >= 12.0 and after != page
