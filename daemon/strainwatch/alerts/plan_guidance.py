"""The ceilings a forecast offers as its capped version: the one seam between the plan's
forecasts and the guidance model. Pure.

Today it reads `alerts.guidance` (the next-run and next-7-days ceilings); when the guidance
becomes one model (the strictest ceiling across the active rules), only this module changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from strainwatch.alerts.guidance import guidance
from strainwatch.metrics.history import History
from strainwatch.rules.base import Thresholds


@dataclass(frozen=True, slots=True)
class Ceilings:
    """What the guidance allows after `day`: the next run and the next 7 days, in km."""

    next_run_km: float | None
    next_week_km: float | None


def ceilings_after(h: History, day: date, t: Thresholds) -> Ceilings:
    """The ceilings for a run on the day after `day`, and for the 7 days after `day`."""
    g = guidance(h, day, t)
    return Ceilings(g.next_run_ceiling_km, g.next_week_ceiling_km)
