"""`strainwatch plan`: the next 14 days of the plan, the forecasts the rules make of it, and
what could not be read. Text for people, JSON for scripts (keys are only ever added)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from strainwatch.alerts.forecast import HORIZON_DAYS, Forecast, Outlook, PlannedRun, Unparsed
from strainwatch.store.models import PlanForecast, PlanOutlook


def planned_json(p: PlannedRun) -> dict[str, Any]:
    return {
        "uid": p.uid,
        "date": p.day.isoformat(),
        "source": p.source,
        "title": p.title,
        "distance_km": None if p.distance_m is None else round(p.distance_m / 1000, 2),
        "duration_min": None if p.duration_s is None else round(p.duration_s / 60, 1),
        "load": p.load,
    }


def forecast_json(f: Forecast) -> dict[str, Any]:
    return {
        "key": f.key,
        "rule": f.rule,
        "severity": f.severity.label,
        "date": f.day.isoformat(),
        "text": f.text,
        "capped": f.capped,
        "numbers": dict(f.numbers),
        "planned": [p.uid for p in f.planned],
    }


def plan_json(
    athlete_id: str, outlook: Outlook, unparsed: Sequence[Unparsed], not_runs: int, problems: Sequence[str]
) -> dict[str, Any]:
    return {
        "athlete": athlete_id,
        "today": outlook.today.isoformat(),
        "last": outlook.last.isoformat(),
        "planned": [planned_json(p) for p in outlook.planned],
        "done": [planned_json(p) for p in outlook.done],
        "forecasts": [forecast_json(f) for f in outlook.forecasts],
        "unparsed": [{"source": u.source, "where": u.where, "reason": u.reason} for u in unparsed],
        "not_runs": not_runs,
        "problems": list(problems),
        "failed_rules": {rule: text for rule, (_, text) in outlook.failed.items()},
    }


def forecast_lines(f: Forecast) -> list[str]:
    """A forecast in two lines: what the rules would say, and the capped version."""
    return [f"{f.severity.label} ({f.rule}): {f.text}", f"  capped: {f.capped}"]


def plan_text(
    athlete_id: str, outlook: Outlook, unparsed: Sequence[Unparsed], not_runs: int, problems: Sequence[str]
) -> str:
    total = outlook.planned_km(outlook.today, outlook.last)
    lines = [
        f"plan of {athlete_id}, {outlook.today} to {outlook.last}: {len(outlook.planned)} planned runs, "
        f"{total:.1f} km"
    ]
    for p in outlook.planned:
        minutes = f"{p.duration_s / 60:4.0f} min" if p.duration_s else "        "
        lines.append(
            f"  {p.day:%a %d %b}  {(p.distance_m or 0) / 1000:5.1f} km  {minutes}  {p.source:<9} {p.title}"
        )
    if not outlook.planned:
        lines.append("  nothing planned (configure [athletes.plan]: README, Training plan)")
    lines.append("forecasts (what the rules would say if the plan is run as written):")
    lines += [f"  {line}" for f in outlook.forecasts for line in forecast_lines(f)] or [
        "  none: the plan keeps to the rules"
    ]
    if unparsed:
        lines.append(f"unparsed ({len(unparsed)}):")
        lines += [f"  {u.source} {u.where}: {u.reason}" for u in unparsed]
    lines += [f"problem: {p}" for p in problems]
    lines += [f"rule failed: {rule} on {day}: {text}" for rule, (day, text) in outlook.failed.items()]
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class PlanAhead:
    """The web overview's next 14 days: the planned distance per day and the forecasts, as the
    last pass left them (the page never reads a plan source itself)."""

    checked_on: date
    days: list[tuple[date, float]]  # today to 14 days ahead: planned km
    forecasts: list[PlanForecast]  # active, about today or later
    planned: list[dict[str, Any]]  # the planned runs from today, as `plan --json` lists them

    def as_json(self) -> dict[str, Any]:
        return {
            "checked_on": self.checked_on.isoformat(),
            "days": [{"date": d.isoformat(), "planned_km": round(km, 1)} for d, km in self.days],
            "forecasts": [
                {
                    "rule": f.rule,
                    "severity": f.severity,
                    "date": f.day.isoformat(),
                    "text": f.text,
                    "capped": f.capped,
                    "numbers": dict(f.numbers or {}),
                }
                for f in self.forecasts
            ],
            "planned": self.planned,
        }


def plan_ahead(session: Session, athlete_id: str, today: date) -> PlanAhead | None:
    """None before the first pass read a plan."""
    stored = session.get(PlanOutlook, athlete_id)
    if stored is None:
        return None
    km: dict[str, float] = {}
    for p in stored.planned:
        km[str(p.get("date"))] = km.get(str(p.get("date")), 0.0) + float(p.get("distance_km") or 0.0)
    days = [today + timedelta(days=i) for i in range(HORIZON_DAYS + 1)]
    forecasts = session.scalars(
        select(PlanForecast)
        .where(
            PlanForecast.athlete_id == athlete_id, PlanForecast.status == "active", PlanForecast.day >= today
        )
        .order_by(PlanForecast.day, PlanForecast.key)
    )
    planned = [p for p in stored.planned if str(p.get("date")) >= today.isoformat()]
    days_km = [(d, km.get(d.isoformat(), 0.0)) for d in days]
    return PlanAhead(stored.checked_on, days_km, list(forecasts), planned)
