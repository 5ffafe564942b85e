"""shoe-change: a new, minimalist or low-drop shoe taking a large share of the week.

Malisoux et al. 2016 (Am J Sports Med 44:2933): low-drop shoes, HR 1.67 in regular
runners; Ryan et al. 2014 (BJSM 48:1257) and Fuller et al. 2017 (Am J Sports Med 45:1162):
injuries with fast transitions to minimalist shoes.
"""

from __future__ import annotations

from datetime import date, timedelta

from strainwatch.domain import Finding, Severity
from strainwatch.metrics.history import History
from strainwatch.rules.base import Rule, Thresholds, number
from strainwatch.rules.modifiers import first_use, shoe_of
from strainwatch.units import distance_mark

DEFAULTS = {"new_share": 0.20, "new_days": 21.0, "minimalist_km": 35.0}


def evaluate(h: History, day: date, t: Thresholds) -> list[Finding]:
    settings = t.of(RULE.id)
    week = h.runs_between(day - timedelta(days=6), day)
    total = sum(r.distance_m for r in week) / 1000
    findings = []
    seen: set[str] = set()
    for run in h.runs_on(day):
        shoe = shoe_of(h, run)
        if shoe is None or shoe.name in seen:
            continue
        seen.add(shoe.name)
        on_shoe = sum(r.distance_m for r in week if (s := shoe_of(h, r)) and s.name == shoe.name) / 1000
        started = first_use(h, shoe)
        is_new = started is not None and (day - started).days < number(settings, "new_days")
        reason = None
        if shoe.minimalist and on_shoe > number(settings, "minimalist_km"):
            limit = number(settings, "minimalist_km")
            reason = (
                f"{distance_mark(on_shoe * 1000, 0)} in 7 days in a minimalist/low-drop shoe "
                f"(over {distance_mark(limit * 1000, 0)})"
            )
        elif is_new and total > 0 and on_shoe / total > number(settings, "new_share"):
            reason = (
                f"{on_shoe / total * 100:.0f} % of this week's {distance_mark(total * 1000, 0)} in a shoe "
                f"first used {started}"
            )
        if reason is None:
            continue
        iso = day.isocalendar()
        findings.append(
            Finding(
                rule=RULE.id,
                severity=Severity.CAUTION,
                day=day,
                period=f"week:{iso.year}-W{iso.week:02d}:{shoe.name}",
                title=f"{shoe.name}: a big share of the week in a new or low-drop shoe",
                summary=reason,
                advice=(
                    "Alternate with your usual shoes and let the new ones take at most "
                    f"{number(settings, 'new_share') * 100:.0f} % of the week for "
                    f"{number(settings, 'new_days'):.0f} days."
                ),
                numbers={
                    "shoe": shoe.name,
                    "shoe_km_7d": round(on_shoe, 1),
                    "week_km": round(total, 1),
                },
                activity_ids=(run.activity_id,),
            )
        )
    return findings


RULE = Rule(
    id="shoe-change",
    title="New or minimalist shoes taking over",
    grade="B",
    citation="Malisoux et al. 2016, Am J Sports Med 44:2933 (low drop: HR 1.67); Ryan et al. 2014, "
    "BJSM 48:1257; Fuller et al. 2017, Am J Sports Med 45:1162",
    why="A different shoe shifts load to the calf and Achilles; the tissues need weeks to adapt.",
    defaults=DEFAULTS,
    evaluate=evaluate,
    kind="period",
    needs="a shoe: Strava gear or [[athletes.shoes]] in the config",
    notes={
        "new_share": "a new shoe carrying more than this fraction of the week",
        "new_days": "counts as new for this many days from its first run",
        "minimalist_km": "km in 7 days in a minimalist or low-drop shoe",
    },
    fires=(
        "a new shoe > {new_share_pct} % of the week in its first {new_days} days, or > "
        "{minimalist_km} km/week in a minimalist shoe"
    ),
)
