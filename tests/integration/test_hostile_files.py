"""Issue 17: every hostile or unlucky file ends as one line, and the good run beside it is stored.

The files are generated at test time (tests/support/hostile_files.py); the limits that would need
hundreds of megabytes to reach are lowered instead, so each test takes seconds.
"""

from __future__ import annotations

import math
import os
import shutil
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from strainwatch.config.settings import AthleteSettings
from strainwatch.safe_text import NAME_LIMIT, TEXT_LIMIT
from strainwatch.sources.files import gpx, tcx
from strainwatch.sources.files.importing import analyse as analyse_module
from strainwatch.sources.files.importing import discover, importer, workers
from strainwatch.sources.files.importing.importer import ImportReport, import_paths
from strainwatch.sources.files.settings import FileSourceSettings
from strainwatch.store.db import open_database
from strainwatch.store.models import Activity, ImportedFile
from tests.support.hostile_files import CASES, Case, run_gpx
from tests.support.paths import REPO

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SAM = AthleteSettings(id="sam", name="Sam", email="sam@example.org", timezone="Europe/Berlin")
GOOD = "00978fad-85f8-4f1c-be44-2b7146ccbf76.gpx"
RAW_TEXTS = ("Error:", "Error(", "Traceback", "surrogates", "errno")


@pytest.fixture(autouse=True)
def _small_point_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gpx, "MAX_POINTS", 50_000)
    monkeypatch.setattr(tcx, "MAX_POINTS", 50_000)


def _lines_about(report: ImportReport, path: Path) -> list[str]:
    shown = (
        discover.display_path(os.path.realpath(path)) if path.exists() else discover.display_path(str(path))
    )
    return [f"{o.outcome}: {o.reason}" for o in report.outcomes if o.path.split("!")[0] in (shown, str(path))]


def _check_stored(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions() as session:
        for activity in session.scalars(select(Activity)):
            for value in (activity.name, activity.gear, activity.device):
                assert value is None or len(value) <= NAME_LIMIT
                assert value is None or not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in value)
            for value in (activity.description, activity.private_note):
                assert value is None or len(value) <= TEXT_LIMIT
            for number in (activity.distance_m, activity.moving_time_s, activity.avg_hr, activity.ascent_m):
                assert number is None or math.isfinite(number)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_hostile_file_is_one_line_and_the_good_run_is_stored(
    case: Case, tmp_path: Path, corpus: Path
) -> None:
    folder = tmp_path / "watch"
    folder.mkdir()
    written = case.make(folder, False)
    shutil.copy(corpus / "runner-2020" / GOOD, folder / GOOD)
    sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    report = import_paths(sessions, SAM, [folder], now=NOW, workers=1)
    good = [o for o in report.outcomes if o.path.endswith(GOOD)]
    assert [o.outcome for o in good] == ["imported"]
    matching = [o for o in report.outcomes if o.outcome == case.outcome and case.reason in (o.reason or "")]
    assert matching, report.outcomes
    for outcome in report.outcomes:
        assert not any(raw in (outcome.reason or "") for raw in RAW_TEXTS), outcome
    for path in written:
        if path.is_symlink() and path.name == "back":
            continue  # a folder: named by the loop line
        assert any(o.path.split("!")[0].endswith(discover.display_path(path.name)) for o in report.outcomes)
    paths = [o.path for o in report.outcomes if "!" not in o.path]
    assert len(paths) == len(set(paths)), "a file named twice"
    _check_stored(sessions)
    # the next pass reads nothing again: every file is unchanged (loops are not files)
    again = import_paths(sessions, SAM, [folder], now=NOW, workers=1)
    assert {o.outcome for o in again.outcomes if "loop" not in (o.reason or "")} <= {"unchanged"}


def test_a_nul_in_a_csv_name_is_stored_on_every_database(database_url: str, tmp_path: Path) -> None:
    from tests.support.hostile_files import csv_nul_name

    csv_nul_name(tmp_path, False)
    sessions = open_database(database_url)
    report = import_paths(sessions, SAM, [tmp_path], now=NOW)
    assert [o.outcome for o in report.outcomes] == ["imported"]
    with sessions() as session:
        [activity] = session.scalars(select(Activity)).all()
    assert activity.name == "Nulname"


