"""How alerts and the status are shown: the JSON contracts and the terminal text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from strainwatch.domain import Finding
from strainwatch.rules.base import DISCLAIMER
from strainwatch.rules.registry import RULES
from strainwatch.store.models import Activity, Alert
from strainwatch.store.overrides import override_of
from strainwatch.units import distance_text, say
from strainwatch.views.activity import iso_utc, not_counted
from strainwatch.views.paging import PAGE_SIZE, Paged, offset_of
from strainwatch.views.words import numbers_sentence, setting_words


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """Which alerts a history lists; an empty value does not filter."""

    rule: str = ""
    severity: str = ""
    state: str = ""  # active, resolved, or unread (not acknowledged)
    since: date | None = None
    until: date | None = None


def alerts_history(session: Session, athlete_ids: Sequence[str], f: AlertFilter) -> list[Alert]:
    """Every alert of these athletes that passes the filter, newest first (`alerts`)."""
    return list(session.scalars(_history(athlete_ids, f).order_by(Alert.day.desc(), Alert.id.desc())))


def alerts_page(
    session: Session, athlete_ids: Sequence[str], f: AlertFilter, page: int, size: int = PAGE_SIZE
) -> Paged[Alert]:
    """One page of `alerts_history` (the web's alerts history and its JSON)."""
    query = _history(athlete_ids, f)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    newest = query.order_by(Alert.day.desc(), Alert.id.desc())
    rows = session.scalars(newest.offset(offset_of(page, size)).limit(size))
    return Paged(list(rows), page, total, size)


def _history(athlete_ids: Sequence[str], f: AlertFilter) -> Select[Alert]:
    query = select(Alert).where(Alert.athlete_id.in_(list(athlete_ids)))
    if f.rule:
        query = query.where(Alert.rule == f.rule)
    if f.severity:
        query = query.where(Alert.severity == f.severity)
    if f.state == "unread":
        query = query.where(Alert.acknowledged_at.is_(None))
    elif f.state:
        query = query.where(Alert.status == f.state)
    if f.since is not None:
        query = query.where(Alert.day >= f.since)
    if f.until is not None:
        query = query.where(Alert.day <= f.until)
    return query


def alert_json(alert: Alert, units: str) -> dict[str, Any]:
    """The `alerts --json` contract: keys are only ever added. Text is spelt in the athlete's
    `units`; `numbers` keep their keys (km, m, s/km), `numbers_text` says them in words."""
    return {
        "id": alert.id,
        "athlete": alert.athlete_id,
        "rule": alert.rule,
        "severity": alert.severity,
        "date": alert.day.isoformat(),
        "activity_ids": list(alert.activity_ids),
        "title": say(alert.title, units),
        "summary": say(alert.summary, units),
        "numbers": dict(alert.numbers),
        "numbers_text": numbers_sentence(alert.numbers, units),
        "status": alert.status,
        "created_at": iso_utc(alert.created_at),
        "advice": say(alert.advice, units),
        "modifiers": [say(m, units) for m in alert.modifiers],
        "late": alert.late,
        "previous_severity": alert.previous_severity,
    }


def finding_json(f: Finding, units: str, alert_id: int | None) -> dict[str, Any]:
    """A finding replayed for a past day (`status --as-of`), spelt as `alert_json` spells it;
    `alert_id`: the stored alert it matches (None when none does)."""
    return {
        "id": alert_id,
        "rule": f.rule,
        "severity": f.severity.label,
        "date": f.day.isoformat(),
        "title": say(f.title, units),
        "summary": say(f.summary, units),
        "numbers": dict(f.numbers),
        "numbers_text": numbers_sentence(f.numbers, units),
        "activity_ids": list(f.activity_ids),
    }


def alert_line(alert: Alert, units: str) -> str:
    mark = {"warning": "!!", "caution": "! ", "info": "  "}.get(alert.severity, "  ")
    title = say(alert.title, units)
    return f"{mark} #{alert.id:<5} {alert.day}  {alert.severity:<7}  {alert.rule:<19} {title}"


def finding_line(f: Finding, units: str) -> str:
    """A finding replayed for a past day (`status --as-of`): no stored alert, so no id."""
    mark = {"warning": "!!", "caution": "! ", "info": "  "}.get(f.severity.label, "  ")
    return f"{mark} {f.day}  {f.severity.label:<7}  {f.rule:<19} {say(f.title, units)}"


def explain_text(
    alert: Alert,
    activities: list[str],
    units: str,
    limits: Sequence[str] = (),
    settings: Mapping[str, Any] | None = None,
) -> str:
    """`limits`: the day's guidance lines (one answer for the day, as status shows it);
    `settings`: the rule's values in effect for the athlete now (`strainwatch rules --athlete`)."""
    rule = RULES.get(alert.rule)
    lines = [
        f"Alert #{alert.id}: {say(alert.title, units)}",
        f"  athlete {alert.athlete_id}, {alert.day}, severity {alert.severity}"
        + (f" (was {alert.previous_severity})" if alert.previous_severity else "")
        + f", {alert.status}",
        "",
        f"What: {say(alert.summary, units)}",
    ]
    if alert.numbers:
        lines.append("Numbers: " + numbers_sentence(alert.numbers, units))
    if alert.modifiers:
        lines.append("Calf modifiers: " + "; ".join(say(m, units) for m in alert.modifiers))
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
        shown = "; ".join(setting_words(alert.rule, settings, units))
        lines.append(f"Settings in effect for {alert.athlete_id}: {shown}")
    lines += ["", f"What to do now: {say(alert.advice, units)}"]
    if limits:
        lines.append(f"Limits for {alert.day} (the strictest of every rule's advice):")
        lines += [f"  {line}" for line in limits]
    lines += ["", DISCLAIMER]
    return "\n".join(lines)


# -- one alert with what it is about, and alerts beside the runs (`explain`, the web's pages)


@dataclass(frozen=True, slots=True)
class AlertDetail:
    alert: Alert
    runs: list[Activity]  # the runs it is about that are still stored, in its order


def alert_detail(session: Session, alert_id: int) -> AlertDetail | None:
    """An alert and its runs (`explain`, `/alerts/ID`); None when there is no such alert."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        return None
    runs = [a for i in alert.activity_ids if (a := session.get(Activity, i)) is not None]
    return AlertDetail(alert, runs)


def alerts_about(session: Session, activity: Activity) -> list[Alert]:
    """The athlete's alerts about this run, newest first (as `alerts` lists them)."""
    mine = select(Alert).where(Alert.athlete_id == activity.athlete_id)
    newest = session.scalars(mine.order_by(Alert.day.desc(), Alert.id.desc()))
    return [a for a in newest if activity.id in (a.activity_ids or [])]


SEVERITY_RANK = {"warning": 3, "caution": 2, "info": 1}


def rank(alert: Alert) -> tuple[int, int]:
    """The stronger severity first, the newer among equals."""
    return SEVERITY_RANK.get(alert.severity, 0), alert.id


def worst_active(session: Session, athlete_id: str) -> Alert | None:
    """The athlete's strongest active alert (the picker's status line)."""
    active = session.scalars(select(Alert).where(Alert.athlete_id == athlete_id, Alert.status == "active"))
    return max(active, key=rank, default=None)


def strongest_by_run(session: Session, athlete_id: str, run_ids: Sequence[int]) -> dict[int, Alert]:
    """Each of these runs' strongest alert, for a marker beside it."""
    wanted = set(run_ids)
    marks: dict[int, Alert] = {}
    for a in session.scalars(select(Alert).where(Alert.athlete_id == athlete_id)):
        for run in a.activity_ids or []:
            held = marks.get(run)
            if run in wanted and (held is None or rank(a) > rank(held)):
                marks[run] = a
    return marks


def alert_mark(alert: Alert | None, units: str) -> dict[str, Any] | None:
    """An alert as a marker beside a run or an athlete: its id, severity and title."""
    if alert is None:
        return None
    return {"id": alert.id, "severity": alert.severity, "title": say(alert.title, units)}


def withdrawal_sentence(
    severity: str, when: date, before_m: float | None, now: float | str, *, units: str, title: str = ""
) -> str:
    """What became of a run alert's basis, in one line: "the 21.7 km run on Sun 17 Jan was
    9.1 km: warning withdrawn". `now`: the run's distance as it counts today, or what it
    became in words ("not a run", "another recording of #12")."""
    run = f"the {distance_text(before_m, units)} run" if before_m else "the run"
    became = distance_text(now, units) if isinstance(now, float | int) else now
    said = f" ({title})" if title else ""
    return f"{run} on {when:%a %d %b} was {became}: {severity} withdrawn{said}"


def withdrawal_line(session: Session, alert: Alert, zone: ZoneInfo, units: str) -> str:
    """`withdrawal_sentence` for a stored alert: its first run as the store and the runner's
    word say it is now, against the distance it was raised on (`Alert.basis`)."""
    title = say(alert.title, units)
    ids = list(alert.activity_ids or [])
    activity = session.get(Activity, ids[0]) if ids else None
    if activity is None:
        return withdrawal_sentence(alert.severity, alert.day, None, "corrected", units=units, title=title)
    before = (alert.basis or {}).get(str(activity.id))
    when = activity.start_time.astimezone(zone).date()
    word = override_of(session, activity)
    now: float | str
    if activity.deleted:
        now = "deleted"
    elif activity.duplicate_of is not None:
        now = f"another recording of #{activity.duplicate_of}"
    elif (word is not None and word.running is False) or (word is None and not_counted(activity, units)):
        now = "not a run"
    else:
        said = word.distance_m if word is not None else None
        now = float(activity.distance_m if said is None else said)
    return withdrawal_sentence(alert.severity, when, before, now, units=units, title=title)
