"""acwr: the uncoupled EWMA acute:chronic workload ratio, for display and digests only.

Contested: Gabbett 2016 and Williams et al. 2017 on one side; Lolli et al. 2019 and
Impellizzeri et al. 2020 on the method, and Frandsen 2025 found no positive association in
runners. It never escalates beyond info and never makes a mail on its own.

The ratio of a runner who runs twice a week jumps with every run and sags between them, so
a crossing means nothing by itself. It speaks only when the ratio has stayed out of its band
for at least the acute window (`min_days_out`) *and* across `min_runs_out` of the runner's
own running days, with `min_acute_runs` running days in the last 7 and `min_chronic_runs` in
the last 28: the duration is counted in the runner's own sessions, so it means about a week
for a daily runner and a fortnight for one who runs twice a week.
"""

from __future__ import annotations

from datetime import date, timedelta

from strainwatch.domain import Finding, Severity
from strainwatch.metrics.history import History
from strainwatch.rules.base import Rule, Settings, Thresholds, number

DEFAULTS = {
    "high": 1.5,
    "low": 0.8,
    "exit_margin": 0.1,
    "min_history_days": 28.0,
    "min_days_out": 7.0,  # the acute window: shorter excursions are one run's echo
    "min_runs_out": 3.0,  # running days inside the excursion: the runner's own rhythm
    "min_acute_runs": 2.0,  # a 7-day average of one run is that run
    "min_chronic_runs": 4.0,  # a month with fewer runs is no base to compare with
}


def _bands(h: History, settings: Settings) -> list[str | None]:
    """The band of every day, read at the runner's own sessions. On a running day the ratio is
    judged with hysteresis: one that crossed 1.5 stays "high" until it falls below 1.3, one
    below 0.8 stays "low" until it rises above 0.9, so a ratio hovering at a threshold is one
    episode. Between runs the band of the last run holds (the EWMA's decay over two rest days
    is arithmetic, not news) unless the ratio crosses into the opposite band. Each day depends
    only on the days before."""
    high, low = number(settings, "high"), number(settings, "low")
    key = f"acwr-bands:{high}:{low}:{number(settings, 'exit_margin')}:{number(settings, 'min_history_days')}"
    cached = h.cache.get(key)
    if cached is None:
        margin = number(settings, "exit_margin")
        cached = []
        band: str | None = None
        for i, ratio in enumerate(h.ratio):
            if ratio is None or i + 1 < number(settings, "min_history_days"):
                band = None
            elif h.ran[i]:
                if ratio >= high or (band == "high" and ratio >= high - 2 * margin):
                    band = "high"
                elif ratio < low or (band == "low" and ratio <= low + margin):
                    band = "low"
                else:
                    band = None
            elif (band == "high" and ratio < low) or (band == "low" and ratio >= high):
                band = None
            cached.append(band)
        h.cache[key] = cached
    return cached


def _band(h: History, day: date, settings: Settings) -> str | None:
    i = h.index(day)
    return _bands(h, settings)[i] if 0 <= i < len(h.ratio) else None


def _running_days(h: History, first: date, last: date) -> int:
    return sum(h.ran[max(0, h.index(first)) : h.index(last) + 1])


def _meaningful(h: History, day: date, since: date, settings: Settings) -> bool:
    """Out of band long enough, in days and in the runner's own sessions, with enough running
    days in both EWMA windows for the ratio to be more than one run's echo."""
    return (
        (day - since).days + 1 >= number(settings, "min_days_out")
        and _running_days(h, since, day) >= number(settings, "min_runs_out")
        and _running_days(h, day - timedelta(days=6), day) >= number(settings, "min_acute_runs")
        and _running_days(h, day - timedelta(days=27), day) >= number(settings, "min_chronic_runs")
    )


def evaluate(h: History, day: date, t: Thresholds) -> list[Finding]:
    settings = t.of(RULE.id)
    i = h.index(day)
    if i < 0 or h.history_days(day) < number(settings, "min_history_days"):
        return []
    ratio = h.ratio[i]
    if ratio is None:
        return []
    band = _band(h, day, settings)
    if band is None:
        return []
    since = h.episode_start(f"acwr:{band}", day, lambda d: _band(h, d, settings) == band)
    if not _meaningful(h, day, since, settings):
        return []
    if band == "high":
        title, advice = "Large recent increase in load", "Hold your volume steady for a week."
    elif band == "low":
        title = "Detraining: your next long run is likely a spike"
        advice = "Build back gradually: your recent longest run, not your old one, is the reference."
    return [
        Finding(
            rule=RULE.id,
            severity=Severity.INFO,
            day=day,
            period=f"{band}:{since.isoformat()}",
            title=title,
            summary=(
                f"acute:chronic ratio {ratio:.2f} (7-day vs 28-day EWMA of daily load), "
                f"{'above' if band == 'high' else 'below'} {number(settings, band):g} "
                f"since {since.isoformat()}"
            ),
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
    notes={
        "high": "the ratio at or above this: high",
        "low": "below this: low",
        "exit_margin": "once out, back in only twice this inside the edge (1.5 -> 1.3): no flicker",
        "min_history_days": "days of history before it may speak",
        "min_days_out": "days out of its band before it speaks (in status, or a digest that goes anyway)",
        "min_runs_out": "and across this many of your running days",
        "min_acute_runs": "with this many running days in the last 7",
        "min_chronic_runs": "and this many in the last 28",
    },
    fires=(
        "EWMA acute:chronic ratio ≥ {high} or < {low}, held for {min_days_out} days and across "
        "{min_runs_out} of your running days (below): display only, the evidence is contested"
    ),
)
