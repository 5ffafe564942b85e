"""The rules on the training plan: forecasts, never alerts. Pure: `today` comes in.

The planned runs of the next days are laid after the real history (never mixed into it:
they get negative ids and the real runs are not touched), and each planned day is evaluated
by the same rules, with the same settings, as if it were run as planned. A finding that is
about a planned run, or about an episode the plan starts, is a forecast with its own
wording and the capped version the guidance allows. Everything is recomputed from the real
history each time, so the plan is re-read as reality arrives: a skipped run is simply
absent, a longer run is in the history, and a planned day on which a real run was already
recorded is over (the real run counts, the planned one does not: no double count).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from strainwatch.alerts.plan_guidance import ceilings_after
from strainwatch.domain import Finding, Run, Severity
from strainwatch.metrics.history import AthleteFacts, History
from strainwatch.rules.base import Thresholds, number
from strainwatch.rules.registry import evaluate_day

HORIZON_DAYS = 14
DEFAULT_PACE_S_PER_KM = 360.0  # a planned run given only by time, with no recent runs to go by
PACE_DAYS = 28  # the runner's usual pace: median over these days
NOT_FORECAST = frozenset({"acwr"})  # display-only (EVIDENCE.md): never a forecast either
VERBS = {Severity.WARNING: "warn", Severity.CAUTION: "call for caution", Severity.INFO: "note it"}


@dataclass(frozen=True, slots=True)
class PlannedRun:
    """One planned run as a plan source read it; `uid` is stable while the workout stays in
    the plan (a changed distance keeps it), so a forecast is told once per planned workout."""

    uid: str
    day: date  # local date
    distance_m: float | None
    duration_s: float | None
    source: str  # csv | ical | intervals
    title: str = ""
    load: float | None = None  # the source's planned load (intervals.icu), shown only


@dataclass(frozen=True, slots=True)
class Unparsed:
    """An entry of a plan that could not be read as a run: listed, never silently dropped."""

    source: str
    where: str  # "line 4", "2026-12-13 'Hill reps'"
    reason: str


@dataclass(frozen=True, slots=True)
class Forecast:
    key: str  # rule + planned workout (or the episode's first day): told once
    rule: str
    severity: Severity
    day: date  # the planned day the finding is about
    planned: tuple[PlannedRun, ...]  # the planned runs it is about
    text: str  # "Sunday's planned 28.0 km (13 Dec) is 1.9x your 30-day longest ..."
    capped: str  # "28.0 km -> up to 16.2 km, or move it after a lighter week"
    numbers: Mapping[str, float | int | str | None]


@dataclass(slots=True)
class Outlook:
    """The plan for the next days as the rules see it today."""

    today: date
    last: date  # the last planned day looked at
    planned: list[PlannedRun] = field(default_factory=list)  # in effect, with distances filled in
    done: list[PlannedRun] = field(default_factory=list)  # planned for a day already run or past
    forecasts: list[Forecast] = field(default_factory=list)
    failed: dict[str, tuple[date, str]] = field(default_factory=dict)  # rule -> (day, error)

    def planned_km(self, first: date, last: date) -> float:
        return sum((p.distance_m or 0.0) for p in self.planned if first <= p.day <= last) / 1000


def usual_pace(runs: Sequence[Run], today: date) -> float:
    """Seconds per km: the median of the runner's last 28 days, else a plain 6:00/km."""
    recent = [
        r.moving_time_s / (r.distance_m / 1000)
        for r in runs
        if r.is_running and r.distance_m >= 500 and today - timedelta(days=PACE_DAYS) < r.local_date <= today
    ]
    return median(recent) if recent else DEFAULT_PACE_S_PER_KM


