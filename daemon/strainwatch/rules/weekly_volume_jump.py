"""weekly-volume-jump: the last 7 days against the mean of the two 7-day windows before.

Nielsen et al. 2014 (JOSPT 44:739): more than 30 % weekly progression over two weeks,
HR 1.59 for distance-related injuries; Damsted et al. 2019. The "10 % rule" showed no
effect (Buist et al. 2008) and is never cited as evidence.
"""

from __future__ import annotations

from datetime import date, timedelta

from strainwatch.domain import Finding, Severity
from strainwatch.metrics.history import History
from strainwatch.rules.base import Rule, Thresholds, in_episode, km, number, pct
from strainwatch.rules.ceilings import advised, limit_sentence, strictest, weekly_jump
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


def evaluate(h: History, day: date, t: Thresholds) -> list[Finding]:
    settings = t.of(RULE.id)
    measured = weekly_jump(h, day, settings)
    if measured is None:
        return []
    last, before, increase = measured
    severity = Severity.CAUTION if increase > number(settings, "caution") else Severity.INFO
    mods = person_modifiers(h, day)
    if mods and severity == Severity.CAUTION:
        severity = severity.raised()
    limit = strictest(advised(h, day, t), "week")
    ceiling = limit.metres / 1000 if limit is not None else number(settings, "next_week_factor") * before
    since = h.episode_start("weekly-volume-jump", day, lambda d: weekly_jump(h, d, settings) is not None)
    return [
        in_episode(
            RULE.id,
            severity,
            day,
            since,
            title=f"Weekly distance {increase * 100:.0f}% above the two weeks before",
            summary=(
                f"{km(last * 1000)} in the last 7 days, {pct(increase)} over your weekly mean of the two "
                f"weeks before ({km(before * 1000)}); noted from +{number(settings, 'info') * 100:.0f} %, "
                f"a caution from +{number(settings, 'caution') * 100:.0f} %"
            ),
            advice=(
                f"Hold the next 7 days at or below {limit_sentence(limit) if limit else km(ceiling * 1000)} "
                "and keep most runs easy."
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
    notes={
        "info": "the last 7 days this fraction above the mean of the two weeks before: info",
        "caution": "from this fraction on: caution",
        "min_increase_km": "and at least this many km more",
        "min_baseline_km": "no percentages over a near-empty fortnight (comebacks: return-after-layoff)",
        "min_history_days": "days of history before it may fire",
        "next_week_factor": "the next-7-days ceiling in status, digests and this rule's advice",
    },
    fires=(
        "the last 7 days {info_pct}–{caution_pct} % (info) or > {caution_pct} % (caution) above the"
        " mean of the two weeks before"
    ),
)
