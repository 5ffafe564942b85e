"""The weekly model every chart and table draws: the mail's 12 weeks, the overview's 26 and
status's 8 are the same weeks with the same figures. Pure.

A week runs Monday to Sunday in the athlete's time zone (History holds running only). Its
window longest is the guidance's (`rules.ceilings`:
spikes, treadmill and typed-in runs left out), so the line a chart draws is the number the
next-run limit is measured from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from strainwatch.metrics.history import History
from strainwatch.rules.base import Thresholds
from strainwatch.rules.ceilings import window_longest


@dataclass(frozen=True, slots=True)
class Week:
    label: str  # "2026-W47"
    start: date  # its Monday
    km: float
    longest_km: float
    window_longest_km: float  # the guidance's longest run of the window to the week's last day


def chart_end(h: History, today: date, weeks: int) -> date | None:
    """The last run's day when the history ended more than `weeks` weeks before `today` (an old
    export, a long break), so a chart shows running, not zeros; None: the chart ends today."""
    last = h.runs[-1].local_date if h.runs else None
    return last if last is not None and last < today - timedelta(weeks=weeks) else None


def weeks_to(h: History, end: date, count: int, t: Thresholds, today: date | None = None) -> list[Week]:
    """The `count` weeks whose last one holds `end`, oldest first; nothing after `today`
    (default `end`) is counted."""
    today = today or end
    monday = end - timedelta(days=end.weekday())
    out = []
    for back in range(count - 1, -1, -1):
        start = monday - timedelta(weeks=back)
        last = min(start + timedelta(days=6), today)
        runs = h.runs_between(start, last)
        iso = start.isocalendar()
        out.append(
            Week(
                label=f"{iso.year}-W{iso.week:02d}",
                start=start,
                km=sum(r.distance_m for r in runs) / 1000,
                longest_km=max((r.distance_m for r in runs), default=0.0) / 1000,
                window_longest_km=(window_longest(h, last, t).metres or 0.0) / 1000,
            )
        )
    return out
