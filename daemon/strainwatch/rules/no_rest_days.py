"""no-rest-days: long streaks of running days, and monotonous weeks (Foster 1998).

Monotony = mean / SD of daily load over 7 days (rest days count 0); strain = weekly load x
monotony. High monotony with high strain preceded illness and injury in Foster's athletes.
"""

from __future__ import annotations

from datetime import date, timedelta

from strainwatch.domain import Finding, Severity
from strainwatch.metrics.history import History
from strainwatch.metrics.load import monotony, percentile, streak
from strainwatch.rules.base import Rule, Settings, Thresholds, in_episode, number

DEFAULTS = {"streak_days": 10.0, "monotony": 2.0, "strain_percentile": 90.0}


def _state(h: History, i: int, settings: Settings) -> tuple[int, float | None, float | None, bool, bool]:
    days_in_a_row = streak(h.ran, i)
    m_now = monotony(h.load, i)
    m_week_ago = monotony(h.load, i - 7) if i >= 7 else None
    limit = number(settings, "monotony")
    monotonous = m_now is not None and m_week_ago is not None and m_now > limit and m_week_ago > limit
    return days_in_a_row, m_now, m_week_ago, monotonous, days_in_a_row >= number(settings, "streak_days")


def _holds(h: History, day: date, settings: Settings) -> bool:
    i = h.index(day)
    return i >= 0 and any(_state(h, i, settings)[3:])


def evaluate(h: History, day: date, t: Thresholds) -> list[Finding]:
    settings = t.of(RULE.id)
    i = h.index(day)
    if i < 0 or not h.runs:
        return []
    days_in_a_row, m_now, m_week_ago, monotonous, long_streak = _state(h, i, settings)
    limit = number(settings, "monotony")
    if not (monotonous or long_streak):
        return []
    past = h.strains[: max(0, i - 6)]
    p90 = (
        percentile([s for s in past if s > 0], number(settings, "strain_percentile"))
        if len(past) >= 28
        else None
    )
    high_strain = monotonous and p90 is not None and h.strains[i] > p90
    severity = Severity.CAUTION if high_strain else Severity.INFO
    parts = []
    if long_streak:
        parts.append(f"{days_in_a_row} days in a row with a run")
    if monotonous:
        parts.append(
            f"monotony {m_now:.1f} this week and {m_week_ago:.1f} the week before (above {limit:.1f})"
        )
    if high_strain:
        parts.append(
            f"weekly strain {h.strains[i]:.0f}, above your own "
            f"{number(settings, 'strain_percentile'):.0f}th percentile ({p90:.0f})"
        )
    since = h.episode_start("no-rest-days", day, lambda d: _holds(h, d, settings))
    return [
        in_episode(
            RULE.id,
            severity,
            day,
            since,
            title=f"{days_in_a_row} days without a rest day" if long_streak else "Every day looks the same",
            summary="; ".join(parts),
            advice=(
                "Take a full rest day (or cross-train) in the next two days, and vary easy and harder days."
            ),
            numbers={
                "consecutive_days": days_in_a_row,
                "monotony": None if m_now is None else round(m_now, 2),
                "strain": round(h.strains[i], 1),
                "strain_p90": None if p90 is None else round(p90, 1),
            },
            activity_ids=tuple(
                r.activity_id for r in h.runs_between(day - timedelta(days=max(days_in_a_row, 7) - 1), day)
            ),
        )
    ]


RULE = Rule(
    id="no-rest-days",
    title="No rest days, or monotonous training",
    grade="C/D",
    citation=(
        "Foster 1998, Med Sci Sports Exerc 30:1164 "
        "(monotony = mean / SD of daily load; strain = weekly load x monotony)"
    ),
    why="Tissues adapt between sessions; without rest days, small damage adds up.",
    defaults=DEFAULTS,
    evaluate=evaluate,
    kind="period",
    needs="2 weeks of history (4 weeks for your strain percentile)",
    notes={
        "streak_days": "this many days in a row with a run",
        "monotony": "or Foster's monotony above this, two weeks running",
        "strain_percentile": "monotony with strain above this percentile of your own: caution",
    },
    fires=(
        "≥ {streak_days} running days in a row, or Foster monotony > {monotony} two weeks running "
        "(caution with high strain)"
    ),
)
