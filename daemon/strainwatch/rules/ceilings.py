"""The distance limits the rules advise for a day: the next run and the next 7 days. Pure.

Every rule that advises a limit contributes a `Ceiling` here, measured exactly as that rule
measures it, and only while the rule is enabled. `strictest` takes the lowest: the guidance
(alerts.guidance: status, the overview, mail, push) and the rules' own advice both quote it, so
a day has one next-run number and one next-7-days number wherever the runner reads it.

Reasons are sentences with marked quantities (strainwatch.units), spelt in the athlete's units
where they are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import Literal

from strainwatch.domain import Run
from strainwatch.metrics.history import History
from strainwatch.rules.base import Settings, Thresholds, number
from strainwatch.rules.signals import SPIKE, is_spike
from strainwatch.units import distance_mark

WEEKLY = "weekly-volume-jump"
RETURN = "return-after-layoff"
Scope = Literal["run", "week"]


@dataclass(frozen=True, slots=True)
class Ceiling:
    """One rule's limit: `scope` "run" (the next run) or "week" (the next 7 days)."""

    scope: Scope
    metres: float
    rule: str  # the rule that advises it
    reason: str  # how it is measured, with marked quantities: "1.1 x your 30-day longest of …"


@dataclass(frozen=True, slots=True)
class Longest:
    """The longest run of the window to a day, as long-run-spike measures it, and the runs of
    the window it leaves out on purpose (a spike is not the new normal; treadmill and typed-in
    distances are too rough), so a page that shows the number can say what it skips."""

    window_days: int
    metres: float | None
    left_out: tuple[Run, ...] = ()


@dataclass(frozen=True, slots=True)
class Comeback:
    """The first week back after a layoff, as return-after-layoff measures it."""

    first: Run  # the first run back
    last_before: Run  # the last run before the break
    typical_run_m: float  # median run of the `baseline_days` before the break
    typical_week_m: float
    run_limit_m: float  # `first_run` x the typical run
    week_limit_m: float  # `first_week` x the typical week

    @property
    def gap_days(self) -> int:
        return (self.first.local_date - self.last_before.local_date).days


def window_longest(h: History, today: date, t: Thresholds) -> Longest:
    spike = t.of(SPIKE)
    window = int(number(spike, "window_days"))
    kept: list[Run] = []
    left_out: list[Run] = []
    for r in h.runs_between(today - timedelta(days=window - 1), today):
        (kept if r.counts_for_spikes and not is_spike(h, r, t) else left_out).append(r)
    longest = max((r.distance_m for r in kept), default=0.0) or None
    return Longest(window, longest, tuple(left_out))


def comeback(h: History, day: date, settings: Settings) -> Comeback | None:
    """The comeback whose first week holds `day`, by the return-after-layoff settings given."""
    gap_days = int(number(settings, "gap_days"))
    for run in h.runs_between(day - timedelta(days=6), day):
        before = h.previous_runs(run, 365)
        if before and (run.local_date - before[-1].local_date).days >= gap_days:
            first, last_before = run, before[-1]
            break
    else:
        return None
    baseline_days = int(number(settings, "baseline_days"))
    pre = [
        r for r in h.previous_runs(first, 365) if (last_before.local_date - r.local_date).days < baseline_days
    ]
    if not pre:
        return None
    typical_run = median(r.distance_m for r in pre)
    typical_week = sum(r.distance_m for r in pre) / (baseline_days / 7)
    return Comeback(
        first,
        last_before,
        typical_run,
        typical_week,
        run_limit_m=number(settings, "first_run") * typical_run,
        week_limit_m=number(settings, "first_week") * typical_week,
    )


def weekly_jump(h: History, day: date, settings: Settings) -> tuple[float, float, float] | None:
    """(last 7 days km, mean of the two weeks before, increase) when weekly-volume-jump's
    condition holds on `day`, by the settings given."""
    if h.history_days(day) < number(settings, "min_history_days"):
        return None
    last = h.km_between(day - timedelta(days=6), day)
    before = h.km_between(day - timedelta(days=20), day - timedelta(days=7)) / 2
    if before < number(settings, "min_baseline_km"):
        return None
    increase = last / before - 1
    if increase < number(settings, "info") or last - before < number(settings, "min_increase_km"):
        return None
    return last, before, increase


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.0f} %"


def advised(h: History, today: date, t: Thresholds) -> tuple[Ceiling, ...]:
    """Every limit the enabled rules advise for the run after `today` and the 7 days after it."""
    found: list[Ceiling] = []
    if SPIKE in t:
        longest = window_longest(h, today, t)
        factor = number(t.of(SPIKE), "next_run_factor")
        if longest.metres is not None:
            found.append(
                Ceiling(
                    "run",
                    factor * longest.metres,
                    SPIKE,
                    f"{factor:g} x your longest run of the last {longest.window_days} days, "
                    f"{distance_mark(longest.metres)}",
                )
            )
    if WEEKLY in t:
        settings = t.of(WEEKLY)
        factor = number(settings, "next_week_factor")
        mean_km = h.km_between(today - timedelta(days=13), today) / 2
        if mean_km > 0:
            found.append(
                Ceiling(
                    "week",
                    factor * mean_km * 1000,
                    WEEKLY,
                    f"{factor:g} x your weekly mean of the last 2 weeks, {distance_mark(mean_km * 1000)}",
                )
            )
        jump = weekly_jump(h, today, settings)
        if jump is not None:
            found.append(
                Ceiling(
                    "week",
                    factor * jump[1] * 1000,
                    WEEKLY,
                    f"{factor:g} x your weekly mean of the 2 weeks before this jump, "
                    f"{distance_mark(jump[1] * 1000)}",
                )
            )
    if RETURN in t:
        settings = t.of(RETURN)
        back = comeback(h, today, settings)
        if back is not None:
            gap = f"after {back.gap_days} days off"
            found += [
                Ceiling(
                    "run",
                    back.run_limit_m,
                    RETURN,
                    f"{gap}: {_percent(number(settings, 'first_run'))} of your typical run before the "
                    f"break, {distance_mark(back.typical_run_m)}",
                ),
                Ceiling(
                    "week",
                    back.week_limit_m,
                    RETURN,
                    f"{gap}: the first week back at {_percent(number(settings, 'first_week'))} of your "
                    f"typical week before the break, {distance_mark(back.typical_week_m)}",
                ),
            ]
    return tuple(found)


def strictest(ceilings: Sequence[Ceiling], scope: Scope) -> Ceiling | None:
    """The lowest limit of `scope`; on a tie the first advised. A run's is never above the
    next 7 days' (one run cannot use more than the whole week allows)."""
    of_scope = [c for c in ceilings if c.scope == scope]
    found = min(of_scope, key=lambda c: c.metres) if of_scope else None
    if scope == "run" and found is not None:
        week = strictest(ceilings, "week")
        if week is not None and week.metres < found.metres:
            return Ceiling("run", week.metres, week.rule, f"the next 7 days' limit: {week.reason}")
    return found


def limit_sentence(ceiling: Ceiling) -> str:
    """ "[[distance]] (1.1 x your longest run …; set by long-run-spike)": a limit with its why."""
    return f"{distance_mark(ceiling.metres)} ({ceiling.reason}; set by {ceiling.rule})"
