"""The rest of what watches and exports hand over: manual rows of a Strava export, zips of
activity files from other tools, FIT files with a session but no records, tracks without
timing, and library warnings kept off the terminal."""

from __future__ import annotations

import gzip
import logging
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from strainwatch.config.settings import AthleteSettings
from strainwatch.sources.files.importing.importer import import_paths
from strainwatch.store.db import open_database
from strainwatch.store.models import Activity
from tests.support.fit_files import SESSION, SUMMARY_FIELDS, FitWriter, fit_time, write_device

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SAM = AthleteSettings(id="sam", name="Sam", email="sam@example.org", timezone="Europe/Berlin")
GERMAN = (
    "Aktivitäts-ID,Datum der Aktivität,Name der Aktivität,Aktivitätsart,Beschreibung der Aktivität,"
    "Verstrichene Zeit,Distanz,Max. Herzfrequenz,Relative Effort,Pendeln,Private Notiz zur Aktivität,"
    "Aktivitätsausrüstung,Dateiname,Verstrichene Zeit,Bewegungszeit,Distanz"
)


def _activities(sessions) -> dict[str, Activity]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return {a.external_id: a for a in session.scalars(select(Activity))}


def test_manual_rows_of_a_localized_export_in_miles(database_url: str, corpus: Path, tmp_path: Path) -> None:
    rows = [
        '7001,"10.01.2021, 08:54:28",Lauf,Run,,4487,"7,8",,,false,,Pegasus 40,activities/7001.gpx.gz,4487,4400,12595',
        '7002,"30.05.2022, 18:53:35",Laufband,Run,"locker",1800,"3,1",,,false,Wade fest,,,1800,1750,',
        '7003,"5 janv. 2023, 07:30:12",Salle,Workout,,2400,,,,false,,,,2400,,',
        "7004,,Kaputt,Run,,,,,,false,,,,,,",
    ]
    export = tmp_path / "export_42.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("activities.csv", "\ufeff" + GERMAN + "\n" + "\n".join(rows) + "\n")
        gpx = (corpus / "formats" / "strava_stopped_example.gpx").read_bytes()
        archive.writestr("activities/7001.gpx.gz", gzip.compress(gpx))
    sessions = open_database(database_url)
    miles = SAM.model_copy(update={"units": "mi"})
    report = import_paths(sessions, miles, [export], now=NOW)
    outcomes = {o.path.rsplit("!", 1)[-1]: o for o in report.outcomes}
    assert outcomes["activity 7002"].outcome == "imported" and outcomes["activity 7003"].outcome == "imported"
    assert outcomes["activity 7004"].outcome == "not_activity"
    stored = _activities(sessions)
    treadmill = stored["7002"]
    assert treadmill.manual and treadmill.source == "strava_export"
    assert treadmill.distance_m == pytest.approx(3.1 * 1609.344)  # display units: miles, decimal comma
    assert (treadmill.elapsed_time_s, treadmill.moving_time_s) == (1800.0, 1750.0)
    assert treadmill.start_time == datetime(2022, 5, 30, 18, 53, 35, tzinfo=UTC)
    assert (treadmill.name, treadmill.description, treadmill.private_note) == (
        "Laufband",
        "locker",
        "Wade fest",
    )
    assert stored["7003"].sport_type == "Workout" and stored["7003"].distance_m == 0.0
    assert not stored["7001"].manual
    again = import_paths(sessions, miles, [export], now=NOW)
    assert [o.outcome for o in again.outcomes] == ["unchanged"]


