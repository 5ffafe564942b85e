"""Turn configured paths into import jobs, skipping what is unchanged since last time.

A file whose size and modification time match its record is skipped without being opened:
that is what makes a re-scan of thousands of files take a fraction of a second. A file
that failed is read again, although unchanged, once strainwatch has been upgraded (a newer
reader may manage) or, when access was denied, once it has become readable.

Only regular files are ever opened: FIFOs, devices and sockets are named and skipped on
their `stat`, before any `open()` could block. Folders are walked by hand, following
symbolic links but never into a folder already being walked, so a link loop is reported,
not followed forever; a folder that cannot be listed is reported too.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from strainwatch.errors import ActivityFileError, NotAnActivity
from strainwatch.safe_text import clean_line
from strainwatch.sources.files.activity_files import is_activity_name, special_file_kind
from strainwatch.sources.files.importing.analyse import CRASH_MARK, FAILED_MARK, PERMISSION_MARK, failed
from strainwatch.sources.files.importing.jobs import FileAnalysis, FileJob, FileOutcome
from strainwatch.sources.files.limits import ReadLimits
from strainwatch.sources.files.strava_export import ExportRow, read_export_index
from strainwatch.store.models import ImportedFile

MAX_FOLDER_DEPTH = 32
RETRY_UPGRADED = "strainwatch was upgraded since it failed"
RETRY_READABLE = "it has become readable since it failed"
RETRY_CRASHED = "strainwatch stopped once while reading it (killed?): read once more"


@dataclass(slots=True)
class Plan:
    jobs: list[FileJob] = field(default_factory=list)
    outcomes: list[FileOutcome] = field(default_factory=list)  # settled without reading
    settled: list[FileAnalysis] = field(default_factory=list)  # refused before reading: recorded
    zips: list[FileJob] = field(default_factory=list)  # zip records to save after members


def display_path(path: str) -> str:
    """A path as text that can be stored and printed: bytes that are not UTF-8 (a name
    from an old disk) appear as \\xNN escapes instead of breaking the database or terminal."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def _wanted(name: str) -> bool:
    return not name.startswith(".") and (is_activity_name(name) or name.lower().endswith(".zip"))


