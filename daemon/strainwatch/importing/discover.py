"""Turn configured paths into import jobs, skipping what is unchanged since last time.

A file whose size and modification time match its record is skipped without being opened:
that is what makes a re-scan of thousands of files take a fraction of a second.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from strainwatch.errors import ActivityFileError
from strainwatch.importing.jobs import FileJob, FileOutcome
from strainwatch.sources.activity_files import is_activity_name
from strainwatch.sources.strava_export import read_export_index
from strainwatch.store.models import ImportedFile


@dataclass(slots=True)
class Plan:
    jobs: list[FileJob] = field(default_factory=list)
    outcomes: list[FileOutcome] = field(default_factory=list)  # settled without reading
    zips: list[FileJob] = field(default_factory=list)  # zip records to save after members


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and (is_activity_name(name) or name.lower().endswith(".zip")):
                yield Path(folder) / name


def _expand(paths: Iterable[Path], plan: Plan) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from _walk(path)
        elif path.exists():
            yield path
        else:
            plan.outcomes.append(FileOutcome(str(path), "failed", "no such file or directory"))


def _unchanged(record: ImportedFile, size: int, mtime_ns: int) -> bool:
    return record.size == size and record.mtime_ns == mtime_ns


def _plan_zip(job: FileJob, records: Mapping[str, ImportedFile], plan: Plan) -> None:
    try:
        with zipfile.ZipFile(job.file_path) as archive:
            rows = read_export_index(archive)
            infos = {info.filename: info for info in archive.infolist()}
    except zipfile.BadZipFile as exc:
        plan.outcomes.append(FileOutcome(job.record_path, "failed", f"not a valid zip ({exc})"))
        return
    except ActivityFileError as exc:
        plan.outcomes.append(FileOutcome(job.record_path, "not_activity", str(exc)))
        return
    for row in rows:
        if row.filename is None:
            plan.outcomes.append(
                FileOutcome(
                    f"{job.record_path}!activity {row.activity_id}",
                    "not_activity",
                    "manual entry without a recording: not imported",
                )
            )
            continue
        info = infos.get(row.filename)
        member_path = f"{job.record_path}!{row.filename}"
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
            )
        )
    plan.zips.append(job)


def plan_import(paths: Iterable[Path], records: Mapping[str, ImportedFile]) -> Plan:
    plan = Plan()
    seen: set[str] = set()
    for path in _expand(paths, plan):
        resolved = str(path.resolve())
        if resolved in seen:
            continue
        seen.add(resolved)
        try:
            st = path.stat()
        except OSError as exc:
            plan.outcomes.append(FileOutcome(resolved, "failed", f"cannot read: {exc.strerror}"))
            continue
        record = records.get(resolved)
        if record is not None and _unchanged(record, st.st_size, st.st_mtime_ns):
            plan.outcomes.append(FileOutcome(resolved, "unchanged", record.error, previous=record.status))
            continue
        job = FileJob(record_path=resolved, file_path=resolved, size=st.st_size, mtime_ns=st.st_mtime_ns)
        if resolved.lower().endswith(".zip"):
            _plan_zip(job, records, plan)
        else:
            plan.jobs.append(job)
    return plan