def test_zips_of_activity_files_are_imported_member_by_member(
    database_url: str, corpus: Path, tmp_path: Path
) -> None:
    garmin = tmp_path / "12345678901.zip"  # Garmin Connect's "Export Original"
    with zipfile.ZipFile(garmin, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(corpus / "formats" / "garmin-fenix-5-run.fit", "12345678901_ACTIVITY.fit")
    other = tmp_path / "runs.zip"
    with zipfile.ZipFile(other, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(corpus / "formats" / "tomtom_run.gpx", "runs/tomtom_run.gpx")
        archive.write(corpus / "formats" / "run_garmin.tcx", "runs/run_garmin.tcx")
        archive.writestr("runs/readme.txt", "exported by another tool")
    photos = tmp_path / "photos.zip"
    with zipfile.ZipFile(photos, "w") as archive:
        archive.writestr("a.jpg", b"\xff\xd8")
    sessions = open_database(database_url)
    report = import_paths(sessions, SAM, [garmin, other, photos], now=NOW)
    outcomes = {o.path.removeprefix(f"{tmp_path.resolve()}/"): o.outcome for o in report.outcomes}
    assert outcomes["12345678901.zip!12345678901_ACTIVITY.fit"] == "imported"
    assert outcomes["runs.zip!runs/tomtom_run.gpx"] == "imported"
    assert outcomes["runs.zip!runs/run_garmin.tcx"] == "imported"
    assert outcomes["photos.zip"] == "not_activity"
    assert len(_activities(sessions)) == 3
    again = import_paths(sessions, SAM, [garmin, other, photos], now=NOW)
    assert {o.outcome for o in again.outcomes} == {"unchanged"}


def _session_only_fit(start: datetime, seconds: int, metres: float) -> bytes:
    writer = FitWriter()
    write_device(writer, start)
    writer.define(2, SESSION, SUMMARY_FIELDS)
    writer.message(
        2,
        [
            fit_time(start) + seconds,
            fit_time(start),
            1,
            0,
            seconds * 1000,
            seconds * 1000,
            round(metres * 100),
        ],
    )
    return writer.part()


def test_a_fit_with_a_session_but_no_records_is_a_manual_activity(database_url: str, tmp_path: Path) -> None:
    start = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
    (tmp_path / "manual.fit").write_bytes(_session_only_fit(start, 2700, 9000.0))
    sessions = open_database(database_url)
    [outcome] = import_paths(sessions, SAM, [tmp_path / "manual.fit"], now=NOW).outcomes
    assert outcome.outcome == "imported"
    [activity] = _activities(sessions).values()
    assert activity.manual and activity.sport_type == "Run" and activity.start_time == start
    assert (activity.distance_m, activity.moving_time_s, activity.elapsed_time_s) == (9000.0, 2700.0, 2700.0)


@pytest.mark.parametrize(
    ("stamp", "says"),
    [
        ("1970-01-01T00:00:00Z", "clock was wrong"),
        ("2024-05-01T07:00:00Z", "same time (2024-05-01T07:00:00Z)"),
    ],
)
def test_a_track_whose_points_share_one_timestamp_is_unusable(
    database_url: str, tmp_path: Path, stamp: str, says: str
) -> None:
    points = "".join(
        f'<trkpt lat="{52.5 + i * 1e-4}" lon="13.4"><time>{stamp}</time></trkpt>' for i in range(50)
    )
    (tmp_path / "frozen.gpx").write_text(
        '<?xml version="1.0"?><gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><type>running</type><trkseg>{points}</trkseg></trk></gpx>"
    )
    sessions = open_database(database_url)
    [outcome] = import_paths(sessions, SAM, [tmp_path / "frozen.gpx"], now=NOW).outcomes
    assert outcome.outcome == "unusable" and says in (outcome.reason or "")
    assert _activities(sessions) == {}


def test_reading_the_corpus_prints_no_library_warnings(
    corpus: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever a reader warns about goes to the debug log with the file's name, never to stderr."""
    import warnings

    from strainwatch.sources.files.importing import analyse
    from strainwatch.sources.files.importing.jobs import FileJob

    folder = tmp_path / "fits"
    folder.mkdir()
    for fit in sorted((corpus / "formats").glob("*.fit")) + sorted((corpus / "broken").glob("*.fit")):
        shutil.copy(fit, folder / fit.name)
    job = FileJob(
        record_path=str(folder / "sample-activity.fit"),
        file_path=str(folder / "sample-activity.fit"),
        size=0,
        mtime_ns=0,
    )
    original = analyse.parse_file

    def noisy(*args, **kwargs):  # type: ignore[no-untyped-def]
        warnings.warn("dev_data_index 0 not defined", UserWarning, stacklevel=1)  # what fitdecode says
        return original(*args, **kwargs)

    caplog.set_level(logging.DEBUG, logger="strainwatch.sources.files.importing.analyse")
    analyse.parse_file = noisy  # type: ignore[assignment]
    try:
        result = analyse.analyse(job)
    finally:
        analyse.parse_file = original  # type: ignore[assignment]
    assert result.problem is None and result.activities
    assert any(
        "sample-activity.fit" in r.getMessage() and "dev_data_index" in r.getMessage() for r in caplog.records
    )
    sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    import_paths(sessions, SAM, [folder], now=NOW, workers=2)
    assert "Warning" not in capfd.readouterr().err
