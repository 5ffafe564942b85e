"""hill-spike: far more descent than in any run of the previous 30 days.

Bontemps et al. 2020 (Sports Med 50:2083): downhill running causes the most muscle damage
in the runners least used to it. Thresholds are product choices by analogy (grade D).
"""

from __future__ import annotations

from datetime import date

from strainwatch.domain import Finding, Severity
from strainwatch.metrics.history import History
from strainwatch.metrics.load import percentile
from strainwatch.rules.base import Rule, Thresholds, about_run, number
from strainwatch.rules.signals import is_spike
from strainwatch.units import climb_mark

DEFAULTS = {"factor": 1.3, "min_descent_m": 150.0, "window_days": 30.0, "percentile": 90.0}


def _title(descent: float, most: float, min_descent: float, days: int) -> str:
    """A ratio over next to nothing says nothing ("521x"): below a third of `min_descent_m`
    the recent most is said in absolute terms."""
    if most < min_descent / 3:
        return f"{climb_mark(descent)} of descent after {days} days with almost none"
    return f"{climb_mark(descent)} of descent, {descent / most:.1f}x your recent most"


def evaluate(h: History, day: date, t: Thresholds) -> list[Finding]:
    settings = t.of(RULE.id)
    findings = []
    for run in h.runs_on(day):
        if (
            run.descent_m is None
            or run.descent_m < number(settings, "min_descent_m")
            or not run.counts_for_spikes
        ):
            continue
        recent = [
            r.descent_m
            for r in h.previous_runs(run, int(number(settings, "window_days")))
            if r.descent_m is not None
        ]
        if not recent:
            continue
        most = max(recent)
        if run.descent_m <= number(settings, "factor") * most:
            continue
        everything = [r.descent_m for r in h.previous_runs(run, 365) if r.descent_m is not None]
        p90 = percentile(everything, number(settings, "percentile"))
        if p90 is not None and len(everything) >= 10 and run.descent_m <= p90:
            continue
        spiked = is_spike(h, run, t)
        days = int(number(settings, "window_days"))
        findings.append(
            about_run(
                RULE.id,
                Severity.CAUTION if spiked else Severity.INFO,
                day,
                run,
                title=_title(run.descent_m, most, number(settings, "min_descent_m"), days),
                summary=(
                    f"{climb_mark(run.descent_m)} down against at most {climb_mark(most)} in any run of the "
                    f"previous {days} days, more than {number(settings, 'factor'):g} x that"
                    + (" — on a run that was also a distance spike" if spiked else "")
                ),
                advice=(
                    "Calves and quads need 2-3 days after unaccustomed downhill running: "
                    "keep them flat and easy."
                ),
                numbers={
                    "descent_m": round(run.descent_m),
                    "recent_max_descent_m": round(most),
                    "p90_descent_m": None if p90 is None else round(p90),
                },
            )
        )
    return findings


RULE = Rule(
    id="hill-spike",
    title="Far more downhill than usual",
    grade="D",
    citation="Bontemps et al. 2020, Sports Med 50:2083 (muscle damage after downhill running)",
    why="Downhill running loads muscles eccentrically; unaccustomed, it causes the most damage.",
    defaults=DEFAULTS,
    evaluate=evaluate,
    needs="a run with recorded altitude in the previous 30 days",
    notes={
        "factor": "descent above this many times the most of any run in the window",
        "min_descent_m": "and at least this many metres down",
        "window_days": "the window of that most",
        "percentile": "and above this percentile of your year's runs (once there are 10)",
    },
    fires=(
        "descent > {factor} × the most in any run of the previous {window_days} days, ≥ "
        "{min_descent_m} m and above your {percentile}th percentile"
    ),
)
