"""What a source of activities is to the pass and to `doctor`, whatever its kind.

A source (an athlete's files folders, a Strava link, …) is configured per athlete; each
pass asks it to bring the store up to date through its own cursor, kept in the store, and
reports what changed. What it found (new, changed and deleted activities) goes into the
store as a `domain.SourceBatch` through `store.apply.apply_batch`, the one path in. The
pass knows nothing else about it: adding a source is one package with a `SourceKind`, its
config table and its `doctor` checks, listed once in pipeline/sources.py.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from strainwatch.errors import StrainwatchError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from strainwatch.config.compose import KindConfig
    from strainwatch.config.settings import AthleteSettings, Settings
    from strainwatch.kind_status import KindStatus


@dataclass(frozen=True, slots=True)
class Check:
    """One line of `strainwatch doctor`."""

    name: str
    ok: bool
    detail: str
    warning: bool = False  # worth knowing, not broken

    def line(self) -> str:
        mark = "ok  " if self.ok else ("warn" if self.warning else "FAIL")
        return f"[{mark}] {self.name}: {self.detail}"


def probe(name: str, work: Callable[[], str]) -> Check:
    """`work()`'s text as a passed check, its error as a failed one: a checklist never crashes."""
    try:
        return Check(name, True, work())
    except StrainwatchError as error:
        return Check(name, False, str(error) + (f" ({error.hint})" if error.hint else ""))
    except Exception as error:
        return Check(name, False, f"{type(error).__name__}: {error}")


@dataclass(frozen=True, slots=True)
class Notice:
    """Something only the runner can mend (a revoked link): mailed once, keyed per problem and day."""

    subject: str
    text: str
    key: str


@dataclass(frozen=True, slots=True)
class PassHooks:
    """What the pass lends a source: its clock, progress callbacks and the stop request."""

    now: datetime
    on_planned: Callable[[int], None] | None = None
    # one item done, for a progress bar: True when it was read (not skipped as unchanged)
    on_item: Callable[[bool], None] | None = None
    should_stop: Callable[[], bool] | None = None
    on_progress: Callable[[], None] | None = None  # before each network request: the watchdog


class SourceReport(Protocol):
    """What one source did in one pass."""

    @property
    def changed(self) -> bool:
        """New, changed or deleted activities were stored: the rules must run again."""
        ...

    @property
    def failure(self) -> str | None:
        """Why the source is unhealthy although it ran (recorded, the pass goes on)."""
        ...

    @property
    def notice(self) -> Notice | None: ...

    def summary(self) -> str: ...

    def item_lines(self) -> list[str]:
        """A line for each item the runner must hear of once (a file that failed)."""
        ...


class PathsReport(SourceReport, Protocol):
    """What `strainwatch import` did with the paths it was given."""

    def lines(self, dry_run: bool) -> list[str]:
        """The whole report, one line each: the counts, then every item worth naming."""
        ...

    @property
    def some_failed(self) -> bool: ...


class Source(Protocol):
    """One athlete's configured source."""

    @property
    def name(self) -> str:
        """ "files", "strava": its health key and its name in reports."""
        ...

    def sync(self, sessions: sessionmaker[Session], hooks: PassHooks) -> SourceReport: ...


class CommandContext(Protocol):
    """What a kind's own commands get from `strainwatch` (click's context object)."""

    @property
    def settings(self) -> Settings: ...

    def sessions(self) -> sessionmaker[Session]: ...


class SourceKind(Protocol):
    """A kind of source: which athletes it serves, and its lines in `doctor`."""

    name: str
    config: KindConfig  # its tables in the config file

    def configured(self, settings: Settings, athlete: AthleteSettings) -> Source | None: ...

    def doctor(self, settings: Settings, sessions: sessionmaker[Session] | None) -> list[Check]:
        """Its checks; `sessions` is None when the database cannot be used."""
        ...

    def status(self, settings: Settings, session: Session, athlete_ids: Collection[str]) -> KindStatus | None:
        """Its state for these athletes (a link, a cursor, a quota), for the system page."""
        ...

    def watched(self, athlete: AthleteSettings) -> list[Path]:
        """The athlete's folders and files where a new file should start a pass soon."""
        ...

    def takes_file(self, name: str) -> bool:
        """Whether a file of this name, landing in a watched folder, is one it reads."""
        ...

    def tables(self) -> list[type]:
        """Its own tables (models on the store's Base), imported now: with them the store's
        metadata is whole (what the migrations are compared with)."""
        ...

    def totals(self, reports: Sequence[SourceReport], dry_run: bool) -> str | None:
        """Its part of the pass's summary line over every athlete's report ("files:
        imported 3, …"); None when it has none."""
        ...


@runtime_checkable
class TakesPaths(Protocol):
    """A kind that imports the paths `strainwatch import` is given (files, folders, exports)."""

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
    ) -> PathsReport: ...
