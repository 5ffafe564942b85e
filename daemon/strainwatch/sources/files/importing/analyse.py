"""The worker side of an import: read one file and compute its metrics, touch no database."""

from __future__ import annotations

import errno
import gc
import hashlib
import logging
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import BinaryIO, cast

from strainwatch import __version__
from strainwatch.domain import DeviceSummary, ParsedActivity, Track
from strainwatch.errors import ActivityFileError, NotAnActivity, UnusableActivity
from strainwatch.metrics.activity import compute_metrics
from strainwatch.sources.files.activity_files import open_regular, parse_file, parse_stream
from strainwatch.sources.files.importing.jobs import AnalysedActivity, FileAnalysis, FileJob
from strainwatch.sources.files.limits import ReadLimits
from strainwatch.sources.files.strava_export import ExportRow, open_member
from strainwatch.sources.files.timestamps import plausible_epoch
from strainwatch.sport_types import normalize_sport

log = logging.getLogger(__name__)
_HASH_CHUNK = 1 << 20

# The fingerprint stored for a file that could not be imported: the version that tried,
# "+perm" when permissions were the problem, "+crashed" when the process reading it stopped
# for the first time. An unchanged file is read again only after an upgrade, once it has
# become readable, or once after a first crash (a killed worker; a file that takes the
# reader down twice is left alone).
FAILED_MARK = f"v{__version__}"
PERMISSION_MARK = "+perm"
CRASH_MARK = "+crashed"