def _walk(root: str, plan: Plan, ancestors: frozenset[tuple[int, int]], depth: int) -> Iterator[str]:
    try:
        with os.scandir(root) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        plan.outcomes.append(FileOutcome(display_path(root), "failed", f"cannot read this folder: {why}"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = os.path.join(root, entry.name)  # noqa: PTH118 - str paths keep undecodable bytes
        try:
            is_dir = entry.is_dir(follow_symlinks=True)
        except OSError:
            is_dir = False
        if not is_dir:
            if _wanted(entry.name):
                yield path
            continue
        try:
            st = os.stat(path)  # noqa: PTH116
        except OSError as exc:
            plan.outcomes.append(
                FileOutcome(display_path(path), "failed", f"cannot read this folder: {exc.strerror}")
            )
            continue
        key = (st.st_dev, st.st_ino)
        if key in ancestors:
            plan.outcomes.append(
                FileOutcome(
                    display_path(path),
                    "failed",
                    "a symbolic link loop (leads back to a folder above): skipped",
                )
            )
        elif depth >= MAX_FOLDER_DEPTH:
            plan.outcomes.append(
                FileOutcome(
                    display_path(path), "failed", f"more than {MAX_FOLDER_DEPTH} folders deep: skipped"
                )
            )
        else:
            yield from _walk(path, plan, ancestors | {key}, depth + 1)


def _expand(paths: Iterable[Path], plan: Plan) -> Iterator[str]:
    for given in paths:
        path = os.fspath(given)
        try:
            st = os.stat(path)  # noqa: PTH116
        except OSError as exc:
            reason = (
                "a symbolic link loop"
                if exc.errno == errno.ELOOP
                else (exc.strerror or "cannot read").lower()
            )
            plan.outcomes.append(FileOutcome(display_path(path), "failed", reason))
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(path, plan, frozenset({(st.st_dev, st.st_ino)}), 0)
        else:
            yield path


def _unchanged(record: ImportedFile, size: int, mtime_ns: int) -> bool:
    return record.size == size and record.mtime_ns == mtime_ns


def _retry_reason(record: ImportedFile, path: str) -> str | None:
    """Why a file that failed and has not changed deserves another read, if it does."""
    if record.status not in ("failed", "unusable", "not_activity"):
        return None
    mark = record.sha256 or ""
    if not mark.startswith(FAILED_MARK):
        return RETRY_UPGRADED if not mark.startswith("zip") else None
    if mark.endswith(PERMISSION_MARK) and os.access(path, os.R_OK):
        return RETRY_READABLE
    if mark.endswith(CRASH_MARK):
        return RETRY_CRASHED
    return None


def _plan_members(
    job: FileJob, infos: Mapping[str, zipfile.ZipInfo], records: Mapping[str, ImportedFile], plan: Plan
) -> None:
    """A zip that is not a Strava export (Garmin Connect's "Export Original", a zip of GPX or
    TCX from another tool): every activity file in it, member by member."""
    members = sorted(
        name for name in infos if _wanted(name.rsplit("/", 1)[-1]) and not name.lower().endswith(".zip")
    )
    if not members:
        reason = "a zip without activity files (.fit, .gpx, .tcx) and without activities.csv"
        plan.settled.append(FileAnalysis(job, FAILED_MARK, problem="not_activity", reason=reason))
        return
    for name in members:
        info = infos[name]
        member_path = f"{job.record_path}!{display_path(name)}"
        fingerprint = f"zip:{info.CRC:08x}:{info.file_size}"
        record = records.get(member_path)
        if record is not None and record.sha256 == fingerprint:
            plan.outcomes.append(FileOutcome(member_path, "unchanged", record.error, previous=record.status))
            continue
        plan.jobs.append(
            FileJob(
                record_path=member_path,
                file_path=job.file_path,
                size=info.file_size,
                mtime_ns=job.mtime_ns,
                member=name,
                fingerprint=fingerprint,
                compressed_size=info.compress_size,
            )
        )
    plan.zips.append(job)


def _manual_job(job: FileJob, row: ExportRow, records: Mapping[str, ImportedFile], plan: Plan) -> None:
    """A row of activities.csv without a file: a manual entry, imported from its figures."""
    member_path = f"{job.record_path}!activity {clean_line(row.activity_id)}"
    when = row.start_time.isoformat() if row.start_time else None
    figures = (
        when,
        row.distance_m,
        row.elapsed_time_s,
        row.moving_time_s,
        row.sport_type,
        row.name,
        row.description,
        row.private_note,
        row.gear,
    )
    fingerprint = "row:" + hashlib.sha256(repr(figures).encode()).hexdigest()[:32]
    record = records.get(member_path)
    if record is not None and record.sha256 == fingerprint:
        plan.outcomes.append(FileOutcome(member_path, "unchanged", record.error, previous=record.status))
        return
    plan.jobs.append(
        FileJob(
            record_path=member_path,
            file_path=job.file_path,
            size=0,
            mtime_ns=job.mtime_ns,
            source="strava_export",
            external_id=row.activity_id,
            fingerprint=fingerprint,
            export_row=row,
        )
    )


def _plan_zip(
    job: FileJob, records: Mapping[str, ImportedFile], plan: Plan, time_limit: float | None, units: str = "km"
) -> None:
    try:
        with zipfile.ZipFile(job.file_path) as archive:
            infos = {info.filename: info for info in archive.infolist()}
            rows = read_export_index(archive, ReadLimits.for_seconds(time_limit), units)
    except NotAnActivity:
        _plan_members(job, infos, records, plan)
        return
    except ActivityFileError as exc:
        plan.settled.append(failed(job, str(exc)))
        return
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        plan.settled.append(failed(job, "not a valid zip file (damaged or truncated)"))
        return
    listed: set[str] = set()
    repeated = 0
    for row in rows:
        if row.filename is None:
            _manual_job(job, row, records, plan)
            continue
        if row.filename in listed:
            repeated += 1
            continue
        listed.add(row.filename)
        info = infos.get(row.filename)
        member_path = f"{job.record_path}!{display_path(row.filename)}"
        fingerprint = f"zip:{info.CRC:08x}:{info.file_size}" if info else "missing"
        record = records.get(member_path)
        if record is not None and record.sha256 == fingerprint:
            plan.outcomes.append(FileOutcome(member_path, "unchanged", record.error, previous=record.status))
            continue
        plan.jobs.append(
            FileJob(
                record_path=member_path,
                file_path=job.file_path,
                size=info.file_size if info else 0,
                mtime_ns=job.mtime_ns,
                source="strava_export",
                external_id=row.activity_id,
                member=row.filename,
                fingerprint=fingerprint,
                export_row=row,
                compressed_size=info.compress_size if info else None,
            )
        )
    if repeated:
        plan.outcomes.append(
            FileOutcome(
                f"{job.record_path}!activities.csv",
                "not_activity",
                f"{repeated:,} rows name a file an earlier row already names: ignored",
            )
        )
    plan.zips.append(job)


def plan_import(
    paths: Iterable[Path],
    records: Mapping[str, ImportedFile],
    time_limit: float | None = None,
    units: str = "km",
) -> Plan:
    plan = Plan()
    seen: set[str] = set()
    for path in _expand(paths, plan):
        real = os.path.realpath(path)
        shown = display_path(real)
        if shown in seen:
            continue
        seen.add(shown)
        try:
            st = os.stat(path)  # noqa: PTH116
        except OSError as exc:
            reason = "a symbolic link loop" if exc.errno == errno.ELOOP else f"cannot read: {exc.strerror}"
            plan.outcomes.append(FileOutcome(display_path(path), "failed", reason))
            continue
        job = FileJob(record_path=shown, file_path=real, size=st.st_size, mtime_ns=st.st_mtime_ns)
        record = records.get(shown)
        if record is not None and _unchanged(record, st.st_size, st.st_mtime_ns):
            why = _retry_reason(record, real)
            if why is None:
                plan.outcomes.append(FileOutcome(shown, "unchanged", record.error, previous=record.status))
                continue
            job = FileJob(
                record_path=shown, file_path=real, size=st.st_size, mtime_ns=st.st_mtime_ns, retry=why
            )
        if not stat.S_ISREG(st.st_mode):  # named by its own path, not by what it links to
            shown = display_path(path)
            job = FileJob(record_path=shown, file_path=path, size=st.st_size, mtime_ns=st.st_mtime_ns)
            if shown in records and _unchanged(records[shown], st.st_size, st.st_mtime_ns):
                plan.outcomes.append(FileOutcome(shown, "unchanged", records[shown].error, previous="failed"))
            else:
                plan.settled.append(
                    failed(job, f"skipped: {special_file_kind(st.st_mode)}, not a regular file")
                )
        elif real.lower().endswith(".zip"):
            _plan_zip(job, records, plan, time_limit, units)
        else:
            plan.jobs.append(job)
    return plan
