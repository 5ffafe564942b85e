"""`strainwatch status`: the last 8 weeks, the ceilings, load, form and active alerts; with
`--as-of DATE`, all of it as it was on that day (the alerts then come from a replay up to it,
exactly as the daily passes would have left them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from strainwatch.alerts.guidance import Guidance, guidance, left_out_sentence, limit_text
from strainwatch.alerts.replay import Ledger, replay_days
from strainwatch.alerts.weeks import weeks_to
from strainwatch.config.settings import AthleteSettings
from strainwatch.domain import Finding, Run
from strainwatch.metrics.history import AthleteFacts, History
from strainwatch.rules.base import Thresholds, number
from strainwatch.rules.registry import RULES
from strainwatch.store.health import Health, health_of
from strainwatch.store.models import Alert
from strainwatch.store.runs import facts_of, load_runs
from strainwatch.units import distance_text
from strainwatch.views.alert import alert_json, alert_line, finding_json, finding_line
from strainwatch.views.words import FORM_CONVENTION, acwr_text, form_zone

WEEKS = 8
BAR_WIDTH = 30


@dataclass(slots=True)
class StatusReport:
    athlete: AthleteSettings
    today: date
    weeks: list[tuple[str, float]]
    guidance: Guidance
    acwr: float | None
    ctl: float | None
    atl: float | None
    tsb: float | None  # form: today's ctl - atl
    acwr_band: tuple[float, float]  # the acwr rule's low and high in effect
    warming_up: list[str] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    as_of: bool = False  # a past day: `past_alerts` are the alerts active then
    past_alerts: list[Finding] = field(default_factory=list)
    past_ids: list[int | None] = field(default_factory=list)  # the stored alert of each, when there is one
    sources: list[Health] = field(default_factory=list)  # last success and last error per source

    def as_json(self) -> dict[str, Any]:
        units = self.athlete.units
        return {
            "athlete": self.athlete.id,
            "date": self.today.isoformat(),
            "weeks": [{"week": w, "distance_km": round(km, 1)} for w, km in self.weeks],
            "guidance": self.guidance.as_json(units),
            "acwr": None if self.acwr is None else round(self.acwr, 2),
            "ctl": self.ctl,
            "atl": self.atl,
            "tsb": self.tsb,
            "form_zone": form_zone(self.tsb),
            "acwr_band": {"low": self.acwr_band[0], "high": self.acwr_band[1]},
            "warming_up": self.warming_up,
            "alerts": [alert_json(a, units) for a in self.alerts]
            if not self.as_of
            else [finding_json(f, units, i) for f, i in zip(self.past_alerts, self.past_ids, strict=True)],
            "as_of": self.as_of,
            "sources": {h.source: h.as_json() for h in self.sources},
        }


def active_on(runs: Sequence[Run], facts: AthleteFacts, thresholds: Thresholds, day: date) -> list[Finding]:
    """The alerts daily passes would have left active at the end of `day`, newest first."""
    ordered = sorted((r for r in runs if r.local_date <= day), key=lambda r: (r.start, r.activity_id))
    if not ordered:
        return []
    history = History.build(ordered, day, facts)
    ledger = replay_days(
        history,
        ordered[0].local_date,
        day,
        thresholds,
        Ledger(states={}),
        athlete_id=":as-of",
        clock=lambda d: datetime.combine(d, time(23, 59), UTC),
    )
    active = [ledger.latest[fp] for fp, state in ledger.states.items() if state.active]
    return sorted(active, key=lambda f: (f.day, f.severity), reverse=True)


def stored_ids(session: Session, athlete_id: str, findings: Sequence[Finding]) -> list[int | None]:
    """The id of the stored alert each replayed finding matches (rule, day, runs), so a past
    day's alerts link to their pages and carry the same ids in every JSON."""
    days = {f.day for f in findings}
    if not days:
        return []
    query = select(Alert).where(Alert.athlete_id == athlete_id, Alert.day.in_(days))
    stored = {(a.rule, a.day, tuple(a.activity_ids)): a.id for a in session.scalars(query)}
    return [stored.get((f.rule, f.day, tuple(f.activity_ids))) for f in findings]