def in_effect(
    planned: Sequence[PlannedRun], runs: Sequence[Run], today: date, days: int = HORIZON_DAYS
) -> tuple[list[PlannedRun], list[PlannedRun]]:
    """(planned runs still ahead, planned runs that are over). Today's planned run is ahead
    until a real run is recorded today; earlier ones are over (done or skipped)."""
    ran_today = any(r.is_running and r.local_date == today for r in runs)
    last = today + timedelta(days=days)
    ahead, over = [], []
    for p in sorted(planned, key=lambda p: (p.day, p.uid)):
        if p.day > last:
            continue
        if p.day < today or (p.day == today and ran_today):
            over.append(p)
        else:
            ahead.append(p)
    return ahead, over


def _with_distance(p: PlannedRun, pace: float) -> PlannedRun:
    distance = p.distance_m if p.distance_m is not None else (p.duration_s or 0.0) / pace * 1000
    duration = p.duration_s if p.duration_s is not None else distance / 1000 * pace
    return PlannedRun(p.uid, p.day, distance, duration, p.source, p.title, p.load)


def _as_run(p: PlannedRun, index: int, zone: ZoneInfo) -> Run:
    """A planned run as the rules see it: distance and time only (no pace profile, climb,
    words or shoe: the rules about those stay silent on a plan)."""
    start = datetime.combine(p.day, time(12), zone).astimezone(UTC)
    return Run(
        activity_id=-(index + 1),
        start=start,
        local_date=p.day,
        sport_type="Run",
        distance_m=p.distance_m or 0.0,
        moving_time_s=p.duration_s or 0.0,
    )


def forecast(
    runs: Sequence[Run],
    facts: AthleteFacts,
    thresholds: Thresholds,
    planned: Sequence[PlannedRun],
    *,
    today: date,
    zone: ZoneInfo,
    days: int = HORIZON_DAYS,
) -> Outlook:
    """The forecasts of the planned runs from today to `days` ahead."""
    ahead, over = in_effect(planned, runs, today, days)
    pace = usual_pace(runs, today)
    ahead = [_with_distance(p, pace) for p in ahead]
    outlook = Outlook(today, today + timedelta(days=days), ahead, over)
    if not ahead:
        return outlook
    real = [r for r in runs if r.local_date <= today]
    synthetic = {-(i + 1): p for i, p in enumerate(ahead)}
    history = History.build([*real, *(_as_run(p, i, zone) for i, p in enumerate(ahead))], outlook.last, facts)
    best: dict[str, tuple[Finding, date]] = {}
    day = ahead[0].day
    while day <= outlook.last:
        for finding in evaluate_day(history, day, thresholds, outlook.failed):
            if finding.rule in NOT_FORECAST or not _from_plan(finding, synthetic, today):
                continue
            key = f"{finding.rule}:{finding.period}"
            if key not in best or finding.severity > best[key][0].severity:
                best[key] = (finding, day)
        day += timedelta(days=1)
    for finding, day in _first_episodes(best.values()):
        outlook.forecasts.append(
            _forecast_of(finding, day, history, thresholds, synthetic=synthetic, o=outlook)
        )
    outlook.forecasts.sort(key=lambda f: (f.day, -f.severity, f.rule))
    return outlook


def _first_episodes(found: Iterable[tuple[Finding, date]]) -> list[tuple[Finding, date]]:
    """Every finding about a planned run, and of each period rule only its first episode in
    the horizon: one forecast per rule, whose key stays put while the plan is reworked (a later
    episode is told once the first one's day has come)."""
    out: list[tuple[Finding, date]] = []
    first: dict[str, tuple[Finding, date]] = {}
    for finding, day in found:
        if not finding.period.startswith("since:"):
            out.append((finding, day))
        elif finding.rule not in first or finding.period < first[finding.rule][0].period:
            first[finding.rule] = (finding, day)
    return out + list(first.values())


def _from_plan(finding: Finding, synthetic: Mapping[int, PlannedRun], today: date) -> bool:
    """About a planned run, or about an episode that begins after today (one already under
    way is the real alert's, not a forecast)."""
    if finding.period.startswith("since:"):
        return date.fromisoformat(finding.period.removeprefix("since:")) > today
    return any(i in synthetic for i in finding.activity_ids)


