"""The runner's word wins: `strainwatch activity ID --distance/--running/--not-running/
--duplicate-of/--reset`, kept apart from what the files bring, through a re-import."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from tests import clock
from tests.conftest import write_config
from tests.rules_support import write_gpx


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
    config.write_text(config.read_text().replace('"Europe/Berlin"', '"UTC"'))  # weeks as the clock's
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
    from tests.rules_support import write_steady_then_spike

    folder = tmp_path / "runs"
    write_steady_then_spike(folder, 20.0)  # six weeks of 6 km runs, then yesterday 20 km
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path}/sw.db", [folder])
    config.write_text(config.read_text().replace('"Europe/Berlin"', '"UTC"'))
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
