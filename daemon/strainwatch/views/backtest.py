"""`strainwatch backtest` output: the replayed alerts as text and as JSON (a stable contract)."""

from __future__ import annotations

from typing import Any

from strainwatch.alerts.replay import BacktestResult, injury_report
from strainwatch.metrics.history import AthleteFacts
from strainwatch.units import say


def backtest_json(athlete_id: str, result: BacktestResult, facts: AthleteFacts, units: str) -> dict[str, Any]:
    return {
        "athlete": athlete_id,
        "first": result.first.isoformat(),
        "last": result.last.isoformat(),
        "alerts": [
            {
                "date": a.raised_on.isoformat(),
                "rule": a.finding.rule,
                "severity": a.finding.severity.label,
                "escalation": a.escalation,
                "title": say(a.finding.title, units),
                "summary": say(a.finding.summary, units),
                "activity_ids": list(a.finding.activity_ids),
                "numbers": dict(a.finding.numbers),
            }
            for a in result.alerts
        ],
        "per_rule_per_year": {
            rule: {str(year): dict(counts) for year, counts in years.items()}
            for rule, years in result.per_rule_per_year().items()
        },
        "injuries": injury_report(result, facts),
    }


def backtest_text(athlete_id: str, result: BacktestResult, facts: AthleteFacts, units: str) -> str:
    lines = [f"{athlete_id}: replayed {result.first} to {result.last}, {len(result.alerts)} alerts"]
    for a in result.alerts:
        tag = " (escalation)" if a.escalation else ""
        lines.append(
            f"  {a.raised_on}  {a.finding.severity.label:<7}  {a.finding.rule:<19} "
            f"{say(a.finding.title, units)}{tag}"
        )
    lines.append("per rule and year:")
    for rule, years in sorted(result.per_rule_per_year().items()):
        for year, counts in sorted(years.items()):
            shown = ", ".join(f"{n} {severity}" for severity, n in sorted(counts.items()))
            lines.append(f"  {rule:<19} {year}: {shown}")
    for item in injury_report(result, facts):
        head = f"  injury #{item['injury_id']} ({item['part']}, {item['start']}): "
        if item["alert_before"]:
            lines.append(head + f"{item['rule']} alert {item['days_before']} days before")
        else:
            lines.append(head + "no caution or warning in the 4 weeks before")
    return "\n".join(lines)
