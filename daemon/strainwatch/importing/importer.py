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
import threading
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
from strainwatch.dedup import KnownActivities, KnownRun
from strainwatch.errors import StoreError
from strainwatch.importing.analyse import analyse
from strainwatch.importing.discover import plan_import
from strainwatch.importing.jobs import AnalysedActivity, FileAnalysis, FileJob, FileOutcome
from strainwatch.store import repository
from strainwatch.store.db import unit_of_work
from strainwatch.store.models import Activity, ImportedFile

log = logging.getLogger(__name__)

POOL_THRESHOLD = 8  # below this many files, starting workers costs more than it saves


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
    """Every core this process may run on: decoding is CPU-bound, one file per worker."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _start_method() -> str:
    """fork where it is safe, forkserver elsewhere.

    A forked worker starts in milliseconds; a forkserver costs a fresh interpreter (about
    0.3 s, more than parsing 68 runs takes). Forking is safe while this process has a single
    thread (the CLI): workers only parse, never touch the inherited database connections,
    and leave through os._exit, so no finalizer closes them. With other threads alive (the
    daemon's scheduler) a lock held at fork time could deadlock a worker: use forkserver.
    """
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "forkserver"


def _analyse_all(jobs: list[FileJob], workers: int) -> Iterator[FileAnalysis]:
    """Analyses in job order; in worker processes when that pays off.

    Should the pool break (a worker killed, an interpreter that cannot start workers), the
    remaining files are read in this process instead: slower, never lost.
    """
    if workers <= 1 or len(jobs) < POOL_THRESHOLD:
        yield from map(analyse, jobs)
        return
    context = multiprocessing.get_context(_start_method())
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["strainwatch.importing.analyse"])
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for analysis in pool.map(analyse, jobs, chunksize=2):
                done += 1
                yield analysis
    except BrokenProcessPool:
        log.warning("worker processes failed; reading the remaining %d files in-process", len(jobs) - done)
        yield from map(analyse, jobs[done:])


def _activity_values(item: AnalysedActivity, athlete: AthleteSettings, job: FileJob) -> dict[str, object]:
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


@dataclass(slots=True)
class _Writer:
    """Stores analysed files for one athlete, one transaction per file (the caller's)."""

    session: Session
    athlete: AthleteSettings
    records: dict[str, ImportedFile]
    known: KnownActivities
    now: datetime
    inserted: list[tuple[tuple[str, str], Activity]] = field(default_factory=list)

    def save(self, analysis: FileAnalysis) -> FileOutcome:
        job, now = analysis.job, self.now
        self.inserted = []
        record = self.records.get(job.record_path)
        if record is not None and analysis.fingerprint and record.sha256 == analysis.fingerprint:
            record.mtime_ns, record.size, record.checked_at = job.mtime_ns, job.size, now
            return FileOutcome(job.record_path, "unchanged", record.error, previous=record.status)
        if record is None:
            record = self._new_record(job)
        record.size, record.mtime_ns, record.checked_at = job.size, job.mtime_ns, now
        record.sha256 = analysis.fingerprint
        if analysis.problem is not None:
            record.status, record.error = analysis.problem, analysis.reason
            record.activity_count = 0
            return FileOutcome(job.record_path, analysis.problem, analysis.reason)
        outcome, reason = self._store_activities(analysis, record)
        record.status = "imported" if outcome == "updated" else outcome
        record.error = reason if outcome == "failed" else None
        record.activity_count = len(analysis.activities)
        partial = next(
            (a.parsed.partial_reason for a in analysis.activities if a.parsed.partial_reason), None
        )
        count = len(analysis.activities)
        return FileOutcome(job.record_path, outcome, reason, count, partial)  # type: ignore[arg-type]

    def _new_record(self, job: FileJob) -> ImportedFile:
        record = ImportedFile(
            athlete_id=self.athlete.id, path=job.record_path, first_seen_at=self.now,
            activity_count=0, status="pending",
        )  # fmt: skip
        self.session.add(record)
        self.records[job.record_path] = record
        return record

    def save_zip(self, job: FileJob) -> None:
        """The zip's own record, once its members are stored: unchanged next time, skipped whole."""
        record = self.records.get(job.record_path) or self._new_record(job)
        record.size, record.mtime_ns, record.checked_at = job.size, job.mtime_ns, self.now
        record.sha256, record.status, record.error = "zip", "imported", None

    def remember(self, stored: bool) -> None:
        """After the file's transaction: what it inserted now counts as known."""
        for key, activity in self.inserted:
            run = KnownRun(
                activity.start_time.timestamp(), activity.distance_m,
                activity.id if stored else None, f"{key[0]}: {key[1]}",
            )  # fmt: skip
            self.known.add(key, self.athlete.id, run)
        self.inserted = []

    def _store_activities(self, analysis: FileAnalysis, record: ImportedFile) -> tuple[str, str | None]:
        """Insert or update the file's activities; returns the file's outcome and reason."""
        job = analysis.job
        results: list[str] = []
        reasons: list[str] = []
        for item in analysis.activities:
            key = (job.source, item.parsed.external_id)
            values = _activity_values(item, self.athlete, job)
            owner = self.known.owner(*key)
            if owner is not None:
                activity_id, athlete_id = owner
                if athlete_id != self.athlete.id:
                    results.append("failed")
                    reasons.append(f"already imported for athlete {athlete_id!r}")
                    continue
                existing = self.session.get_one(Activity, activity_id)
                for name, value in values.items():
                    setattr(existing, name, value)
                existing.file, existing.updated_at = record, self.now
                results.append("updated")
                continue
            twin = self.known.same_run(item.parsed.start_time.timestamp(), item.metrics.distance_m)
            if twin is not None:
                results.append("duplicate")
                label = f"activity {twin.activity_id}" if twin.activity_id else "another file"
                reasons.append(f"same run as {label} ({twin.origin})")
                continue
            activity = Activity(
                source=job.source, external_id=key[1], file=record,
                created_at=self.now, updated_at=self.now, **values,
            )  # fmt: skip
            self.session.add(activity)
            self.inserted.append((key, activity))
            results.append("imported")
        for outcome in ("imported", "updated", "duplicate", "failed"):
            if outcome in results:
                return outcome, "; ".join(reasons) or None
        return "failed", "no activities"


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
    should_stop: Callable[[], bool] | None = None,
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
                known = repository.known_activities(session, athlete.id)
            plan = plan_import(paths, records)
            if on_planned:
                on_planned(len(plan.jobs) + len(plan.outcomes))
            for outcome in plan.outcomes:
                report.outcomes.append(outcome)
                if on_file:
                    on_file(outcome)
            writer = _Writer(session, athlete, records, known, now)
            for analysis in _analyse_all(plan.jobs, workers or default_workers()):
                if should_stop is not None and should_stop():
                    break  # what is stored stays; the rest is read on the next pass
                with unit_of_work(session, dry_run=dry_run):
                    outcome = writer.save(analysis)
                writer.remember(stored=not dry_run)
                report.outcomes.append(outcome)
                if on_file:
                    on_file(outcome)
            if plan.zips and not dry_run:
                with session.begin():
                    for job in plan.zips:
                        writer.save_zip(job)
    except SQLAlchemyError as exc:
        raise StoreError(f"database error during import: {exc}") from exc
    return report
