"""One import: plan, read files in worker processes, store each file in its own transaction.

A file's activities and its file record commit together, so a crash mid-import never
leaves an activity without its record (it would be re-read) nor a record without its
activities (they would be lost), and the (source, external id) key makes a re-read
update rather than duplicate.
"""

from __future__ import annotations

import logging
import math
import os
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from strainwatch.config.settings import AthleteSettings
from strainwatch.domain import Recording, SourceBatch
from strainwatch.metrics.cleaning import CleaningLimits
from strainwatch.safe_text import NAME_LIMIT, clean_json, clean_line, clean_text
from strainwatch.sources.files.importing.analyse import CRASH_MARK, analyse, failed, forget_archive
from strainwatch.sources.files.importing.discover import plan_import
from strainwatch.sources.files.importing.jobs import AnalysedActivity, FileAnalysis, FileJob, FileOutcome
from strainwatch.sources.files.importing.workers import analyse_in_workers
from strainwatch.sources.files.settings import files_of
from strainwatch.store import overrides, repository
from strainwatch.store.apply import BatchResult, apply_batch
from strainwatch.store.db import store_error, unit_of_work
from strainwatch.store.dedup import KnownActivities
from strainwatch.store.models import ImportedFile

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

    @property
    def duplicates(self) -> list[FileOutcome]:
        """Each with what it duplicates (an activity, another file) as its reason."""
        return [o for o in self.outcomes if o.outcome == "duplicate"]

    @property
    def retried(self) -> list[FileOutcome]:
        """Unchanged files that failed before, read again because the reason may have gone."""
        return [o for o in self.outcomes if o.retried]

    @property
    def changed(self) -> bool:
        counts = self.counts()
        return bool(counts["imported"] or counts["updated"])

    @property
    def failure(self) -> None:
        """A bad file is the file's failure, listed with it, never the source's."""
        return None

    @property
    def notice(self) -> None:
        return None

    def summary(self) -> str:
        """Empty: the pass's own summary line counts the files of every athlete."""
        return ""

    def item_lines(self) -> list[str]:
        """Each file that failed or cannot count for load, once: in the pass's report."""
        return [f"{self.athlete}: failed: {o.path}: {o.reason}" for o in self.failures + self.unusable]

    @property
    def some_failed(self) -> bool:
        return bool(self.failures or self.still_failing)

    def lines(self, dry_run: bool) -> list[str]:
        """`strainwatch import`'s report: the counts, then each file worth naming."""
        out = [f"{self.athlete}: {counts_line(self.counts(), dry_run)}"]
        out += [
            f"  not an activity: {o.path}: {o.reason}" for o in self.outcomes if o.outcome == "not_activity"
        ]
        out += [f"  duplicate: {o.path}: {o.reason}" for o in self.duplicates]
        out += [f"  read again ({o.retried}): {o.path}: {o.outcome}" for o in self.retried]
        out += [f"  partly read: {o.path}: {o.partial}" for o in self.partial]
        out += [f"  unusable for load: {o.path}: {o.reason}" for o in self.unusable]
        out += [f"  failed: {o.path}: {o.reason}" for o in self.failures]
        out += [f"  still failing (unchanged): {o.path}: {o.reason}" for o in self.still_failing]
        return out


def counts_line(c: Counter[str], dry_run: bool) -> str:
    """'imported 3, updated 0, …': what became of the files, in one line."""
    verb = "would import" if dry_run else "imported"
    return (
        f"{verb} {c['imported']}, updated {c['updated']}, unchanged {c['unchanged']}, "
        f"duplicates {c['duplicate']}, not activities {c['not_activity']}, unusable {c['unusable']}, "
        f"failed {c['failed']}"
    )


