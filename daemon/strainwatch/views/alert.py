"""How alerts and the status are shown: the JSON contracts and the terminal text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strainwatch.domain import Finding
from strainwatch.rules.base import DISCLAIMER
from strainwatch.rules.registry import RULES
from strainwatch.store.models import Alert
from strainwatch.views.activity import iso_utc


def alert_json(alert: Alert) -> dict[str, Any]:
    """The `alerts --json` contract: keys are only ever added."""
    return {
        "id": alert.id,
        "athlete": alert.athlete_id,
        "rule": alert.rule,
        "severity": alert.severity,
        "date": alert.day.isoformat(),
        "activity_ids": list(alert.activity_ids),
        "title": alert.title,
        "summary": alert.summary,
        "numbers": dict(alert.numbers),
        "status": alert.status,
        "created_at": iso_utc(alert.created_at),
        "advice": alert.advice,
        "modifiers": list(alert.modifiers),
        "late": alert.late,
        "previous_severity": alert.previous_severity,
    }


def alert_line(alert: Alert) -> str:
    mark = {"warning": "!!", "caution": "! ", "info": "  "}.get(alert.severity, "  ")
    return f"{mark} #{alert.id:<5} {alert.day}  {alert.severity:<7}  {alert.rule:<19} {alert.title}"


def finding_line(f: Finding) -> str:
    """A finding replayed for a past day (`status --as-of`): no stored alert, so no id."""
    mark = {"warning": "!!", "caution": "! ", "info": "  "}.get(f.severity.label, "  ")
    return f"{mark} {f.day}  {f.severity.label:<7}  {f.rule:<19} {f.title}"


def explain_text(alert: Alert, activities: list[str], settings: Mapping[str, Any] | None = None) -> str:
    """`settings`: the rule's values in effect for the athlete now (`strainwatch rules --athlete`)."""
    rule = RULES.get(alert.rule)
    lines = [
        f"Alert #{alert.id}: {alert.title}",
        f"  athlete {alert.athlete_id}, {alert.day}, severity {alert.severity}"
        + (f" (was {alert.previous_severity})" if alert.previous_severity else "")
        + f", {alert.status}",
        "",
        f"What: {alert.summary}",
    ]
    if alert.numbers:
        lines.append("Numbers: " + ", ".join(f"{k} = {v}" for k, v in alert.numbers.items()))
    if alert.modifiers:
        lines.append("Calf modifiers: " + "; ".join(alert.modifiers))
    if activities:
        lines.append("Activities:")
        lines.extend(f"  {a}" for a in activities)
    if rule is not None:
        lines += [
            "",
            f"Why it matters: {rule.why}",
            f"Evidence: grade {rule.grade}, {rule.phrase}. {rule.citation}",
        ]
    if settings:
        shown = ", ".join(
            f"{k} = {f'{len(v)} words' if isinstance(v, tuple) else v}" for k, v in settings.items()
        )
        lines.append(f"Settings in effect for {alert.athlete_id}: {shown}")
    lines += ["", f"What to do now: {alert.advice}", "", DISCLAIMER]
    return "\n".join(lines)