def athlete_status(
    session: Session,
    athlete: AthleteSettings,
    thresholds: Thresholds,
    now: datetime,
    *,
    as_of: date | None = None,
) -> StatusReport:
    today = as_of or now.astimezone(athlete.zone).date()
    runs, facts = load_runs(session, athlete), facts_of(session, athlete)
    h = History.build(runs, today, facts)
    return status_of_history(session, athlete, thresholds, today, h, as_of=as_of)


def status_of_history(
    session: Session,
    athlete: AthleteSettings,
    thresholds: Thresholds,
    today: date,
    h: History,
    *,
    as_of: date | None = None,
) -> StatusReport:
    """The status from a history already built up to `today` (the web overview builds one)."""
    runs, facts = h.runs, h.facts
    weeks = [(w.label, w.km) for w in weeks_to(h, today, WEEKS, thresholds)]
    i = h.index(today) if h.runs else -1
    days = h.history_days(today)
    warming = [
        f"{rule_id}: needs {RULES[rule_id].needs}"
        for rule_id, settings in thresholds.items()
        if days < float(settings.get("min_history_days", settings.get("baseline_days", 0)))
    ]
    alerts = (
        []
        if as_of
        else list(
            session.scalars(
                select(Alert)
                .where(Alert.athlete_id == athlete.id, Alert.status == "active")
                .order_by(Alert.day.desc(), Alert.id.desc())
            )
        )
    )
    past = active_on(runs, facts, thresholds, as_of) if as_of else []
    return StatusReport(
        athlete=athlete,
        today=today,
        weeks=weeks,
        guidance=guidance(h, today, thresholds),
        acwr=h.ratio[i] if i >= 0 else None,
        ctl=round(h.ctl[i], 1) if i >= 0 else None,
        atl=round(h.atl[i], 1) if i >= 0 else None,
        tsb=round(h.tsb[i], 1) if i >= 0 else None,
        acwr_band=(number(thresholds.of("acwr"), "low"), number(thresholds.of("acwr"), "high")),
        warming_up=warming,
        alerts=alerts,
        as_of=as_of is not None,
        sources=health_of(session, athlete.id),
        past_alerts=past,
        past_ids=stored_ids(session, athlete.id, past),
    )


def _distance(km: float | None, units: str) -> str:
    return distance_text(None if km is None else km * 1000, units)


def status_text(report: StatusReport) -> str:
    a, g, units = report.athlete, report.guidance, report.athlete.units
    top = max((km for _, km in report.weeks), default=0.0) or 1.0
    when = f"as of {report.today} (replayed)" if report.as_of else str(report.today)
    lines = [f"{a.name} ({a.id}), {when}", "", "Last 8 weeks:"]
    for week, km in report.weeks:
        bar = "#" * round(km / top * BAR_WIDTH)
        lines.append(f"  {week}  {_distance(km, units):>9}  {bar}")
    lines += [
        "",
        f"Longest run, last {g.window_days} days: {_distance(g.longest_30d_km, units)}",
        *([f"  {left}"] if (left := left_out_sentence(g.longest, units)) else []),
        f"Next run: keep it under {limit_text(g.next_run, units)}",
        f"Next 7 days: up to {limit_text(g.next_week, units)}",
        f"Load: ACWR {acwr_text(report.acwr, report.acwr_band)}",
        f"Fitness (CTL) {report.ctl}, fatigue (ATL) {report.atl}, form (TSB) {report.tsb}: "
        f"{form_zone(report.tsb)}",
        f"  ({FORM_CONVENTION})",
    ]
    if report.warming_up:
        lines += ["", "Warming up (not enough history yet):", *[f"  {w}" for w in report.warming_up]]
    if report.as_of:
        lines += ["", "Alerts active then:" if report.past_alerts else "No alerts active then."]
        lines += [f"  {finding_line(f, units)}" for f in report.past_alerts]
        return "\n".join(lines)
    lines += ["", "Active alerts:" if report.alerts else "No active alerts."]
    lines += [f"  {alert_line(alert, units)}" for alert in report.alerts]
    if report.sources:
        lines += ["", "Sources:"]
        lines += [f"  {'FAILING ' if h.failing else ''}{h.source}: {h.line()}" for h in report.sources]
    return "\n".join(lines)
