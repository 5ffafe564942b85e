"""The runner's word wins: `strainwatch activity ID --distance/--running/--not-running/
--duplicate-of/--reset`, kept apart from what the files bring, through a re-import."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.support import clock
from tests.support.config import write_config
from tests.support.histories import write_gpx


def _cli(config: Path, *args: str) -> Any:
    from strainwatch.cli.main import cli

    return CliRunner().invoke(cli, ["--config", str(config), *args], env=clock.env())


def _last_week_km(config: Path) -> float:
    [status] = json.loads(_cli(config, "status", "--json").stdout)
    return float(status["weeks"][-2]["distance_km"])


def test_a_corrected_run_counts_as_the_runner_says_and_survives_a_reimport(tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    today = clock.now().replace(hour=6, minute=0, second=0, microsecond=0)
    monday = today - timedelta(days=today.weekday() + 7)  # both runs in last week, whatever the day
    write_gpx(folder / "a.gpx", monday, 6.0)
    write_gpx(folder / "b.gpx", monday + timedelta(hours=3), 20.0)
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path}/sw.db", [folder])
    assert _cli(config, "sync").exit_code == 0
    rows = {Path(r["file"]).name: r["id"] for r in json.loads(_cli(config, "activities", "--json").stdout)}
    assert _last_week_km(config) == 26.0

    shown = _cli(config, "activity", str(rows["b.gpx"]), "--distance", "9.1")
    assert shown.exit_code == 0, shown.output
    assert "your word: 9.10 km run (from the source: 19.99)" in shown.stdout
    assert "evaluated again on the next pass" in shown.stdout
    assert _last_week_km(config) == 15.1
    assert "your word: 9.10 km run" in _cli(config, "activities").stdout

    write_gpx(folder / "b.gpx", monday + timedelta(hours=3), 20.5)  # the file arrives again, edited
    os.utime(folder / "b.gpx", ns=(1, 1))
    assert _cli(config, "sync").exit_code == 0
    assert _last_week_km(config) == 15.1  # the runner's word outlives the re-import

    assert _cli(config, "activity", str(rows["b.gpx"]), "--not-running").exit_code == 0
    assert _last_week_km(config) == 6.0
    duplicate = _cli(config, "activity", str(rows["b.gpx"]), "--reset")
    assert "your corrections forgotten" in duplicate.stdout
    assert _last_week_km(config) == 26.5

    linked = _cli(config, "activity", str(rows["b.gpx"]), "--duplicate-of", str(rows["a.gpx"]))
    assert "now a duplicate of" in linked.stdout and _last_week_km(config) == 6.0
    assert _cli(config, "activity", str(rows["b.gpx"]), "--reset").exit_code == 0
    assert _last_week_km(config) == 26.5

    assert _cli(config, "activity", "999999").exit_code == 1
    assert _cli(config, "activity", str(rows["a.gpx"]), "--reset", "--running").exit_code == 2
    assert _cli(config, "activity", str(rows["a.gpx"]), "--duplicate-of", str(rows["a.gpx"])).exit_code == 1


def test_a_warning_whose_run_is_corrected_away_is_withdrawn(tmp_path: Path) -> None:
    from tests.support.histories import write_steady_then_spike

    folder = tmp_path / "runs"
    write_steady_then_spike(folder, 20.0)  # six weeks of 6 km runs, then yesterday 20 km
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path}/sw.db", [folder])
    assert _cli(config, "sync").exit_code == 0
    alerts = json.loads(_cli(config, "alerts", "--json").stdout)
    [spike] = [a for a in alerts if a["rule"] == "long-run-spike"]
    assert spike["severity"] == "warning" and spike["status"] == "active"
    [long_run] = spike["activity_ids"]

    assert _cli(config, "activity", str(long_run), "--distance", "6.2").exit_code == 0
    assert _cli(config, "sync").exit_code == 0
    still = json.loads(_cli(config, "alerts", "--json").stdout)
    assert not [a for a in still if a["rule"] == "long-run-spike"]  # withdrawn: its basis is gone
    everything = json.loads(_cli(config, "alerts", "--all", "--json").stdout)
    assert next(a for a in everything if a["id"] == spike["id"])["status"] == "resolved"

    assert _cli(config, "activity", str(long_run), "--reset").exit_code == 0
    assert _cli(config, "sync").exit_code == 0
    back = json.loads(_cli(config, "alerts", "--json").stdout)
    assert [a["severity"] for a in back if a["rule"] == "long-run-spike"] == ["warning"]


def test_an_upgrade_cleans_the_runs_stored_before_cleaning(tmp_path: Path, corpus: Path) -> None:
    """Migration 0012 has every imported file read once more: the example's bus ride, stored
    as a 21.74 km run by a version without cleaning, is 9 km of running after the upgrade."""
    import shutil

    from alembic import command
    from sqlalchemy import select

    from strainwatch.config.settings import AthleteSettings
    from strainwatch.metrics.cleaning import CleaningLimits
    from strainwatch.sources.files.importing.importer import import_paths
    from strainwatch.store.db import _alembic_config, create_db_engine, open_database, upgrade
    from strainwatch.store.models import Activity

    folder = tmp_path / "runs"
    folder.mkdir()
    shutil.copy(corpus / "runner-2020" / "720bf570-d855-4303-87c2-74d85429e52d.gpx", folder)
    url = f"sqlite:///{tmp_path}/sw.db"
    sessions = open_database(url)
    sam = AthleteSettings(id="sam", name="Sam", email="sam@example.org", timezone="UTC")
    before = import_paths(sessions, sam, [folder], now=clock.now(), cleaning=CleaningLimits(enabled=False))
    assert [o.outcome for o in before.outcomes] == ["imported"]
    engine = create_db_engine(url)
    command.downgrade(_alembic_config(engine), "0011")  # as the version before this one left it
    upgrade(engine)
    after = import_paths(sessions, sam, [folder], now=clock.now())
    assert [o.outcome for o in after.outcomes] == ["updated"]
    with sessions() as session:
        [run] = session.scalars(select(Activity)).all()
    assert 7000 <= run.distance_m <= 9100 and run.corrections
    again = import_paths(sessions, sam, [folder], now=clock.now())
    assert [o.outcome for o in again.outcomes] == ["unchanged"]


def test_a_crop_keeps_only_that_part_of_the_recording_through_a_reimport(tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    start = (clock.now() - timedelta(days=3)).replace(hour=8, minute=0, second=0, microsecond=0)
    write_gpx(folder / "long.gpx", start, 10.8, speed=3.0)  # 08:00 to 09:00 at 3 m/s
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path}/sw.db", [folder])
    assert _cli(config, "sync").exit_code == 0
    [row] = json.loads(_cli(config, "activities", "--json").stdout)

    cropped = _cli(config, "activity", str(row["id"]), "--crop", "08:00-08:30")
    assert cropped.exit_code == 0, cropped.output
    assert "only 08:00-08:30 was the run" in cropped.stdout
    assert _cli(config, "sync").exit_code == 0
    [after] = json.loads(_cli(config, "activities", "--json").stdout)
    assert 5300 <= after["distance_m"] <= 5500 and 1780 <= after["moving_time_s"] <= 1810
    assert [c["kind"] for c in after["corrections"]] == ["crop"]

    write_gpx(folder / "long.gpx", start, 10.8, speed=3.0)  # the same file arrives again
    os.utime(folder / "long.gpx", ns=(1, 1))
    assert _cli(config, "sync").exit_code == 0
    [again] = json.loads(_cli(config, "activities", "--json").stdout)
    assert again["distance_m"] == pytest.approx(after["distance_m"])

    assert _cli(config, "activity", str(row["id"]), "--reset").exit_code == 0
    assert _cli(config, "sync").exit_code == 0
    [whole] = json.loads(_cli(config, "activities", "--json").stdout)
    assert whole["distance_m"] > 10_000 and not whole["corrections"]
    assert _cli(config, "activity", str(row["id"]), "--crop", "8-9").exit_code == 2
