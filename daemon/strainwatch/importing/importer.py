"""One import: plan, read files in worker processes, store each file in its own transaction.

A file's activities and its file record commit together, so a crash mid-import never
leaves an activity without its record (it would be re-read) nor a record without its
activities (they would be lost), and the (source, external id) key makes a re-read
update rather than duplicate.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from strainwatch.config import AthleteSettings
from strainwatch.errors import StoreError
from strainwatch.importing.analyse import analyse
from strainwatch.importing.discover import plan_import
from strainwatch.importing.jobs import AnalysedActivity, FileAnalysis, FileJob, FileOutcome
from strainwatch.store import repository
from strainwatch.store.models import Activity, ImportedFile

log = logging.getLogger(__name__)

POOL_THRESHOLD = 100  # below this many files, starting workers costs more than it saves


@dataclass(slots=True)
class ImportReport:
    athlete: str
    outcomes: list[FileOutcome] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(o.outcome for o in self.outcomes)

    @property
    def failures(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.outcome == "failed"]

    @property
    def unusable(self) -> list[FileOutcome]:
        """Read fine, but without the timestamps or positions load needs."""
        return [o for o in self.outcomes if o.outcome == "unusable"]

    @property
    def still_failing(self) -> list[FileOutcome]:
        """Unchanged since an attempt that failed: listed again, never re-read."""
        return [o for o in self.outcomes if o.outcome == "unchanged" and o.previous == "failed"]

    @property
    def partial(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.partial]


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def _analyse_all(jobs: list[FileJob], workers: int) -> Iterator[FileAnalysis]:
    """Analyses in job order; in worker processes when that pays off.

    Should the pool break (a worker killed, an interpreter that cannot start workers), the
    remaining files are read in this process instead: slower, never lost.
    """
    if workers <= 1 or len(jobs) < POOL_THRESHOLD:
        yield from map(analyse, jobs)
        return
    # forkserver: workers never inherit the parent's database connections or threads
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["strainwatch.importing.analyse"])
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for analysis in pool.map(analyse, jobs, chunksize=2):
                done += 1
                yield analysis
    except BrokenProcessPool:
        log.warning(
            "worker processes failed; reading the remaining %d files in-process", len(jobs) - done
        )
        yield from map(analyse, jobs[done:])


def _activity_values(
    item: AnalysedActivity, athlete: AthleteSettings, job: FileJob
) -> dict[str, object]:
    p, m = item.parsed, item.metrics
    return {
        "athlete_id": athlete.id,
        "sport_type": p.sport_type or athlete.files.default_sport_type,
        "name": p.name,
        "description": p.description,
        "private_note": p.private_note,
        "gear": p.gear,
        "device": p.device,
        "start_time": p.start_time,
        "distance_m": m.distance_m,
        "moving_time_s": m.moving_time_s,
        "elapsed_time_s": m.elapsed_time_s,
        "pace_s_per_km": m.pace_s_per_km,
        "gap_s_per_km": m.gap_s_per_km,
        "ascent_m": m.ascent_m,
        "descent_m": m.descent_m,
        "avg_hr": m.avg_hr,
        "max_hr": m.max_hr,
        "avg_cadence": m.avg_cadence,
        "has_gps": m.has_gps,
        "trainer": p.trainer,
        "manual": p.manual,
        "deleted": False,
        "partial_reason": p.partial_reason,
        "gap_profile": {str(k): v for k, v in m.gap_profile.items()},
        "raw": {**p.raw, "file": job.record_path},
    }


def _store_activities(
    session: Session,
    analysis: FileAnalysis,
    athlete: AthleteSettings,
    record: ImportedFile,
    now: datetime,
) -> tuple[str, str | None]:
    """Insert or update the file's activities; returns the file's outcome and reason."""
    job = analysis.job
    results: list[str] = []
    reasons: list[str] = []
    for item in analysis.activities:
        key = (job.source, item.parsed.external_id)
        values = _activity_values(item, athlete, job)
        existing = repository.activity_by_key(session, *key)
        if existing is not None:
            if existing.athlete_id != athlete.id:
                results.append("failed")
                reasons.append(f"already imported for athlete {existing.athlete_id!r}")
                continue
            for name, value in values.items():
                setattr(existing, name, value)
            existing.file_id = record.id
            existing.updated_at = now
            results.append("updated")
            continue
        twin = repository.find_duplicate(
            session, athlete.id, item.parsed.start_time, item.metrics.distance_m, key
        )
        if twin is not None:
            results.append("duplicate")
            origin = twin.raw.get("file") or twin.external_id
            reasons.append(f"same run as activity {twin.id} ({twin.source}: {origin})")
            continue
        session.add(
            Activity(
                source=job.source, external_id=key[1], file_id=record.id,
                created_at=now, updated_at=now, **values,
            )
        )  # fmt: skip
        results.append("imported")
    for outcome in ("imported", "updated", "duplicate", "failed"):
        if outcome in results:
            return outcome, "; ".join(reasons) or None
    return "failed", "no activities"


def _save(
    session: Session,
    analysis: FileAnalysis,
    athlete: AthleteSettings,
    records: dict[str, ImportedFile],
    now: datetime,
) -> FileOutcome:
    job = analysis.job
    record = records.get(job.record_path)
    if record is not None and analysis.fingerprint and record.sha256 == analysis.fingerprint:
        record.mtime_ns, record.size, record.checked_at = job.mtime_ns, job.size, now
        return FileOutcome(job.record_path, "unchanged", record.error, previous=record.status)
    if record is None:
        record = ImportedFile(
            athlete_id=athlete.id,
            path=job.record_path,
            first_seen_at=now,
            activity_count=0,
            status="pending",
        )
        session.add(record)
    record.size, record.mtime_ns, record.checked_at = job.size, job.mtime_ns, now
    record.sha256 = analysis.fingerprint
    if analysis.problem is not None:
        record.status, record.error, record.activity_count = analysis.problem, analysis.reason, 0
        return FileOutcome(job.record_path, analysis.problem, analysis.reason)
    session.flush()  # the record needs its id before activities point at it
    outcome, reason = _store_activities(session, analysis, athlete, record, now)
    record.status = "imported" if outcome == "updated" else outcome
    record.error = reason if outcome == "failed" else None
    record.activity_count = len(analysis.activities)
    partial = next(
        (a.parsed.partial_reason for a in analysis.activities if a.parsed.partial_reason), None
    )
    return FileOutcome(job.record_path, outcome, reason, len(analysis.activities), partial)  # type: ignore[arg-type]


def _save_zip_record(
    session: Session,
    job: FileJob,
    athlete: AthleteSettings,
    now: datetime,
    records: dict[str, ImportedFile],
) -> None:
    record = records.get(job.record_path)
    if record is None:
        record = ImportedFile(athlete_id=athlete.id, path=job.record_path, first_seen_at=now,
                              activity_count=0)  # fmt: skip
        session.add(record)
    record.size, record.mtime_ns, record.checked_at = job.size, job.mtime_ns, now
    record.sha256, record.status, record.error = "zip", "imported", None


def import_paths(
    sessions: sessionmaker[Session],
    athlete: AthleteSettings,
    paths: Iterable[Path],
    *,
    now: datetime,
    dry_run: bool = False,
    workers: int | None = None,
    on_planned: Callable[[int], None] | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> ImportReport:
    """Import every activity file under `paths` for `athlete`.

    Bad files are reported in the result, never raised: one corrupt file stops nothing.
    """
    report = ImportReport(athlete.id)
    try:
        with sessions() as session:
            with session.begin():
                repository.ensure_athlete(session, athlete.id, athlete.name, now)
                records = repository.file_records(session, athlete.id)
            plan = plan_import(paths, records)
            if on_planned:
                on_planned(len(plan.jobs) + len(plan.outcomes))
            for outcome in plan.outcomes:
                report.outcomes.append(outcome)
                if on_file:
                    on_file(outcome)
            for analysis in _analyse_all(plan.jobs, workers or default_workers()):
                transaction = session.begin()
                try:
                    outcome = _save(session, analysis, athlete, records, now)
                    if dry_run:
                        transaction.rollback()
                    else:
                        transaction.commit()
                except BaseException:
                    transaction.rollback()
                    raise
                report.outcomes.append(outcome)
                if on_file:
                    on_file(outcome)
            if plan.zips and not dry_run:
                with session.begin():
                    for job in plan.zips:
                        _save_zip_record(session, job, athlete, now, records)
    except SQLAlchemyError as exc:
        raise StoreError(f"database error during import: {exc}") from exc
    return report
