"""Every file of the corpus, read as the importer reads it: the right activities or a clear reason."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import gpxpy
import pytest

from strainwatch.errors import ActivityFileError, NotAnActivity, UnusableActivity
from strainwatch.metrics.activity import compute_metrics
from strainwatch.metrics.cleaning import CleaningLimits
from strainwatch.sources.files.activity_files import parse_file, parse_stream
from strainwatch.sources.files.strava_export import read_export_index

RAW = CleaningLimits(enabled=False)


def test_every_runner_2020_distance_is_within_one_percent_of_gpxpy(corpus: Path) -> None:
    files = sorted((corpus / "runner-2020").glob("*.gpx"))
    assert len(files) == 68
    for path in files:
        [activity] = parse_file(str(path))
        # the reader against gpxpy on the whole track; what cleaning leaves out is test_cleaning's
        ours = compute_metrics(activity.track, activity.summary, cleaning=RAW).distance_m
        with path.open(encoding="utf-8") as handle:
            reference = gpxpy.parse(handle).length_2d()
        assert abs(ours - reference) <= 0.01 * reference, path.name


@pytest.mark.parametrize(
    ("name", "sport", "count"),
    [
        ("runpandas-fr645m-run.fit", "Run", 1),
        ("garmin-fenix-5-walk.fit", "Walk", 1),
        ("garmin-edge-500-activity.fit", "Ride", 1),
        ("activity-large-fenxi2-multisport.fit", None, 4),  # transitions left out
        ("strava_export_12866632127.fit.gz", "Run", 1),
        ("run_garmin.tcx", "Run", 1),
        ("2020-12-02T06_08_29-300_Running.tcx", "Run", 1),
        ("strava_stopped_example.gpx", "Run", 1),
        ("tomtom_run.gpx", None, 1),
    ],
)
def test_formats(corpus: Path, name: str, sport: str | None, count: int) -> None:
    activities = parse_file(str(corpus / "formats" / name))
    assert len(activities) == count
    if sport is not None:
        assert activities[0].sport_type == sport
    for activity in activities:
        m = compute_metrics(activity.track, activity.summary)
        assert m.distance_m > 0 and m.moving_time_s > 0
        assert activity.start_time.tzinfo is not None


def test_fit_device_distance_and_gzip_twin_agree(corpus: Path) -> None:
    [plain] = parse_file(str(corpus / "formats" / "laufen_landal_park.fit"))
    [packed] = parse_file(str(corpus / "formats" / "strava_export_12866632127.fit.gz"))
    assert plain.start_time == packed.start_time
    a = compute_metrics(plain.track, plain.summary)
    b = compute_metrics(packed.track, packed.summary)
    assert a.distance_m == pytest.approx(b.distance_m, rel=0.02)
    assert a.distance_m == pytest.approx(3323, abs=5)  # the session's total_distance


def test_multisport_sessions_have_their_own_sports(corpus: Path) -> None:
    activities = parse_file(str(corpus / "formats" / "activity-large-fenxi2-multisport.fit"))
    assert [a.sport_type for a in activities] == ["Workout", "Run", "Run", "Ride"]
    assert len({a.external_id for a in activities}) == 4
    starts = [a.start_time for a in activities]
    assert starts == sorted(starts)


@pytest.mark.parametrize(
    ("folder", "name", "error", "reason"),
    [
        ("formats", "Settings.fit", NotAnActivity, "settings file"),
        ("formats", "berlin_0.9km.fit", NotAnActivity, "course file"),
        ("formats", "gpxpy_route.gpx", NotAnActivity, "planned route"),
        ("formats", "berlin_0.9km.gpx", UnusableActivity, "no timestamps"),
        (
            "formats",
            "gpxpy_gpx1.0_with_all_fields.gpx",
            UnusableActivity,
            "single timestamped point",
        ),
        ("broken", "activity-filecrc.fit", ActivityFileError, "checksum mismatch"),
        ("broken", "activity-activity-filecrc.fit", ActivityFileError, "checksum mismatch"),
        ("broken", "malformed_namespace.tcx", ActivityFileError, "unbound prefix"),
    ],
)
def test_files_that_are_refused_say_why(
    corpus: Path, folder: str, name: str, error: type[Exception], reason: str
) -> None:
    with pytest.raises(error, match=reason):
        parse_file(str(corpus / folder / name))


def test_truncated_fit_keeps_what_was_read_and_says_so(corpus: Path) -> None:
    [activity] = parse_file(str(corpus / "broken" / "activity-unexpected-eof.fit"))
    assert activity.partial_reason and "file ends early" in activity.partial_reason
    [strava] = parse_file(str(corpus / "broken" / "strava-android-app-201.10-b1218918.fit"))
    assert strava.partial_reason and "kept the 473 records" in strava.partial_reason


def test_garbage_after_a_complete_fit_activity_is_only_a_note(corpus: Path) -> None:
    for name in ("activity-settings-corruptheader.fit", "activity-settings-nodata.fit"):
        [activity] = parse_file(str(corpus / "broken" / name))
        assert activity.partial_reason is None
        assert activity.raw["note"]


def test_zero_byte_and_unreadable_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.gpx"
    empty.write_bytes(b"")
    with pytest.raises(ActivityFileError, match="empty file"):
        parse_file(str(empty))
    with pytest.raises(ActivityFileError, match="cannot read"):
        parse_file(str(tmp_path / "missing.gpx"))


def test_truncated_gzip(corpus: Path, tmp_path: Path) -> None:
    data = gzip.compress((corpus / "formats" / "run_garmin.tcx").read_bytes())
    cut = tmp_path / "cut.tcx.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ActivityFileError, match="compressed file ends early"):
        parse_file(str(cut))


def _export(tmp_path: Path, corpus: Path, header: str, rows: list[str]) -> zipfile.ZipFile:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("activities.csv", "\ufeff" + header + "\n" + "\n".join(rows) + "\n")
        gpx = (corpus / "formats" / "strava_stopped_example.gpx").read_bytes()
        archive.writestr("activities/111.gpx", b"\n   " + gpx)  # blanks before <?xml, as Strava does
        archive.writestr(
            "activities/222.fit.gz",
            (corpus / "formats" / "strava_export_12866632127.fit.gz").read_bytes(),
        )
    return zipfile.ZipFile(path)


ENGLISH = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,"
    "Distance,Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,Filename,"
    "Elapsed Time,Distance"
)
GERMAN = (
    "Aktivitäts-ID,Datum der Aktivität,Name der Aktivität,Aktivitätsart,Beschreibung der Aktivität,"
    "Verstrichene Zeit,Distanz,Max. Herzfrequenz,Relative Effort,Pendeln,Private Notiz zur Aktivität,"
    "Aktivitätsausrüstung,Dateiname,Verstrichene Zeit,Distanz"
)


@pytest.mark.parametrize("header", [ENGLISH, GERMAN], ids=["english", "german"])
def test_export_index_in_any_language(tmp_path: Path, corpus: Path, header: str) -> None:
    rows = [
        '111,"Jan 10, 2021, 8:54:28 AM",Morning <b>run</b>,Run,"Easy, hills",4487,12.6,,,false,calf tight,Pegasus 40,activities/111.gpx,4487,12595',
        '222,"May 29, 2022, 3:53:35 PM",Park,Run,,1411,3.3,,,false,,,activities/222.fit.gz,1411,3323',
        '333,"May 30, 2022, 3:53:35 PM",Treadmill,Run,,1800,5.0,,,false,,,,1800,5000',
    ]
    archive = _export(tmp_path, corpus, header, rows)
    index = read_export_index(archive)
    assert [r.activity_id for r in index] == ["111", "222", "333"]
    first = index[0]
    assert (first.name, first.description, first.private_note, first.gear) == (
        "Morning <b>run</b>",
        "Easy, hills",
        "calf tight",
        "Pegasus 40",
    )
    assert first.filename == "activities/111.gpx"
    assert index[2].filename is None
    with archive.open("activities/111.gpx") as stream:
        [activity] = parse_stream(stream, "111", "activities/111.gpx")  # type: ignore[arg-type]
    assert len(activity.track) > 1000


def test_zip_without_index_is_not_an_export(tmp_path: Path) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", "x")
    with pytest.raises(ActivityFileError, match="not a Strava bulk export"):
        read_export_index(zipfile.ZipFile(path))


def test_stream_without_name_is_sniffed(corpus: Path) -> None:
    data = (corpus / "formats" / "run_garmin.tcx").read_bytes()
    [activity] = parse_stream(io.BytesIO(data), "anything")
    assert activity.sport_type == "Run"
