"""shoe-mileage: distance on each shoe. Maintenance, not injury risk.

Cushioning is lost with wear (Cook et al. 1985); no study links shoe mileage to injury, so
this is information only.
"""

from __future__ import annotations

from datetime import date

from strainwatch.domain import Finding, Severity
from strainwatch.metrics.history import History
from strainwatch.rules.base import Rule, Thresholds, number
from strainwatch.rules.modifiers import shoe_of
from strainwatch.units import distance_mark

DEFAULTS: dict[str, float | tuple[str, ...]] = {"check_km": 500.0, "midsole_km": 800.0}


def shoe_totals(h: History) -> dict[int, tuple[str, float]]:
    """activity id -> (shoe name, km on that shoe up to and including the run)."""
    cached = h.cache.get("shoe_totals")
    if cached is None:
        cached = {}
        totals: dict[str, float] = {}
        for run in h.runs:
            shoe = shoe_of(h, run)
            if shoe is None:
                continue
            totals[shoe.name] = totals.get(shoe.name, 0.0) + run.distance_m / 1000
            cached[run.activity_id] = (shoe.name, totals[shoe.name])
        h.cache["shoe_totals"] = cached
    return cached


def evaluate(h: History, day: date, t: Thresholds) -> list[Finding]:
    settings = t.of(RULE.id)
    totals = shoe_totals(h)
    findings = []
    for run in h.runs_on(day):
        if run.activity_id not in totals:
            continue
        name, total = totals[run.activity_id]
        before = total - run.distance_m / 1000
        for key in ("check_km", "midsole_km"):
            limit = number(settings, key)
            if before < limit <= total:
                midsole = key == "midsole_km"
                findings.append(
                    Finding(
                        rule=RULE.id,
                        severity=Severity.INFO,
                        day=day,
                        period=f"shoe:{name}:{limit:.0f}",
                        title=f"{name}: {distance_mark(total * 1000, 0)}"
                        + (", check the midsole" if midsole else ""),
                        summary=(
                            f"{name} has carried you {distance_mark(total * 1000, 0)} "
                            f"(noted at {distance_mark(limit * 1000, 0)})"
                        ),
                        advice=(
                            "Press the midsole: if it is creased and hard, retire the shoe, ideally "
                            "rotating a new pair in gradually."
                        )
                        if midsole
                        else "Plan the next pair now and bring it in gradually, alternating.",
                        numbers={"shoe": name, "shoe_km": round(total, 1), "threshold_km": limit},
                        activity_ids=(run.activity_id,),
                    )
                )
    return findings


RULE = Rule(
    id="shoe-mileage",
    title="Shoe mileage",
    grade="D",
    citation="Cook et al. 1985 (cushioning loss with wear); no study links shoe mileage to injury",
    why="Maintenance, not injury risk: worn midsoles cushion less.",
    defaults=DEFAULTS,
    evaluate=evaluate,
    needs="a shoe: Strava gear or [[athletes.shoes]] in the config",
    notes={
        "check_km": "km on a shoe: plan the next pair",
        "midsole_km": "km on a shoe: check the midsole",
    },
    fires="{check_km} km and {midsole_km} km on a shoe (maintenance, not injury risk)",
)
