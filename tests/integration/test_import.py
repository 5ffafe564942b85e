"""The import pipeline against real files and real databases."""

from __future__ import annotations

import gzip
import os
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from strainwatch.config.settings import AthleteSettings
from strainwatch.sources.files.importing.importer import import_paths
from strainwatch.store.db import open_database
from strainwatch.store.models import Activity, ImportedFile

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SAM = AthleteSettings(id="sam", name="Sam", email="sam@example.org", timezone="Europe/Berlin")


def _count(sessions, model=Activity) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_whole_corpus_then_nothing_changed(database_url: str, corpus: Path) -> None:
    sessions = open_database(database_url)
    report = import_paths(sessions, SAM, [corpus], now=NOW, workers=2)
    by_name = {Path(o.path).name: o for o in report.outcomes}
    runner = [o for o in report.outcomes if "/runner-2020/" in o.path]
    assert len(runner) == 68
    # every run is stored once: nike_run.gpx is byte-for-byte one of the runner's files, and
    # five of the December TCX files are recordings of the same runs as the runner's GPX of
    # those days (overlapping by more than half; their starts and distances differ)
    assert {o.outcome for o in runner} == {"imported", "duplicate"}
    duplicates = {Path(o.path).name: o.reason for o in runner if o.outcome == "duplicate"}
    assert len(duplicates) == 6
    assert all("/formats/" in str(reason) for reason in duplicates.values())
    assert "nike_run.gpx" in str(duplicates["0c97d8a7-8081-4609-b92c-5932468d7b8e.gpx"])
    assert by_name["Settings.fit"].outcome == "not_activity"
    assert by_name["gpxpy_route.gpx"].outcome == "not_activity"
    assert by_name["berlin_0.9km.gpx"].outcome == "unusable"
    for broken in (
        "activity-filecrc.fit",
        "activity-activity-filecrc.fit",
        "malformed_namespace.tcx",
    ):
        assert by_name[broken].outcome == "failed" and by_name[broken].reason
    assert by_name["strava_export_12866632127.fit.gz"].outcome in ("imported", "duplicate")
    assert {
        by_name["strava_export_12866632127.fit.gz"].outcome,
        by_name["laufen_landal_park.fit"].outcome,
    } == {"imported", "duplicate"}
    assert (
        by_name["activity-unexpected-eof.fit"].partial
        or by_name["activity-unexpected-eof.fit"].outcome == "duplicate"
    )
    stored = _count(sessions)
    # a duplicate file's run is stored too, linked to the recording that counts
    assert stored == sum(o.activities for o in report.outcomes if o.outcome in ("imported", "duplicate"))
    with sessions() as session:
        counted = session.scalar(
            select(func.count()).select_from(Activity).where(Activity.duplicate_of.is_(None))
        )
    assert counted == sum(o.activities for o in report.outcomes if o.outcome == "imported")

    again = import_paths(sessions, SAM, [corpus], now=NOW)
    assert {o.outcome for o in again.outcomes} == {"unchanged"}
    assert len(again.outcomes) == len(report.outcomes)
    failing = {Path(o.path).name for o in again.still_failing}
    assert failing == {
        "activity-filecrc.fit",
        "activity-activity-filecrc.fit",
        "malformed_namespace.tcx",
    }
    assert _count(sessions) == stored


def test_changed_file_is_reimported_in_place(database_url: str, corpus: Path, tmp_path: Path) -> None:
    sessions = open_database(database_url)
    target = tmp_path / "run.gpx"
    shutil.copy(corpus / "formats" / "strava_stopped_example.gpx", target)
    assert import_paths(sessions, SAM, [tmp_path], now=NOW).outcomes[0].outcome == "imported"
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("Ciclofaixa Recife Antigo", "Renamed run"), encoding="utf-8")
    os.utime(target, ns=(1, 1))
    [outcome] = import_paths(sessions, SAM, [tmp_path], now=NOW).outcomes
    assert outcome.outcome == "updated"
    with sessions() as session:
        [activity] = session.scalars(select(Activity)).all()
        assert activity.name and activity.name.startswith("Renamed run")
    # touched but identical: recognised by hash, not re-imported
    os.utime(target, ns=(2, 2))
    assert import_paths(sessions, SAM, [tmp_path], now=NOW).outcomes[0].outcome == "unchanged"


def _make_export(path: Path, corpus: Path) -> None:
    header = (
        "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,"
        "Distance,Activity Private Note,Activity Gear,Filename"
    )
    rows = [
        '5001,"Jan 10, 2021",Sunday long run,TrailRun,"long, easy",4487,12.6,calf tight,Pegasus 40,activities/5001.gpx.gz',
        '5002,"May 29, 2022",Park,Run,,1411,3.3,,,activities/5002.fit.gz',
        '5003,"May 30, 2022",Treadmill,Run,,1800,5.0,,,',
    ]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("export_1/activities.csv", header + "\n" + "\n".join(rows) + "\n")
        gpx = (corpus / "formats" / "strava_stopped_example.gpx").read_bytes()
        archive.writestr("export_1/activities/5001.gpx.gz", gzip.compress(b"  \n" + gpx))
        archive.writestr(
            "export_1/activities/5002.fit.gz",
            (corpus / "formats" / "strava_export_12866632127.fit.gz").read_bytes(),
        )


