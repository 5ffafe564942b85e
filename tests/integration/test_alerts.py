"""Evaluation inside the sync pass, on real databases: alerts stored once, escalated, resolved."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from strainwatch.pipeline.evaluate import evaluate_athlete
from strainwatch.store.db import open_database
from strainwatch.store.models import Activity, Alert, Athlete, Injury
from tests.support.config import settings_of
from tests.support.histories import steady

START = date(2026, 1, 5)


def _store_runs(sessions, runs) -> None:  # type: ignore[no-untyped-def]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with sessions() as session, session.begin():
        session.add(Athlete(id="sam", name="Sam", created_at=now))
        session.flush()
        for r in runs:
            session.add(
                Activity(
                    id=r.activity_id,
                    athlete_id="sam",
                    source="file",
                    external_id=f"/{r.activity_id}.gpx",
                    sport_type="Run",
                    start_time=r.start,
                    distance_m=r.distance_m,
                    moving_time_s=r.moving_time_s,
                    elapsed_time_s=r.moving_time_s,
                    gap_s_per_km=r.gap_s_per_km,
                    ascent_m=r.ascent_m,
                    descent_m=r.descent_m,
                    name=r.text or None,
                    gap_profile={str(k): v for k, v in r.gap_profile},
                    raw={},
                    created_at=now,
                    updated_at=now,
                )
            )


def _count(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Alert)) or 0)


def test_evaluating_twice_creates_nothing_new_and_an_injury_escalates(
    tmp_path: Path, database_url: str
) -> None:
    from tests.support.histories import make_run

    sessions = open_database(database_url)
    runs = steady(START, 6)
    spike_day = START + timedelta(weeks=6)
    runs.append(make_run(999, spike_day, 16.5))
    _store_runs(sessions, runs)
    settings = settings_of(tmp_path / "c.toml", database_url, None)
    athlete = settings.athletes[0]
    now = datetime.combine(spike_day, datetime.min.time(), UTC) + timedelta(hours=20)
    with sessions() as session, session.begin():
        first = evaluate_athlete(session, athlete, settings.thresholds(athlete), now)
    assert first.created >= 1
    with sessions() as session, session.begin():
        again = evaluate_athlete(session, athlete, settings.thresholds(athlete), now)
    assert (again.created, again.escalated) == (0, 0)
    with sessions() as session:
        spike = session.scalars(select(Alert).where(Alert.rule == "long-run-spike")).one()
        assert spike.severity == "caution" and spike.activity_ids == [999] and spike.status == "active"
        spike_id = spike.id
    # a calf strain logged 3 months ago plus age: two modifiers make it a warning
    older = settings.model_copy(update={"athletes": [athlete.model_copy(update={"birth_year": 1970})]})
    with sessions() as session, session.begin():
        session.add(
            Injury(athlete_id="sam", start=spike_day - timedelta(days=90), part="calf", created_at=now)
        )
    with sessions() as session, session.begin():
        escalated = evaluate_athlete(session, older.athletes[0], older.thresholds(older.athletes[0]), now)
    assert escalated.escalated >= 1
    with sessions() as session:
        spike = session.scalars(select(Alert).where(Alert.rule == "long-run-spike")).one()
        assert (spike.severity, spike.previous_severity) == ("warning", "caution")
        assert spike.id == spike_id  # escalated in place, not a second alert
        assert spike.digest_id is None and spike.mailed_severity is None  # news: it will be mailed
        fingerprints = session.scalars(select(Alert.fingerprint)).all()
        assert len(fingerprints) == len(set(fingerprints)) == _count(sessions)


def test_disabled_rule_is_not_evaluated(tmp_path: Path, database_url: str) -> None:
    from tests.support.histories import make_run

    sessions = open_database(database_url)
    runs = [*steady(START, 6), make_run(999, START + timedelta(weeks=6), 16.5)]
    _store_runs(sessions, runs)
    settings = settings_of(
        tmp_path / "c.toml", database_url, None, tables="[rules.long-run-spike]\nenabled = false\n"
    )
    athlete = settings.athletes[0]
    now = datetime.combine(START + timedelta(weeks=6), datetime.min.time(), UTC) + timedelta(hours=20)
    with sessions() as session, session.begin():
        evaluate_athlete(session, athlete, settings.thresholds(athlete), now)
    with sessions() as session:
        assert session.scalars(select(Alert).where(Alert.rule == "long-run-spike")).all() == []
