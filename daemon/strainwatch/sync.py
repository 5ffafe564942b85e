"""One sync pass over every configured source: the CLI's `sync` and the daemon both call it.

Later stages (rule evaluation, alerts, email, Strava) join this same pass.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from strainwatch.config import Settings
from strainwatch.importing.importer import ImportReport, import_paths
from strainwatch.importing.jobs import FileOutcome

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PassReport:
    started_at: datetime
    dry_run: bool
    imports: list[ImportReport] = field(default_factory=list)

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
            f"not activities {c['not_activity']}, unusable {c['unusable']}, failed {c['failed']}"
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
        if not athlete.files.paths:
            continue
        report.imports.append(
            import_paths(
                sessions,
                athlete,
                athlete.files.paths,
                now=now,
                dry_run=dry_run,
                on_planned=on_planned,
                on_file=on_file,
            )
        )
    log.info("%s", report.summary())
    return report
