"""The files source: an athlete's `[athletes.files] paths`, imported on every pass.

Its cursor is the store's file records (path, size, mtime, hash): unchanged files are
skipped without being opened.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from strainwatch.config.compose import KindConfig
from strainwatch.sources.base import Check, PassHooks, SourceReport
from strainwatch.sources.files.activity_files import is_activity_name
from strainwatch.sources.files.settings import TABLE, FileSourceSettings, files_of

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session, sessionmaker

    from strainwatch.config.settings import AthleteSettings, Settings
    from strainwatch.kind_status import KindStatus
    from strainwatch.metrics.cleaning import CleaningLimits
    from strainwatch.sources.files.importing.importer import ImportReport
    from strainwatch.sources.files.importing.jobs import FileOutcome


@dataclass(frozen=True, slots=True)
class FilesSource:
    athlete: AthleteSettings
    cleaning: CleaningLimits | None = None
    name: str = "files"

    def sync(self, sessions: sessionmaker[Session], hooks: PassHooks) -> ImportReport:
        from strainwatch.sources.files.importing.importer import import_paths  # the readers, when a pass runs

        return import_paths(
            sessions,
            self.athlete,
            files_of(self.athlete).paths,
            now=hooks.now,
            on_planned=hooks.on_planned,
            on_file=each_file(hooks),
            should_stop=hooks.should_stop,
            cleaning=self.cleaning,
        )


def each_file(hooks: PassHooks) -> Callable[[FileOutcome], None] | None:
    """The pass's per-item hook, told whether the file was read (not skipped as unchanged)."""
    on_item = hooks.on_item
    if on_item is None:
        return None
    return lambda outcome: on_item(outcome.outcome != "unchanged")


class FilesKind:
    """The files source: its state is the passes' health, shown by every page already."""

    name = TABLE
    config = KindConfig(TABLE, athlete=FileSourceSettings, always=True)

    def configured(self, settings: Settings, athlete: AthleteSettings) -> FilesSource | None:
        return FilesSource(athlete, settings.cleaning.limits()) if files_of(athlete).paths else None

    def doctor(self, settings: Settings, sessions: sessionmaker[Session] | None) -> list[Check]:
        """Every configured path readable (a folder also searchable); no database needed."""
        out = []
        for athlete in settings.athletes:
            for path in files_of(athlete).paths:
                readable = path.exists() and os.access(path, os.R_OK | (os.X_OK if path.is_dir() else 0))
                detail = f"{path} readable" if readable else f"{path} missing or not readable"
                out.append(Check(f"files of {athlete.id}", readable, detail))
        return out

    def status(self, settings: Settings, session: Session, athlete_ids: Collection[str]) -> KindStatus | None:
        return None

    def watched(self, athlete: AthleteSettings) -> list[Path]:
        return list(files_of(athlete).paths)

    def takes_file(self, name: str) -> bool:
        """An activity file (.gpx, .fit, .tcx, each also .gz) or a zip that may be an export."""
        return is_activity_name(name) or name.lower().endswith(".zip")

    def tables(self) -> list[type]:
        return []  # the store's own: activities and files

    def totals(self, reports: Sequence[SourceReport], dry_run: bool) -> str:
        """Every athlete's files in one count (said even when there were none)."""
        from strainwatch.sources.files.importing.importer import ImportReport, counts_line

        total: Counter[str] = Counter()
        for report in reports:
            if isinstance(report, ImportReport):
                total.update(report.counts())
        return f"files: {counts_line(total, dry_run)}"

    def import_paths(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        athlete: AthleteSettings,
        paths: Sequence[Path],
        *,
        dry_run: bool,
        workers: int | None,
        hooks: PassHooks,
    ) -> ImportReport:
        """`strainwatch import`: these paths now, whatever the athlete's configured ones."""
        from strainwatch.sources.files.importing.importer import import_paths

        return import_paths(
            sessions,
            athlete,
            paths,
            now=hooks.now,
            dry_run=dry_run,
            workers=workers,
            on_planned=hooks.on_planned,
            on_file=each_file(hooks),
            cleaning=settings.cleaning.limits(),
        )


FILES = FilesKind()
