"""acwr: the uncoupled EWMA acute:chronic workload ratio, for display and digests only.

Contested: Gabbett 2016 and Williams et al. 2017 on one side; Lolli et al. 2019 and
Impellizzeri et al. 2020 on the method, and Frandsen 2025 found no positive association in
runners. It never escalates beyond info.
"""

from __future__ import annotations

from datetime import date

from strainwatch.domain import Finding, Severity
from strainwatch.rules.base import Rule, Settings, number
from strainwatch.rules.history import History

DEFAULTS = {"high": 1.5, "low": 0.8, "exit_margin": 0.1, "min_history_days": 28.0}


def _bands(h: History, settings: Settings) -> list[str | None]:
    """The band of every day, with hysteresis: a ratio that crossed 1.5 stays "high" until it
    falls below 1.3, one below 0.8 stays "low" until it rises above 0.9, so a ratio hovering
    at a threshold is one episode, not a dozen. Each day depends only on the days before."""
    high, low = number(settings, "high"), number(settings, "low")
    key = f"acwr-bands:{high}:{low}:{number(settings, 'exit_margin')}"
    cached = h.cache.get(key)
    if cached is None:
        margin = number(settings, "exit_margin")
        cached = []
        band: str | None = None
        for i, ratio in enumerate(h.ratio):
            if ratio is None or i + 1 < number(settings, "min_history_days"):
                band = None
            elif ratio >= high or (band == "high" and ratio >= high - 2 * margin):
                band = "high"
            elif ratio < low or (band == "low" and ratio <= low + margin):
                band = "low"
            else:
                band = None
            cached.append(band)
        h.cache[key] = cached
    return cached


def _band(h: History, day: date, settings: Settings) -> str | None:
    i = h.index(day)
    return _bands(h, settings)[i] if 0 <= i < len(h.ratio) else None


def evaluate(h: History, day: date, settings: Settings) -> list[Finding]:
    i = h.index(day)
    if i < 0 or h.history_days(day) < number(settings, "min_history_days"):
        return []
    ratio = h.ratio[i]
    if ratio is None:
        return []
    band = _band(h, day, settings)
    if band == "high":
        title, advice = "Large recent increase in load", "Hold your volume steady for a week."
    elif band == "low":
        title = "Detraining: your next long run is likely a spike"
        advice = "Build back gradually: your recent longest run, not your old one, is the reference."
    else:
        return []
    since = h.episode_start(f"acwr:{band}", day, lambda d: _band(h, d, settings) == band)
    return [
        Finding(
            rule=RULE.id,
            severity=Severity.INFO,
            day=day,
            period=f"{band}:{since.isoformat()}",
            title=title,
            summary=f"acute:chronic ratio {ratio:.2f} (7-day vs 28-day EWMA of daily load)",
            advice=advice,
            numbers={"acwr": round(ratio, 2)},
        )
    ]


RULE = Rule(
    id="acwr",
    title="Acute:chronic workload ratio",
    grade="C, contested",
    citation="Gabbett 2016; Williams et al. 2017, BJSM 51:209; critiques: Lolli et al. 2019, "
    "BJSM 53:921; Impellizzeri et al. 2020, IJSPP 15:907",
    why="A context number: how this week compares with the last month.",
    defaults=DEFAULTS,
    evaluate=evaluate,
    kind="period",
    needs="4 weeks of history",
)