def _measured(finding: Finding) -> dict[str, float | int | str | None]:
    """The rule's figures without its own ceilings: a forecast's one ceiling is `capped_km`,
    the guidance's (a rule's ceiling may count a spike as the reference; the guidance never)."""
    return {k: v for k, v in finding.numbers.items() if not k.endswith("_ceiling_km")}


def _when(day: date, today: date) -> str:
    name = "Today" if day == today else "Tomorrow" if day == today + timedelta(days=1) else f"{day:%A}"
    return f"{name}'s"


def _forecast_of(
    finding: Finding, day: date, h: History, t: Thresholds, *, synthetic: Mapping[int, PlannedRun], o: Outlook
) -> Forecast:
    planned = tuple(synthetic[i] for i in finding.activity_ids if i in synthetic)
    verb = VERBS[finding.severity]
    rule_name = finding.rule.replace("-", " ")
    on = f"({day.day} {day:%b})"
    if finding.rule == "long-run-spike":
        run = next(p for p in planned if p.day == day)
        planned_km = (run.distance_m or 0.0) / 1000
        reference = float(finding.numbers["reference_km"] or 0.0)
        window = int(number(t.of("long-run-spike"), "window_days"))
        ratio = planned_km / reference if reference else 0.0
        ceiling = ceilings_after(h, day - timedelta(days=1), t).next_run_km
        text = (
            f"{_when(day, o.today)} planned {planned_km:.1f} km {on} is {ratio:.1f}x your {window}-day "
            f"longest ({reference:.1f} km) - the {rule_name} rule would {verb}"
        )
        cap = f"up to {ceiling:.1f} km" if ceiling is not None else "a shorter run"
        capped = f"{planned_km:.1f} km -> {cap}, or move it after a lighter week"
        return Forecast(
            f"{finding.rule}:{run.uid}",
            finding.rule,
            finding.severity,
            day,
            (run,),
            text,
            capped,
            {
                **_measured(finding),
                "planned_km": round(planned_km, 2),
                "ratio": round(ratio, 2),
                "capped_km": None if ceiling is None else round(ceiling, 1),
            },
        )
    if finding.rule == "weekly-volume-jump":
        last = float(finding.numbers["last_7_days_km"] or 0.0)
        before = float(finding.numbers["previous_weekly_mean_km"] or 0.0)
        ceiling = ceilings_after(h, day - timedelta(days=7), t).next_week_km
        increase = float(finding.numbers["increase_pct"] or 0.0)
        text = (
            f"The 7 days to {day:%A} {on} with the plan hold {last:.1f} km, {increase:+.0f} % on your "
            f"{before:.1f} km a week of the two weeks before - the {rule_name} rule would {verb}"
        )
        cap = f"up to {ceiling:.0f} km" if ceiling is not None else "less"
        capped = f"{last:.1f} km -> {cap} in those 7 days, or spread the increase over more weeks"
        return Forecast(
            # one per rule: a re-planned week that still climbs is no news
            f"{finding.rule}:plan",
            finding.rule,
            finding.severity,
            day,
            planned,
            text,
            capped,
            {**_measured(finding), "capped_km": None if ceiling is None else round(ceiling, 1)},
        )
    runs_on_day = [p for p in planned if p.day == day]
    what = ", ".join(f"{(p.distance_m or 0) / 1000:.1f} km" for p in runs_on_day)
    head = f"{_when(day, o.today)} planned {what} {on}" if runs_on_day else f"With the plan, {day:%A} {on}"
    text = f"{head}: {finding.title} - the {rule_name} rule would {verb}"
    uid = runs_on_day[0].uid if runs_on_day else "plan"
    return Forecast(
        f"{finding.rule}:{uid}",
        finding.rule,
        finding.severity,
        day,
        planned,
        text,
        finding.advice,
        dict(finding.numbers),
    )
