"""The worker side of an import: read one file and compute its metrics, touch no database."""

from __future__ import annotations

import gc
import hashlib
import logging
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from strainwatch.domain import Track
from strainwatch.errors import ActivityFileError, NotAnActivity, UnusableActivity
from strainwatch.importing.jobs import AnalysedActivity, FileAnalysis, FileJob
from strainwatch.metrics.activity import compute_metrics
from strainwatch.sources.activity_files import parse_file, parse_stream
from strainwatch.sources.sport_types import normalize_sport

log = logging.getLogger(__name__)
_HASH_CHUNK = 1 << 20


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:  # noqa: PTH123
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read(job: FileJob) -> tuple[str, list[AnalysedActivity]]:
    if job.member is not None:
        fingerprint = job.fingerprint or ""
        try:
            with zipfile.ZipFile(job.file_path) as archive, archive.open(job.member) as stream:
                parsed = parse_stream(stream, job.key, job.member)  # type: ignore[arg-type]
        except KeyError:
            raise ActivityFileError("listed in activities.csv but missing from the zip") from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise ActivityFileError(f"cannot read from the zip ({exc})") from None
    else:
        try:
            fingerprint = file_sha256(job.file_path)
        except OSError as exc:
            raise ActivityFileError(f"cannot read: {exc.strerror or exc}") from None
        parsed = parse_file(job.file_path, job.key)
    analysed = []
    for read in parsed:
        metrics = compute_metrics(read.track, read.summary)
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


def analyse(job: FileJob) -> FileAnalysis:
    """Never raises for bad input: the problem comes back as data, named for the user."""
    try:
        with _gc_paused():
            fingerprint, activities = _read(job)
    except NotAnActivity as exc:
        return FileAnalysis(job, "", problem="not_activity", reason=str(exc))
    except UnusableActivity as exc:
        return FileAnalysis(job, "", problem="unusable", reason=str(exc))
    except ActivityFileError as exc:
        return FileAnalysis(job, "", problem="failed", reason=str(exc))
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # a parser library tripping over a crafted file is bad input too
        log.debug("unexpected error reading %s", job.record_path, exc_info=True)
        return FileAnalysis(job, "", problem="failed", reason=f"unreadable ({type(exc).__name__}: {exc})")
    return FileAnalysis(job, fingerprint, activities)