def test_strava_export_and_the_same_run_as_a_file_are_stored_once(
    database_url: str, corpus: Path, tmp_path: Path
) -> None:
    sessions = open_database(database_url)
    export = tmp_path / "export.zip"
    _make_export(export, corpus)
    report = import_paths(sessions, SAM, [export], now=NOW)
    outcomes = {o.path.rsplit("!", 1)[-1]: o for o in report.outcomes}
    assert outcomes["export_1/activities/5001.gpx.gz"].outcome == "imported"
    assert outcomes["export_1/activities/5002.fit.gz"].outcome == "imported"
    assert outcomes["activity 5003"].outcome == "imported"  # a manual entry: imported from its figures
    with sessions() as session:
        run = session.scalars(select(Activity).where(Activity.external_id == "5001")).one()
        assert (run.source, run.name, run.private_note, run.gear) == (
            "strava_export",
            "Sunday long run",
            "calf tight",
            "Pegasus 40",
        )
        assert run.description == "long, easy"
        assert run.sport_type == "Run"  # the file says 9 (Run): the file wins over the CSV
        manual = session.scalars(select(Activity).where(Activity.external_id == "5003")).one()
        assert (manual.manual, manual.distance_m, manual.elapsed_time_s, manual.name) == (
            True,
            5000.0,
            1800.0,
            "Treadmill",
        )
        assert manual.start_time == datetime(2022, 5, 30, tzinfo=UTC) and manual.sport_type == "Run"
    # the original watch file of run 5002 arrives later from another folder
    folder = tmp_path / "watch"
    folder.mkdir()
    shutil.copy(corpus / "formats" / "laufen_landal_park.fit", folder)
    [outcome] = import_paths(sessions, SAM, [folder], now=NOW).outcomes
    # it has the heart rate the export's copy lacks: the better recording counts, the export's
    # is linked as its duplicate (one run, whichever came first)
    assert outcome.outcome == "imported" and "now its duplicate" in (outcome.reason or "")
    assert _count(sessions) == 4
    with sessions() as session:
        watch = session.scalars(select(Activity).where(Activity.source == "file")).one()
        exported = session.scalars(select(Activity).where(Activity.external_id == "5002")).one()
        assert watch.avg_hr is not None and exported.duplicate_of == watch.id and watch.duplicate_of is None
    again = import_paths(sessions, SAM, [folder], now=NOW).outcomes
    assert [o.outcome for o in again] == ["unchanged"]
    # the unchanged zip is skipped whole
    assert [o.outcome for o in import_paths(sessions, SAM, [export], now=NOW).outcomes] == ["unchanged"]


def test_dry_run_stores_nothing(database_url: str, corpus: Path) -> None:
    sessions = open_database(database_url)
    report = import_paths(sessions, SAM, [corpus / "formats" / "run_garmin.tcx"], now=NOW, dry_run=True)
    assert report.outcomes[0].outcome == "imported"
    assert _count(sessions) == 0
    assert _count(sessions, ImportedFile) == 0


def test_a_dry_run_still_sees_another_file_of_the_same_run(
    database_url: str, corpus: Path, tmp_path: Path
) -> None:
    """Nothing is stored, yet the second copy of a run is said to be its duplicate, and the
    next real import starts from an empty store."""
    import shutil

    sessions = open_database(database_url)
    for name in ("a.tcx", "b.tcx"):
        shutil.copy(corpus / "formats" / "run_garmin.tcx", tmp_path / name)
    report = import_paths(sessions, SAM, [tmp_path], now=NOW, dry_run=True, workers=1)
    assert [(Path(o.path).name, o.outcome) for o in report.outcomes] == [
        ("a.tcx", "imported"),
        ("b.tcx", "duplicate"),
    ]
    assert "another file" in (report.outcomes[1].reason or "")
    assert _count(sessions) == 0
    real = import_paths(sessions, SAM, [tmp_path], now=NOW, workers=1)
    assert [o.outcome for o in real.outcomes] == ["imported", "duplicate"]
    assert "activity " in (real.outcomes[1].reason or "")


def test_one_bad_file_does_not_stop_the_rest(database_url: str, corpus: Path, tmp_path: Path) -> None:
    sessions = open_database(database_url)
    (tmp_path / "a_zero.gpx").write_bytes(b"")
    (tmp_path / "b_truncated.fit.gz").write_bytes(gzip.compress(b"x" * 1000)[:20])
    (tmp_path / "c_doctype.gpx").write_text('<!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]><gpx/>')
    locked = tmp_path / "d_locked.gpx"
    shutil.copy(corpus / "formats" / "tomtom_run.gpx", locked)
    locked.chmod(0)
    shutil.copy(corpus / "formats" / "run_garmin.tcx", tmp_path / "e_good.tcx")
    report = import_paths(sessions, SAM, [tmp_path], now=NOW)
    reasons = {Path(o.path).name: (o.outcome, o.reason) for o in report.outcomes}
    assert reasons["a_zero.gpx"] == ("failed", "empty file")
    assert reasons["b_truncated.fit.gz"][0] == "failed"
    assert "DTD" in str(reasons["c_doctype.gpx"][1])
    if os.geteuid() != 0:  # root reads everything
        assert reasons["d_locked.gpx"] == ("failed", "cannot read: Permission denied")
    assert reasons["e_good.tcx"][0] == "imported"
    assert _count(sessions) >= 1


def test_result_does_not_depend_on_workers(tmp_path: Path, corpus: Path) -> None:
    results = []
    for workers in (1, 2):
        sessions = open_database(f"sqlite:///{tmp_path / f'w{workers}.db'}")
        report = import_paths(sessions, SAM, [corpus / "runner-2020"], now=NOW, workers=workers)
        assert [o.outcome for o in report.outcomes].count("imported") == 68
        with sessions() as session:
            results.append(
                {
                    Path(a.external_id).name: (a.distance_m, a.moving_time_s, a.gap_s_per_km)
                    for a in session.scalars(select(Activity))
                }
            )
    assert results[0] == results[1]