def test_a_flipping_longitude_is_not_a_26000_km_run(tmp_path: Path) -> None:
    from tests.support.hostile_files import longitude_flips

    longitude_flips(tmp_path, False)
    sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    import_paths(sessions, SAM, [tmp_path], now=NOW)
    with sessions() as session:
        [activity] = session.scalars(select(Activity)).all()
    assert 3_500 < activity.distance_m < 4_500  # 1,200 s north at 3.3 m/s


def test_names_lose_escapes_and_bidi_overrides(tmp_path: Path) -> None:
    from tests.support.hostile_files import terminal_escapes

    terminal_escapes(tmp_path, False)
    sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    import_paths(sessions, SAM, [tmp_path], now=NOW)
    with sessions() as session:
        [activity] = session.scalars(select(Activity)).all()
    assert activity.name == "Easy run red evil isolated"


@pytest.mark.slow
def test_every_case_in_one_folder_with_workers(tmp_path: Path, corpus: Path) -> None:
    """One bad file in the worker pool never loses the others."""
    folder = tmp_path / "watch"
    folder.mkdir()
    for index, case in enumerate(CASES):
        sub = folder / f"case{index:02d}"
        sub.mkdir()
        case.make(sub, False)
    goods = sorted((corpus / "runner-2020").glob("*.gpx"))[:3]
    for path in goods:
        shutil.copy(path, folder / path.name)
    sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    report = import_paths(sessions, SAM, [folder], now=NOW, workers=2)
    by_name = {Path(o.path).name: o for o in report.outcomes}
    assert [by_name[p.name].outcome for p in goods] == ["imported"] * 3
    for index, case in enumerate(CASES):
        mine = [o for o in report.outcomes if f"/case{index:02d}/" in o.path]
        assert any(o.outcome == case.outcome and case.reason in (o.reason or "") for o in mine), (
            case.name,
            mine,
        )
    _check_stored(sessions)


def _slow_analyse(job, time_limit=None):  # type: ignore[no-untyped-def]
    if job.record_path.endswith("hang.gpx"):
        import time

        time.sleep(3600)
    if job.record_path.endswith("crash.gpx"):
        os._exit(9)
    return analyse_module.analyse(job, time_limit)


def test_a_reader_that_hangs_or_dies_costs_only_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "analyse", _slow_analyse)
    monkeypatch.setattr(workers, "GRACE_S", 0.5)
    if workers.start_method() != "fork":
        pytest.skip("the replaced reader only reaches forked workers")
    for day in range(1, 9):
        (tmp_path / f"run{day}.gpx").write_text(run_gpx(day), encoding="utf-8")
    (tmp_path / "hang.gpx").write_text(run_gpx(20), encoding="utf-8")
    (tmp_path / "crash.gpx").write_text(run_gpx(21), encoding="utf-8")
    athlete = SAM.model_copy(update={"files": FileSourceSettings(time_limit=1)})
    sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    report = import_paths(sessions, athlete, [tmp_path], now=NOW, workers=2)
    by_name = {Path(o.path).name: o for o in report.outcomes}
    assert "abandoned: reading took longer than 1 s" in str(by_name["hang.gpx"].reason)
    assert "reader process died" in str(by_name["crash.gpx"].reason)
    assert [by_name[f"run{d}.gpx"].outcome for d in range(1, 9)] == ["imported"] * 8


