"""fatigue: fitness (CTL, 42 d), fatigue (ATL, 7 d) and form (TSB = CTL - ATL).

Daily stress is a TSS-like estimate from moving time and grade-adjusted pace relative to
the runner's easy pace (see metrics.load.training_stress), so TrainingPeaks-style
conventions apply: a CTL ramp above 8 a week is fast, above 10 for two weeks is too fast,
and a TSB below -30 is deep fatigue.
"""

from __future__ import annotations

from datetime import date

from strainwatch.domain import Finding, Severity
from strainwatch.metrics.history import History
from strainwatch.rules.base import Rule, Settings, Thresholds, in_episode, number

DEFAULTS = {"ramp_info": 8.0, "ramp_caution": 10.0, "tsb_caution": -30.0, "min_history_days": 42.0}


def _holds(h: History, day: date, settings: Settings) -> bool:
    i = h.index(day)
    if i < 14 or h.history_days(day) < number(settings, "min_history_days"):
        return False
    return h.ctl[i] - h.ctl[i - 7] > number(settings, "ramp_info") or h.tsb[i] < number(
        settings, "tsb_caution"
    )


def evaluate(h: History, day: date, t: Thresholds) -> list[Finding]:
    settings = t.of(RULE.id)
    i = h.index(day)
    if i < 14 or h.history_days(day) < number(settings, "min_history_days"):
        return []
    ramp = h.ctl[i] - h.ctl[i - 7]
    ramp_before = h.ctl[i - 7] - h.ctl[i - 14]
    tsb = h.tsb[i]
    severity = None
    reasons = []
    if ramp > number(settings, "ramp_caution") and ramp_before > number(settings, "ramp_caution"):
        severity = Severity.CAUTION
        reasons.append(f"fitness (CTL) rose {ramp_before:.1f} and then {ramp:.1f} a week")
    elif ramp > number(settings, "ramp_info"):
        severity = Severity.INFO
        reasons.append(f"fitness (CTL) rose {ramp:.1f} in a week")
    if tsb < number(settings, "tsb_caution"):
        severity = Severity.CAUTION
        reasons.append(f"form (TSB) is {tsb:.0f}, below {number(settings, 'tsb_caution'):.0f}")
    if severity is None:
        return []
    since = h.episode_start("fatigue", day, lambda d: _holds(h, d, settings))
    return [
        in_episode(
            RULE.id,
            severity,
            day,
            since,
            title="Training load rising faster than fitness"
            if ramp > number(settings, "ramp_info")
            else "Deep fatigue",
            summary="; ".join(reasons),
            advice="Plan 2-3 easy days or a rest day before the next hard or long session.",
            numbers={
                "ctl": round(h.ctl[i], 1),
                "atl": round(h.atl[i], 1),
                "tsb": round(tsb, 1),
                "ctl_ramp_per_week": round(ramp, 1),
                "ctl_ramp_previous_week": round(ramp_before, 1),
            },
        )
    ]


RULE = Rule(
    id="fatigue",
    title="Fitness, fatigue and form",
    grade="D",
    citation="Banister impulse-response model; TrainingPeaks-style performance management conventions",
    why="When fatigue outruns fitness for long, the body stops absorbing the training.",
    defaults=DEFAULTS,
    evaluate=evaluate,
    kind="period",
    needs="6 weeks of history",
    notes={
        "ramp_info": "fitness (CTL) rising more than this a week: info",
        "ramp_caution": "more than this two weeks running: caution",
        "tsb_caution": "form (TSB) below this: caution",
        "min_history_days": "days of history before it may fire",
    },
    fires=(
        "CTL ramp > {ramp_info} a week (info), > {ramp_caution} two weeks running or TSB < "
        "{tsb_caution} (caution)"
    ),
)
