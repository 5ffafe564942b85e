"""Every kind of plan source, in the order the plan check reads them and `doctor` lists them.

The one place that names them: a new kind of plan adds its `PlanKind` here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from strainwatch.sources.plan.csv_plan import CSV_PLAN
from strainwatch.sources.plan.ical_plan import ICAL_PLAN
from strainwatch.sources.plan.intervals_plan import INTERVALS_PLAN
from strainwatch.sources.plan.settings import CONFIG

if TYPE_CHECKING:
    from strainwatch.config.settings import AthleteSettings, Settings
    from strainwatch.sources.plan.base import PlanKind, PlanReading, PlanSource

PLAN_KINDS: tuple[PlanKind, ...] = (CSV_PLAN, ICAL_PLAN, INTERVALS_PLAN)
PLAN_CONFIG = CONFIG  # [athletes.plan] and its three tables


def plans_of(settings: Settings, athlete: AthleteSettings) -> list[PlanSource]:
    """The athlete's configured plan sources."""
    return [s for kind in PLAN_KINDS if (s := kind.configured(settings, athlete)) is not None]


def read_plans(
    settings: Settings, athlete: AthleteSettings, first: date, last: date, now: datetime
) -> tuple[PlanReading, list[str]]:
    """Every plan source's entries, and a line for each source that could not be read (the
    others still count)."""
    from strainwatch.errors import StrainwatchError
    from strainwatch.sources.plan.base import PlanReading

    reading, problems = PlanReading(), []
    for source in plans_of(settings, athlete):
        try:
            reading.extend(source.read(first, last, now))
        except StrainwatchError as error:
            problems.append(f"plan {source.name}: {error}")
    return reading, problems
