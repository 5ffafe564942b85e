"""Load series over days: rolling sums, EWMA acute:chronic ratio, fitness/fatigue, Foster
monotony and strain, streaks and percentiles. Pure functions over lists indexed by day.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import median


def rolling_sum(values: Sequence[float], end: int, days: int) -> float:
    """Sum of the `days` values ending at index `end` (inclusive); days before 0 count 0."""
    return sum(values[max(0, end - days + 1) : end + 1])


def ewma(values: Sequence[float], n: int) -> list[float]:
    """Exponentially weighted moving average with lambda = 2 / (n + 1), seeded at 0."""
    lam = 2.0 / (n + 1)
    out: list[float] = []
    level = 0.0
    for v in values:
        level = lam * v + (1 - lam) * level
        out.append(level)
    return out


def acwr(values: Sequence[float], acute: int = 7, chronic: int = 28) -> list[float | None]:
    """Uncoupled EWMA acute:chronic ratio (Williams et al. 2017); None while chronic is 0."""
    a, c = ewma(values, acute), ewma(values, chronic)
    return [x / y if y > 1e-9 else None for x, y in zip(a, c, strict=True)]


def fitness_fatigue(
    stress: Sequence[float], ctl_days: float = 42.0, atl_days: float = 7.0
) -> tuple[list[float], list[float], list[float]]:
    """Banister-style fitness (CTL), fatigue (ATL) and form (TSB) = the same day's CTL - ATL,
    after that day's load, as intervals.icu shows it (one form for the card, the chart and the
    fatigue rule)."""
    ctl: list[float] = []
    atl: list[float] = []
    tsb: list[float] = []
    c = a = 0.0
    for s in stress:
        c += (s - c) / ctl_days
        a += (s - a) / atl_days
        ctl.append(c)
        atl.append(a)
        tsb.append(c - a)
    return ctl, atl, tsb


def monotony(values: Sequence[float], end: int, days: int = 7) -> float | None:
    """Foster's monotony: mean / SD of daily load over `days` (rest days count 0).

    None when the SD is 0 (no load, or exactly the same load every day).
    """
    window = [values[i] if i >= 0 else 0.0 for i in range(end - days + 1, end + 1)]
    mean = sum(window) / days
    sd = math.sqrt(sum((v - mean) ** 2 for v in window) / days)
    return mean / sd if sd > 1e-9 else None


def strain(values: Sequence[float], end: int, days: int = 7) -> float:
    """Foster's strain: weekly load x monotony (0 when monotony is undefined)."""
    m = monotony(values, end, days)
    return rolling_sum(values, end, days) * m if m is not None else 0.0


def strain_series(values: Sequence[float], days: int = 7) -> list[float]:
    """`strain` at every index, with the same arithmetic in one pass (ten years of days are
    3,650 windows: the overview builds them on its first request)."""
    out: list[float] = []
    for end in range(len(values)):
        window = list(values[max(0, end - days + 1) : end + 1])
        if len(window) < days:  # days before the first count 0, as in `monotony`
            window[:0] = [0.0] * (days - len(window))
        total = sum(window)
        mean = total / days
        sd = math.sqrt(sum((v - mean) ** 2 for v in window) / days)
        out.append(total * (mean / sd) if sd > 1e-9 else 0.0)
    return out


def streak(active: Sequence[bool], end: int) -> int:
    """Consecutive active days ending at `end`."""
    n = 0
    while end - n >= 0 and active[end - n]:
        n += 1
    return n


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (0-100) of `values`; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def median_or_none(values: Sequence[float]) -> float | None:
    return median(values) if values else None


def banister_trimp(minutes: float, hr_reserve: float, female: bool = False) -> float:
    """Banister TRIMP: minutes x HRr x 0.64 e^(1.92 HRr) (women: 0.86 e^(1.67 HRr))."""
    if female:
        return minutes * hr_reserve * 0.86 * math.exp(1.67 * hr_reserve)
    return minutes * hr_reserve * 0.64 * math.exp(1.92 * hr_reserve)


def training_stress(moving_s: float, gap_s_per_km: float | None, easy_gap: float | None) -> float:
    """A TSS-like score without heart rate or a threshold test, for the fitness/fatigue rule.

    100 per hour at threshold, intensity factor estimated as 0.75 at the runner's easy
    grade-adjusted pace, scaling with speed. An estimate (grade D), in TSS's units so that
    the conventional ramp and TSB thresholds keep their meaning.
    """
    intensity = 0.75
    if gap_s_per_km and easy_gap:
        intensity = min(1.2, max(0.5, 0.75 * easy_gap / gap_s_per_km))
    return moving_s / 3600 * 100 * intensity**2
