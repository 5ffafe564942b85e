"""One sync pass: pull every configured source into the store, then evaluate the rules for
every athlete whose data changed. The CLI's `sync` and the daemon both call it; email and
Strava join this same pass.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from strainwatch.config import AthleteSettings, Settings
from strainwatch.evaluation import EvaluationResult, evaluate_athlete
from strainwatch.importing.importer import ImportReport, import_paths
from strainwatch.importing.jobs import FileOutcome
from strainwatch.store.db import unit_of_work
from strainwatch.store.models import Athlete

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PassReport:
    started_at: datetime
    dry_run: bool
    imports: list[ImportReport] = field(default_factory=list)
    evaluations: list[EvaluationResult] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for report in self.imports:
            total.update(report.counts())
        return total

    def new_failures(self) -> list[tuple[str, FileOutcome]]:
        return [(r.athlete, o) for r in self.imports for o in r.failures + r.unusable]

    def summary(self) -> str:
        c = self.counts()
        verb = "would import" if self.dry_run else "imported"
        return (
            f"sync: {len(self.imports)} athlete(s); files: {verb} {c['imported']}, "
            f"updated {c['updated']}, unchanged {c['unchanged']}, duplicates {c['duplicate']}, "
            f"not activities {c['not_activity']}, unusable {c['unusable']}, failed {c['failed']}; "
            f"alerts: {sum(e.created for e in self.evaluations)} new, "
            f"{sum(e.escalated for e in self.evaluations)} escalated, "
            f"{sum(e.resolved for e in self.evaluations)} resolved"
        )


def run_pass(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    dry_run: bool = False,
    on_planned: Callable[[int], None] | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> PassReport:
    """Pull every athlete's sources into the store; bad files are recorded, never fatal."""
    report = PassReport(started_at=now, dry_run=dry_run)
    for athlete in settings.athletes:
        changed = False
        if athlete.files.paths:
            imported = import_paths(
                sessions, athlete, athlete.files.paths, now=now, dry_run=dry_run,
                on_planned=on_planned, on_file=on_file,
            )  # fmt: skip
            report.imports.append(imported)
            counts = imported.counts()
            changed = bool(counts["imported"] or counts["updated"])
        report.evaluations.extend(
            _evaluate_if_needed(settings, sessions, athlete, now=now, changed=changed, dry_run=dry_run)
        )
    log.info("%s", report.summary())
    return report


def _evaluate_if_needed(
    settings: Settings,
    sessions: sessionmaker[Session],
    athlete: AthleteSettings,
    *,
    now: datetime,
    changed: bool,
    dry_run: bool,
) -> list[EvaluationResult]:
    """Only athletes with new or changed data, or whose day has turned since the last run."""
    with sessions() as session, unit_of_work(session, dry_run=dry_run):
        stored = session.get(Athlete, athlete.id)
        today = now.astimezone(athlete.zone).date()
        if stored is None or (not changed and stored.evaluated_on == today):
            return []
        result = evaluate_athlete(session, athlete, settings.thresholds(athlete), now)
    return [result]