class _ReadRefused(ActivityFileError):
    """The file could not be opened: `permission` when access was denied."""

    def __init__(self, what: str, *, permission: bool) -> None:
        super().__init__(what)
        self.permission = permission


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    try:
        with open_regular(path) as handle:
            while chunk := handle.read(_HASH_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        denied = exc.errno in (errno.EACCES, errno.EPERM)
        raise _ReadRefused(f"cannot read: {exc.strerror or exc}", permission=denied) from None
    return digest.hexdigest()


_archive: tuple[tuple[str, int], zipfile.ZipFile] | None = None


def _zip(path: str, mtime_ns: int) -> zipfile.ZipFile:
    """The export this process read last, kept open: opening a zip parses its whole
    directory, so reopening it per member made a 100,000-member export quadratic. Keyed by
    modification time too, so a replaced export is never read through the old one."""
    global _archive  # noqa: PLW0603 - a one-entry cache per process
    key = (path, mtime_ns)
    if _archive is None or _archive[0] != key:
        forget_archive()
        _archive = (key, zipfile.ZipFile(path))
    return _archive[1]


def forget_archive() -> None:
    global _archive  # noqa: PLW0603
    if _archive is not None:
        _archive[1].close()
        _archive = None


def _usable_times(read: ParsedActivity) -> None:
    """A track whose points all carry one timestamp (GPX files with every point at
    1970-01-01T00:00:00Z exist) has no timing at all: unusable for load, not a zero-second
    run. Checked here, where parsed tracks become activities, for every format alike."""
    times = read.track.time
    if len(times) >= 2 and min(times) == max(times):
        when = read.start_time.strftime("%Y-%m-%dT%H:%M:%SZ")
        raise UnusableActivity(
            f"all {len(times):,} points carry the same time ({when}): the recording has no timing, "
            "so it cannot be counted as training load"
        )


def _read(job: FileJob, limits: ReadLimits) -> tuple[str, list[AnalysedActivity]]:
    if job.member is None and job.export_row is not None:  # a row of activities.csv without a file
        return job.fingerprint or "", [_manual_row(job, job.export_row)]
    if job.member is not None:
        fingerprint = job.fingerprint or ""
        try:
            with open_member(_zip(job.file_path, job.mtime_ns), job.member, limits) as stream:
                parsed = parse_stream(cast("BinaryIO", stream), job.key, job.member, limits=limits)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ActivityFileError(f"cannot read from the zip ({type(exc).__name__})") from None
    else:
        fingerprint = file_sha256(job.file_path)
        parsed = parse_file(job.file_path, job.key, limits)
    analysed = []
    for read in parsed:
        _usable_times(read)
        if not plausible_epoch(read.start_time.timestamp()):
            raise UnusableActivity(
                f"starts in the year {read.start_time.year}: the recording device's clock was wrong"
            )
        limits.check_time()
        sport = read.sport_type or (normalize_sport(job.export_row.sport_type) if job.export_row else None)
        metrics = compute_metrics(
            read.track, read.summary, sport_type=sport, cleaning=job.cleaning, keep=job.crop
        )
        activity = replace(read, track=Track())
        row = job.export_row
        if row is not None:
            activity = replace(
                activity,
                name=row.name or activity.name,
                description=row.description or activity.description,
                private_note=row.private_note,
                gear=row.gear,
                sport_type=activity.sport_type or normalize_sport(row.sport_type),
                raw={**activity.raw, "strava_export": {"activity_id": row.activity_id}},
            )
        analysed.append(AnalysedActivity(activity, metrics))
    return fingerprint, analysed


def _manual_row(job: FileJob, row: ExportRow) -> AnalysedActivity:
    """A manual entry of a Strava export (a treadmill run typed in, a forgotten watch): its
    distance and time from activities.csv, flagged manual so it never counts as a spike."""
    if row.start_time is None:
        raise NotAnActivity("manual entry without a date Strava's export could be read by: not imported")
    if not (row.distance_m or row.elapsed_time_s or row.moving_time_s):
        raise NotAnActivity("manual entry without distance or time: not imported")
    if not plausible_epoch(row.start_time.timestamp()):
        raise UnusableActivity(f"a manual entry dated {row.start_time.year}: not imported")
    parsed = ParsedActivity(
        external_id=job.key,
        start_time=row.start_time,
        track=Track(),
        sport_type=normalize_sport(row.sport_type),
        name=row.name,
        description=row.description,
        private_note=row.private_note,
        gear=row.gear,
        manual=True,
        summary=DeviceSummary(row.distance_m, row.moving_time_s or row.elapsed_time_s, row.elapsed_time_s),
        raw={"format": "strava_export_row", "strava_export": {"activity_id": row.activity_id}},
    )
    return AnalysedActivity(parsed, compute_metrics(parsed.track, parsed.summary))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Parsing allocates hundreds of thousands of short-lived, acyclic objects; each of
    them counts towards a cyclic-GC pass over every object the process holds (SQLAlchemy,
    pydantic …). Reference counting frees them all, so the passes are pure overhead:
    about a third of the import time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _log_warnings(job: FileJob, caught: list[warnings.WarningMessage]) -> None:
    """What libraries warn about while reading (fitdecode's `dev_data_index … not defined`)
    is of no use on the user's terminal: it goes to the debug log, named by its file."""
    for warning in caught:
        log.debug("%s: %s: %s", job.record_path, warning.category.__name__, warning.message)


def failed(job: FileJob, reason: str, *, permission: bool = False, crashed: bool = False) -> FileAnalysis:
    """A failure as data, marked so that only an upgrade or new permissions retry it (or,
    `crashed`, one more read)."""
    suffix = (PERMISSION_MARK if permission else "") + (CRASH_MARK if crashed else "")
    mark = job.fingerprint or FAILED_MARK + suffix
    return FileAnalysis(job, mark, problem="failed", reason=reason)


def analyse(job: FileJob, time_limit: float | None = None) -> FileAnalysis:
    """Never raises for bad input: the problem comes back as data, named for the user."""
    limits = ReadLimits.for_seconds(time_limit)
    mark = job.fingerprint or FAILED_MARK
    try:
        with _gc_paused(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fingerprint, activities = _read(job, limits)
            finally:
                _log_warnings(job, caught)
    except NotAnActivity as exc:
        return FileAnalysis(job, mark, problem="not_activity", reason=str(exc))
    except UnusableActivity as exc:
        return FileAnalysis(job, mark, problem="unusable", reason=str(exc))
    except _ReadRefused as exc:
        return failed(job, str(exc), permission=exc.permission)
    except ActivityFileError as exc:
        return failed(job, str(exc))
    except MemoryError:
        return failed(job, "refused: reading it needed more memory than this machine has")
    except Exception as exc:
        log.debug("unexpected error reading %s", job.record_path, exc_info=True)
        return failed(
            job, f"unreadable: damaged, or in a form strainwatch cannot read ({type(exc).__name__})"
        )
    return FileAnalysis(job, fingerprint, activities)
