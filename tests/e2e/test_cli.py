"""The installed `strainwatch` command, run as a user runs it, on real files."""

from __future__ import annotations

import json
import shutil
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support.cli import EXE, run
from tests.support.config import write_config
from tests.support.paths import REPO

JSON_KEYS = {
    "id",
    "athlete",
    "source",
    "external_id",
    "sport_type",
    "name",
    "start_time",
    "start_date_local",
    "distance_m",
    "moving_time_s",
    "elapsed_time_s",
    "ascent_m",
    "descent_m",
    "pace_s_per_km",
    "gap_s_per_km",
    "avg_hr",
    "gear",
}


@pytest.fixture(scope="module", autouse=True)
def _installed() -> None:
    if not EXE.exists():
        pytest.skip(f"the strainwatch command is not installed next to {sys.executable}")


def test_help_lists_commands_and_exit_codes() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("import", "sync", "activities", "config", "db"):
        assert f"  {command}" in result.stdout
    assert "3 `import` finished but some files failed" in result.stdout
    assert run("--version").stdout.startswith("strainwatch, version ")


def test_readme_documents_every_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = [
        line.split()[0] for line in run("--help").stdout.split("Commands:")[1].splitlines() if line.strip()
    ]
    for command in commands:
        assert f"strainwatch {command}" in readme, command


def test_config_example_is_valid_toml_and_checks(tmp_path: Path) -> None:
    example = run("config", "example")
    assert example.returncode == 0
    tomllib.loads(example.stdout)
    path = tmp_path / "config.toml"
    path.write_text(example.stdout)
    checked = run("config", "check", config=path)
    assert checked.returncode == 0, checked.stderr
    assert f"{path}: ok" in checked.stdout


def test_user_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[[athletes]]\nid = "me"\nname = "x"\nemail = "a@b.c"\ntimezone = "Mars/Olympus"\n')
    result = run("sync", config=path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"strainwatch: error: {path}: [athletes] of athlete 'me', key 'timezone'")
    missing = run("sync", config=tmp_path / "nope.toml")
    assert missing.returncode == 1
    assert f"strainwatch: error: {tmp_path / 'nope.toml'}: config file not found" in missing.stderr
    verbose = run("-vv", "sync", config=path)
    assert "Traceback" in verbose.stderr


def test_import_corpus_reports_and_exits_3_then_everything_unchanged(tmp_path: Path, corpus: Path) -> None:
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path}/sw.db")
    first = run("import", str(corpus), config=config)
    assert first.returncode == 3, first.stderr
    out = first.stdout
    assert "not an activity: " in out and "Settings.fit: a FIT settings file" in out
    assert "gpxpy_route.gpx: a planned route" in out
    for broken in (
        "activity-filecrc.fit",
        "activity-activity-filecrc.fit",
        "malformed_namespace.tcx",
    ):
        assert f"failed: {corpus / 'broken' / broken}: " in out
    assert "partly read: " in out
    second = run("import", str(corpus), config=config)
    assert second.returncode == 3  # the broken files still fail, and are listed again
    assert ", updated 0, " in second.stdout and "imported 0," in second.stdout
    assert "still failing (unchanged): " in second.stdout

    listed = run("activities", "--json", config=config)
    rows = json.loads(listed.stdout)
    assert len(rows) > 90
    assert set(rows[0]) >= JSON_KEYS
    assert rows[0]["start_time"].endswith("Z")
    assert all(row["athlete"] == "sam" for row in rows)
    since = json.loads(run("activities", "--json", "--since", "2021-01-01", config=config).stdout)
    assert since and all(r["start_date_local"] >= "2021-01-01" for r in since)
    table = run("activities", config=config).stdout.splitlines()
    runs = [line for line in table[1:] if not line.startswith(" ")]  # notes under a run are indented
    assert table[0].startswith("date") and len(runs) == len(rows)
    assert any(line.lstrip().startswith("corrected: ") for line in table)


def test_sync_is_zero_with_bad_files_and_dry_run_changes_nothing(tmp_path: Path, corpus: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    shutil.copy(corpus / "formats" / "run_garmin.tcx", folder)
    shutil.copy(corpus / "broken" / "activity-filecrc.fit", folder)
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path}/sw.db", [folder])
    dry = run("sync", "--dry-run", config=config)
    assert dry.returncode == 0, dry.stderr
    assert "would import 1" in dry.stdout
    assert json.loads(run("activities", "--json", config=config).stdout) == []
    real = run("sync", config=config)
    assert real.returncode == 0
    assert "imported 1" in real.stdout and "activity-filecrc.fit: FIT checksum mismatch" in real.stdout
    again = run("sync", config=config)
    assert "unchanged 2" in again.stdout and "checksum" not in again.stdout  # reported once
    assert len(json.loads(run("activities", "--json", config=config).stdout)) == 1


def test_several_athletes_require_athlete_for_import(tmp_path: Path, corpus: Path) -> None:
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path}/sw.db", athletes=("sam", "kim"))
    result = run("import", str(corpus / "formats" / "run_garmin.tcx"), config=config)
    assert result.returncode == 1
    assert "choose one with --athlete" in result.stderr
    ok = run("import", "--athlete", "kim", str(corpus / "formats" / "run_garmin.tcx"), config=config)
    assert ok.returncode == 0 and "kim: imported 1" in ok.stdout


def test_db_upgrade(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path}/sw.db")
    result = run("db", "upgrade", config=config)
    assert result.returncode == 0
    assert "schema at revision 0016" in result.stdout


def test_readme_commands_are_what_ci_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_command = next(
        line for line in readme.splitlines() if "pytest" in line and line.startswith("python3")
    )
    assert test_command in ci


def test_hostile_folder_sync_exits_0_and_the_next_sync_reads_nothing_again(
    tmp_path: Path, corpus: Path
) -> None:
    from tests.support.hostile_files import csv_encrypted, dev_zero, fifo, utf16_doctype, year_9999

    watch = tmp_path / "watch"
    watch.mkdir()
    for make in (fifo, dev_zero, utf16_doctype, year_9999, csv_encrypted):
        make(watch, False)
    shutil.copy(corpus / "formats" / "run_garmin.tcx", watch)
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path / 'db.sqlite'}", [watch])
    first = run("sync", config=config)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    assert "imported 1," in first.stdout
    for name in ("run.gpx", "zero.gpx", "utf16_doctype.gpx", "export_encrypted.zip"):
        assert sum(name in line for line in first.stdout.splitlines()) == 1, (name, first.stdout)
    assert "DTD" in first.stdout and "FIFO" in first.stdout
    second = run("sync", config=config)
    assert second.returncode == 0
    assert "imported 0, updated 0, unchanged 6," in second.stdout
    assert "failed:" not in second.stdout


def test_a_newer_database_is_refused_in_one_line(tmp_path: Path) -> None:
    import sqlite3

    from strainwatch.store.db import NEWER_SCHEMA as NEWER

    database = tmp_path / "db.sqlite"
    config = write_config(tmp_path / "config.toml", f"sqlite:///{database}")
    assert run("db", "upgrade", config=config).returncode == 0
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00dfeed'")
    for command in (["sync"], ["activities"], ["db", "upgrade"]):
        result = run(*command, config=config)
        assert result.returncode == 1
        first_line = result.stderr.strip().splitlines()[0]
        assert first_line.endswith(NEWER), result.stderr
        assert "Traceback" not in result.stderr