def default_workers() -> int:
    """Every core this process may run on: decoding is CPU-bound, one file per worker."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _analyse_all(
    jobs: list[FileJob], workers: int, time_limit: float | None, before: Callable[[FileJob], None]
) -> Generator[FileAnalysis]:
    """Analyses in job order; in worker processes that can be killed when that pays off.

    In this process a file's outcome is recorded (`before`) as "stopped while reading"
    before it is read, so should reading it ever take the process down, the next pass does
    not read it again. A worker's crash is contained: the pool records it for the file.
    """
    if workers <= 1 or len(jobs) < POOL_THRESHOLD:
        try:
            for job in jobs:
                before(job)
                yield analyse(job, time_limit)
        finally:
            forget_archive()
        return
    yield from analyse_in_workers(jobs, workers, time_limit)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _activity_values(item: AnalysedActivity, athlete: AthleteSettings, job: FileJob) -> dict[str, object]:
    """The row to store: text cleaned and capped (see `strainwatch.safe_text`), no NaN or infinity."""
    p, m = item.parsed, item.metrics
    return {
        "sport_type": (p.sport_type or files_of(athlete).default_sport_type)[:32],
        "name": clean_line(p.name),
        "description": clean_text(p.description),
        "private_note": clean_text(p.private_note),
        "gear": clean_line(p.gear),
        "device": clean_line(p.device),
        "start_time": p.start_time,
        "distance_m": _finite(m.distance_m) or 0.0,
        "moving_time_s": _finite(m.moving_time_s) or 0.0,
        "elapsed_time_s": _finite(m.elapsed_time_s) or 0.0,
        "pace_s_per_km": _finite(m.pace_s_per_km),
        "gap_s_per_km": _finite(m.gap_s_per_km),
        "ascent_m": _finite(m.ascent_m),
        "descent_m": _finite(m.descent_m),
        "avg_hr": _finite(m.avg_hr),
        "max_hr": _finite(m.max_hr),
        "avg_cadence": _finite(m.avg_cadence),
        "has_gps": m.has_gps,
        "trainer": p.trainer,
        "manual": p.manual,
        "partial_reason": clean_text(p.partial_reason, NAME_LIMIT),
        "gap_profile": {str(k): v for k, v in m.gap_profile.items() if math.isfinite(v)},
        "corrections": [c.to_json() for c in m.corrections] or None,
        "raw": clean_json({**p.raw, "file": job.record_path}),
    }


@dataclass(slots=True)
class _Writer:
    """Stores analysed files for one athlete, one transaction per file (the caller's)."""

    session: Session
    athlete: AthleteSettings
    records: dict[str, ImportedFile]
    known: KnownActivities
    now: datetime
    applied: BatchResult | None = None  # the last file's, until its transaction ended
    before_marks: dict[str, str] = field(default_factory=dict)  # fingerprints under "reading" marks

    def save(self, analysis: FileAnalysis) -> FileOutcome:
        job, now = analysis.job, self.now
        self.applied = None
        record = self.records.get(job.record_path)
        if job.record_path in self.before_marks:
            known_fingerprint: str | None = self.before_marks.pop(job.record_path)
        else:
            known_fingerprint = record.sha256 if record is not None else None
        if analysis.problem is None and record is not None and known_fingerprint == analysis.fingerprint:
            record.mtime_ns, record.size, record.checked_at = job.mtime_ns, job.size, now
            return FileOutcome(job.record_path, "unchanged", record.error, previous=record.status)
        if record is None:
            record = self._new_record(job)
        record.size, record.mtime_ns, record.checked_at = job.size, job.mtime_ns, now
        record.sha256 = analysis.fingerprint[:80]
        if analysis.problem is not None:
            reason = clean_text(analysis.reason, NAME_LIMIT * 2)
            record.status, record.error = analysis.problem, reason
            record.activity_count = 0
            return FileOutcome(job.record_path, analysis.problem, reason, retried=job.retry)
        outcome, reason = self._store_activities(analysis, record)
        record.status = "imported" if outcome == "updated" else outcome
        record.error = reason if outcome == "failed" else None
        record.activity_count = len(analysis.activities)
        partial = next(
            (a.parsed.partial_reason for a in analysis.activities if a.parsed.partial_reason), None
        )
        count = len(analysis.activities)
        return FileOutcome(job.record_path, outcome, reason, count, partial, retried=job.retry)  # type: ignore[arg-type]

    def mark_reading(self, job: FileJob) -> None:
        """Recorded before the file is read in this process: replaced by the outcome, it
        only survives if reading took the process down. The next pass reads it once more (a
        killed worker or an OOM elsewhere is no fault of the file); a second crash on it
        keeps it from taking the process down again (an upgrade still retries it)."""
        record = self.records.get(job.record_path)
        previous = record.sha256 if record is not None and record.status == "imported" else ""
        again = record is not None and (record.sha256 or "").endswith(CRASH_MARK)
        reason = "strainwatch stopped while reading this file (a crash, or out of memory)"
        self.save(failed(job, reason + (", twice" if again else ""), crashed=not again))
        self.before_marks[job.record_path] = previous

    def _new_record(self, job: FileJob) -> ImportedFile:
        record = ImportedFile(
            athlete_id=self.athlete.id,
            path=job.record_path,
            first_seen_at=self.now,
            activity_count=0,
            status="pending",
        )
        self.session.add(record)
        self.records[job.record_path] = record
        return record

    def save_zip(self, job: FileJob) -> None:
        """The zip's own record, once its members are stored: unchanged next time, skipped whole."""
        record = self.records.get(job.record_path) or self._new_record(job)
        record.size, record.mtime_ns, record.checked_at = job.size, job.mtime_ns, self.now
        record.sha256, record.status, record.error = "zip", "imported", None

    def ended(self, *, stored: bool) -> None:
        """After the file's transaction: what it applied stays known if it was stored; a dry
        run's runs stay known without ids (later files are "the same run as another file")."""
        if self.applied is not None and stored:
            self.applied.settle(self.known)
        elif self.applied is not None:
            self.applied.undo(self.known, keep_unstored=True)
        self.applied = None

    def refused(self) -> None:
        """The database refused the file's activities: none of them is known."""
        if self.applied is not None:
            self.applied.undo(self.known, keep_unstored=False)
        self.applied = None

    def _store_activities(self, analysis: FileAnalysis, record: ImportedFile) -> tuple[str, str | None]:
        """Insert or update the file's activities (store.apply); returns the file's outcome
        and reason (a duplicate's names the recording that counts)."""
        job = analysis.job
        recordings = tuple(
            Recording(
                item.parsed.external_id,
                {**_activity_values(item, self.athlete, job), "file": record},
                samples=not item.parsed.manual,
            )
            for item in analysis.activities
        )
        batch = SourceBatch(job.source, recordings)
        self.applied = apply_batch(self.session, self.athlete.id, batch, self.known, self.now, settle=False)
        results: list[str] = []
        reasons: list[str] = []
        for applied in self.applied.applied:
            twin = applied.twin
            if applied.outcome == "foreign":
                results.append("failed")
                reasons.append(f"already imported for athlete {applied.owner!r}")
            elif applied.outcome in ("updated", "unchanged"):
                results.append("updated")
            elif applied.outcome == "duplicate" and twin is not None:
                results.append("duplicate")
                label = f"activity {twin.activity_id}" if twin.activity_id else "another file"
                reasons.append(f"same run as {label} ({twin.origin})")
            else:
                results.append("imported")
                if twin is not None:
                    better_than = f"activity {twin.activity_id} ({twin.origin})"
                    reasons.append(f"a better recording of {better_than}, now its duplicate")
        for outcome in ("imported", "updated", "duplicate", "failed"):
            if outcome in results:
                return outcome, "; ".join(reasons) or None
        return "failed", "no activities"


def _chain(first: list[FileAnalysis], rest: Iterator[FileAnalysis]) -> Iterator[FileAnalysis]:
    yield from first
    yield from rest


def _store(session: Session, writer: _Writer, analysis: FileAnalysis, dry_run: bool) -> FileOutcome:
    """One file in its own transaction; if the database refuses its activities, the file is
    recorded as failed with the reason and the import goes on."""
    try:
        with unit_of_work(session, dry_run=dry_run):
            outcome = writer.save(analysis)
    except SQLAlchemyError as exc:
        session.rollback()
        writer.refused()
        log.warning("could not store %s: %s", analysis.job.record_path, exc)
        reason = f"the database refused its data ({type(exc).__name__}; details with -v in the log)"
        with unit_of_work(session, dry_run=dry_run):
            return writer.save(failed(analysis.job, reason))
    writer.ended(stored=not dry_run)
    return outcome


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
    cleaning: CleaningLimits | None = None,
) -> ImportReport:
    """Import every activity file under `paths` for `athlete`, left out of each what was
    not running by `cleaning` (the `[cleaning]` settings; their defaults when None).

    Bad files are reported in the result, never raised: one corrupt file stops nothing.
    """
    report = ImportReport(athlete.id)
    try:
        with sessions() as session:
            with session.begin():
                repository.ensure_athlete(session, athlete.id, athlete.name, now)
                records = repository.file_records(session, athlete.id)
                known = repository.known_activities(session, athlete.id)
                crops = overrides.crops_of(session, athlete.id)
            time_limit = files_of(athlete).time_limit
            plan = plan_import(paths, records, time_limit, athlete.units)
            plan.jobs[:] = [
                replace(job, cleaning=cleaning or job.cleaning, crop=crops.get((job.source, job.key)))
                for job in plan.jobs
            ]
            if on_planned:
                on_planned(len(plan.jobs) + len(plan.outcomes) + len(plan.settled))
            for outcome in plan.outcomes:
                report.outcomes.append(outcome)
                if on_file:
                    on_file(outcome)
            writer = _Writer(session, athlete, records, known, now)

            def before(job: FileJob) -> None:
                if not dry_run:
                    with unit_of_work(session):
                        writer.mark_reading(job)

            analyses = _analyse_all(plan.jobs, workers or default_workers(), time_limit, before)
            try:
                for analysis in _chain(plan.settled, analyses):
                    outcome = _store(session, writer, analysis, dry_run)
                    report.outcomes.append(outcome)
                    if on_file:
                        on_file(outcome)
                    if should_stop is not None and should_stop():
                        break  # what is stored stays; the rest is read on the next pass
            finally:
                analyses.close()  # stops the workers at once when the pass is stopped
            if plan.zips and not dry_run:
                with session.begin():
                    for job in plan.zips:
                        writer.save_zip(job)
    except SQLAlchemyError as exc:
        raise store_error(exc, "during import") from None
    return report
