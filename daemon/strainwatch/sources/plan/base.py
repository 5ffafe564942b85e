"""What a plan source is to the plan check and to `doctor`, whatever its kind.

Unlike an activity source, a plan is not copied into the store: it is read whole on every
pass (two weeks of a calendar is a few kB), because the runner edits it where it lives and
every edit, removal included, must count at once. What the runner was told about it is
stored (store/plan_forecasts.py), not the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from strainwatch.alerts.forecast import PlannedRun, Unparsed
from strainwatch.errors import SourceError

if TYPE_CHECKING:
    from strainwatch.config.settings import AthleteSettings, Settings
    from strainwatch.sources.base import Check

MAX_PLAN_BYTES = 5_000_000  # a plan file or feed larger than this is not a plan


@dataclass(slots=True)
class PlanReading:
    """The planned runs a source holds between two days, and the entries it could not read."""

    planned: list[PlannedRun] = field(default_factory=list)
    unparsed: list[Unparsed] = field(default_factory=list)
    not_runs: int = 0  # rest days, rides, strength sessions: read and left out

    def extend(self, other: PlanReading) -> None:
        self.planned += other.planned
        self.unparsed += other.unparsed
        self.not_runs += other.not_runs


class PlanSource(Protocol):
    """One athlete's configured plan source."""

    @property
    def name(self) -> str: ...

    def read(self, first: date, last: date, now: datetime) -> PlanReading:
        """The plan's entries dated first..last (local days); raises a StrainwatchError when
        the plan cannot be read at all."""
        ...


class PlanKind(Protocol):
    name: str

    def configured(self, settings: Settings, athlete: AthleteSettings) -> PlanSource | None: ...

    def doctor(self, settings: Settings, now: datetime) -> list[Check]:
        """Its lines: each athlete's plan read now, nothing stored."""
        ...


def read_plan_file(path: Path) -> bytes:
    """A plan file's bytes; a missing, unreadable or oversized file is a SourceError."""
    try:
        size = path.stat().st_size
        if size > MAX_PLAN_BYTES:
            raise SourceError(f"{path}: larger than {MAX_PLAN_BYTES // 1_000_000} MB, not read")
        return path.read_bytes()[:MAX_PLAN_BYTES]
    except OSError as error:
        raise SourceError(f"cannot read the plan {path}: {error.strerror or error}") from None


def reading_line(where: str, reading: PlanReading) -> str:
    """`doctor`'s line for a plan that could be read."""
    line = f"{where}: {len(reading.planned)} planned runs"
    if reading.unparsed:
        first = reading.unparsed[0]
        line += f", {len(reading.unparsed)} unparsed (first: {first.where}: {first.reason})"
    return line