def test_a_crash_while_reading_is_repeated_once_not_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outcome is recorded before reading: a file that took the process down is read
    once more on the next pass (the kill may have come from outside: a worker's SIGKILL, the
    OOM killer), and after a second crash on it never again; the files after it are read."""
    (tmp_path / "a_crash.gpx").write_text(run_gpx(1), encoding="utf-8")
    (tmp_path / "b_fine.gpx").write_text(run_gpx(2), encoding="utf-8")
    real = importer.analyse

    def crashing(job, time_limit=None):  # type: ignore[no-untyped-def]
        if job.record_path.endswith("a_crash.gpx"):
            raise KeyboardInterrupt  # stands for the process dying mid-read
        return real(job, time_limit)

    monkeypatch.setattr(importer, "analyse", crashing)
    sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    for _ in range(2):  # the first crash, and the one more read
        with pytest.raises(KeyboardInterrupt):
            import_paths(sessions, SAM, [tmp_path], now=NOW, workers=1)
    report = import_paths(sessions, SAM, [tmp_path], now=NOW, workers=1)
    by_name = {Path(o.path).name: o for o in report.outcomes}
    assert by_name["a_crash.gpx"].outcome == "unchanged"
    assert "stopped while reading this file (a crash, or out of memory), twice" in str(
        by_name["a_crash.gpx"].reason
    )
    assert by_name["b_fine.gpx"].outcome == "imported"


def test_a_file_read_when_the_process_was_killed_is_imported_on_the_next_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "run.gpx").write_text(run_gpx(1), encoding="utf-8")
    real = importer.analyse
    kills = [1]

    def killed_once(job, time_limit=None):  # type: ignore[no-untyped-def]
        if kills:
            kills.pop()
            raise KeyboardInterrupt  # stands for a SIGKILL from outside mid-read
        return real(job, time_limit)

    monkeypatch.setattr(importer, "analyse", killed_once)
    sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with pytest.raises(KeyboardInterrupt):
        import_paths(sessions, SAM, [tmp_path], now=NOW, workers=1)
    [outcome] = import_paths(sessions, SAM, [tmp_path], now=NOW, workers=1).outcomes
    assert (outcome.outcome, outcome.retried) == ("imported", discover.RETRY_CRASHED)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_a_file_that_becomes_readable_is_retried(tmp_path: Path) -> None:
    locked = tmp_path / "locked.gpx"
    locked.write_text(run_gpx(3), encoding="utf-8")
    locked.chmod(0)
    sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    [first] = import_paths(sessions, SAM, [tmp_path], now=NOW).outcomes
    assert (first.outcome, first.reason) == ("failed", "cannot read: Permission denied")
    [second] = import_paths(sessions, SAM, [tmp_path], now=NOW).outcomes
    assert second.outcome == "unchanged"
    locked.chmod(stat.S_IRUSR | stat.S_IWUSR)
    [third] = import_paths(sessions, SAM, [tmp_path], now=NOW).outcomes
    assert (third.outcome, third.retried) == ("imported", discover.RETRY_READABLE)


def test_an_upgrade_retries_what_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "odd.gpx").write_text("<gpx", encoding="utf-8")
    sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert import_paths(sessions, SAM, [tmp_path], now=NOW).outcomes[0].outcome == "failed"
    assert import_paths(sessions, SAM, [tmp_path], now=NOW).outcomes[0].outcome == "unchanged"
    monkeypatch.setattr(discover, "FAILED_MARK", "v99.0")
    [outcome] = import_paths(sessions, SAM, [tmp_path], now=NOW).outcomes
    assert (outcome.outcome, outcome.retried) == ("failed", discover.RETRY_UPGRADED)


def test_an_unreadable_folder_is_reported(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root lists every folder")
    (tmp_path / "closed").mkdir(mode=0)
    (tmp_path / "run.gpx").write_text(run_gpx(4), encoding="utf-8")
    sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    report = import_paths(sessions, SAM, [tmp_path], now=NOW)
    reasons = {Path(o.path).name: o.reason for o in report.outcomes}
    assert reasons["closed"] == "cannot read this folder: Permission denied"
    (tmp_path / "closed").chmod(0o700)


_MEMORY_PROBE = """
import resource, sys
sys.path.insert(0, {repo!r})
from pathlib import Path
from strainwatch.sources.files.importing.analyse import analyse
from strainwatch.sources.files.importing.jobs import FileJob
from tests.support import hostile_files
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
folder = Path(sys.argv[1])
[path] = getattr(hostile_files, {case!r})(folder, False)
{tweak}
st = path.stat()
result = analyse(FileJob(str(path), str(path), st.st_size, st.st_mtime_ns))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(result.problem, (after - before) // 1024, result.reason, sep="|")
"""


@pytest.mark.parametrize(
    ("case", "tweak", "problem"),
    [
        ("gz_blanks", "", "failed"),  # 200 MB of blanks from 200 kB
        ("csv_bomb", "", "failed"),  # a 100 MB CSV from 100 kB
        ("outside_segments", "", "None"),  # 30,000 points outside <trkseg>
        ("many_elements_in_a_point", "", "failed"),
    ],
)
def test_memory_stays_bounded(case: str, tweak: str, problem: str, tmp_path: Path) -> None:
    probe = _MEMORY_PROBE.format(repo=str(REPO), case=case, tweak=tweak)
    if case == "csv_bomb":
        probe = probe.replace(
            "result = analyse(FileJob(str(path), str(path), st.st_size, st.st_mtime_ns))",
            "from strainwatch.sources.files.importing.discover import plan_import\n"
            "plan = plan_import([path], {})\n"
            "class R: pass\n"
            "result = R(); result.problem = plan.settled[0].problem; result.reason = plan.settled[0].reason",
        )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, timeout=120, check=True
    )
    outcome, grown_mb, reason = done.stdout.strip().split("|")
    assert outcome == problem, reason
    assert int(grown_mb) < 60, f"{case}: {grown_mb} MB"


def test_foreign_and_newer_databases_are_refused_untouched(tmp_path: Path) -> None:
    import hashlib
    import sqlite3

    from strainwatch.errors import StoreError
    from strainwatch.store.db import NEWER_SCHEMA

    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    before = hashlib.sha256(foreign.read_bytes()).hexdigest()
    with pytest.raises(StoreError, match="tables strainwatch did not create"):
        open_database(f"sqlite:///{foreign}")
    assert hashlib.sha256(foreign.read_bytes()).hexdigest() == before

    ours = tmp_path / "ours.db"
    sessions = open_database(f"sqlite:///{ours}")
    with sessions() as session, session.begin():
        session.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
    with pytest.raises(StoreError) as refused:
        open_database(f"sqlite:///{ours}")
    assert refused.value.what == NEWER_SCHEMA


def test_a_tilde_in_a_sqlite_url_is_the_home_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    open_database("sqlite:///~/sw/x.db")
    assert (tmp_path / "sw" / "x.db").is_file()
    assert not (tmp_path / "~").exists()


def test_stored_records_keep_the_failure_mark(tmp_path: Path) -> None:
    (tmp_path / "bad.gpx").write_bytes(b"")
    sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    import_paths(sessions, SAM, [tmp_path], now=NOW)
    with sessions() as session:
        [record] = session.scalars(select(ImportedFile)).all()
    assert (record.status, record.sha256) == ("failed", analyse_module.FAILED_MARK)


def test_a_server_that_never_answers_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """It accepts the connection, then says nothing: every command used to hang."""
    import socket
    import time

    from strainwatch.errors import StoreError
    from strainwatch.store import db

    monkeypatch.setattr(db, "CONNECT_TIMEOUT_S", 2)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(StoreError, match="cannot open the database"):
            open_database(f"postgresql://nobody@127.0.0.1:{port}/x")
        assert time.monotonic() - started < 30


def test_a_file_past_its_time_limit_is_abandoned_in_process() -> None:
    import io

    from strainwatch.errors import ActivityFileError
    from strainwatch.sources.files.activity_files import parse_stream
    from strainwatch.sources.files.limits import ReadLimits

    expired = ReadLimits(deadline=0.0, time_limit_s=3)
    with pytest.raises(ActivityFileError, match="abandoned: reading took longer than 3 s"):
        parse_stream(io.BytesIO(run_gpx(5).encode()), "x.gpx", limits=expired)


def test_a_replaced_export_is_read_anew_in_the_same_process(tmp_path: Path) -> None:
    """The open-zip cache (O(1) members) must not serve the old export to the next pass."""
    from tests.support.hostile_files import CSV_HEADER, _export

    path = tmp_path / "export.zip"
    row = "7001,x,{},Run,,activities/7001.gpx\n"
    member = {"activities/7001.gpx": run_gpx(6).encode()}
    _export(path, (CSV_HEADER + row.format("first")).encode(), member)
    sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    import_paths(sessions, SAM, [path], now=NOW)
    _export(
        path,
        (CSV_HEADER + row.format("second")).encode(),
        {"activities/7001.gpx": (run_gpx(6, n=1200)).encode()},
    )
    os.utime(path, ns=(1, 1))
    [outcome] = import_paths(sessions, SAM, [path], now=NOW).outcomes
    assert outcome.outcome == "updated"
    with sessions() as session:
        [activity] = session.scalars(select(Activity)).all()
    assert activity.name == "second"
    assert activity.distance_m > 3_500  # the new member's 1,200 points, not the old one's 600
