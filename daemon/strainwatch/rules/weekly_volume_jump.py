"""weekly-volume-jump: the last 7 days against the mean of the two 7-day windows before.

Nielsen et al. 2014 (JOSPT 44:739): more than 30 % weekly progression over two weeks,
HR 1.59 for distance-related injuries; Damsted et al. 2019. The "10 % rule" showed no
effect (Buist et al. 2008) and is never cited as evidence.
"""

from __future__ import annotations

from datetime import date, timedelta

from strainwatch.domain import Finding, Severity
from strainwatch.metrics.history import History
from strainwatch.rules.base import Rule, Settings, Thresholds, in_episode, number, pct
from strainwatch.rules.modifiers import person_modifiers

DEFAULTS = {
    "info": 0.20,
    "caution": 0.30,
    "min_increase_km": 5.0,
    # percentages of a near-empty fortnight say nothing: return-after-layoff covers comebacks
    "min_baseline_km": 10.0,
    "min_history_days": 21.0,
    "next_week_factor": 1.3,  # the ceiling for the next 7 days: x the two-week mean (also in status)
}


def _measure(h: History, day: date, settings: Settings) -> tuple[float, float, float] | None:
    """(last 7 days km, mean of the two weeks before, increase) when the jump condition holds."""
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


def evaluate(h: History, day: date, t: Thresholds) -> list[Finding]:
    settings = t.of(RULE.id)
    measured = _measure(h, day, settings)
    if measured is None:
        return []
    last, before, increase = measured
    severity = Severity.CAUTION if increase > number(settings, "caution") else Severity.INFO
    mods = person_modifiers(h, day)
    if mods and severity == Severity.CAUTION:
        severity = severity.raised()
    factor = number(settings, "next_week_factor")
    ceiling = factor * before
    since = h.episode_start("weekly-volume-jump", day, lambda d: _measure(h, d, settings) is not None)
    return [
        in_episode(
            RULE.id, severity, day, since,
            title=f"Weekly distance {increase * 100:.0f}% above the two weeks before",
            summary=(
                f"{last:.1f} km in the last 7 days against {before:.1f} km a week on average "
                f"in the two weeks before: {pct(increase)}"
            ),
            advice=(
                f"Hold the next 7 days at or below {ceiling:.0f} km ({factor:g} x your recent weekly "
                "mean) and keep most runs easy."
            ),
            numbers={
                "last_7_days_km": round(last, 1),
                "previous_weekly_mean_km": round(before, 1),
                "increase_pct": round(increase * 100, 1),
                "next_week_ceiling_km": round(ceiling, 1),
            },
            activity_ids=tuple(r.activity_id for r in h.runs_between(day - timedelta(days=6), day)),
            modifiers=tuple(mods),
        )
    ]


RULE = Rule(
    id="weekly-volume-jump",
    title="Weekly distance climbing fast",
    grade="B",
    citation=(
        "Nielsen et al. 2014, JOSPT 44:739 (> 30 % in 2 weeks, HR 1.59); Damsted et al. 2019, JOSPT 49:230"
    ),
    why="Weekly distance rising by more than about 30 % has been followed by more distance-related injuries.",
    defaults=DEFAULTS,
    evaluate=evaluate,
    kind="period",
    needs="3 weeks of history",
)
