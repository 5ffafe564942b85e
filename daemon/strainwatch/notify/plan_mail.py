"""The plan's forecasts in the mail: the weekly look-ahead and, between look-aheads, the next
mail for a newly planned or changed run that crosses a rule before the next look-ahead.

Each forecast is told once per planned workout (again only when it gets worse); a told
forecast that the plan no longer makes (the run was shortened, moved or removed) is withdrawn
once; a planned day that came is settled quietly (the real run has its own alerts). Infos
are shown by `strainwatch plan`, never mailed. One row per forecast in `plan_forecasts`
remembers what was told, in the pass's transaction with the outbox rows.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from strainwatch.alerts.forecast import Outlook
from strainwatch.config.settings import AthleteSettings, Settings
from strainwatch.domain import Severity
from strainwatch.notify.dispatch import aware
from strainwatch.notify.notification import Recipient
from strainwatch.notify.outbox import enqueue
from strainwatch.notify.transport import channels_for, sender_of
from strainwatch.sources.plan.settings import plan_of
from strainwatch.store.models import Outbox, PlanForecast

log = logging.getLogger(__name__)
KEEP_DAYS = 60  # settled and withdrawn forecasts are forgotten this long after their day
LOOKAHEAD, PLAN = "lookahead", "plan"  # idempotency key prefixes; the outbox kind is "plan" for both


def lookahead_due(local_now: datetime, weekday: int, at: str, last_on: date | None) -> bool:
    """Once a week, on `weekday` from `at` (local)."""
    hours, minutes = (int(x) for x in at.split(":"))
    today = local_now.date()
    return local_now.weekday() == weekday and local_now.time() >= time(hours, minutes) and last_on != today


def next_lookahead(today: date, weekday: int) -> date:
    """The day of the next look-ahead after today."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


@dataclass(frozen=True, slots=True)
class PlanNews:
    untold: tuple[PlanForecast, ...]  # forecasts to tell, strongest first
    withdrawn: tuple[PlanForecast, ...]  # told forecasts the plan no longer makes


def _rank(label: str | None) -> int:
    return 0 if label is None else int(Severity[label.upper()])


def record(
    session: Session, athlete_id: str, outlook: Outlook, *, settle_through: date, now: datetime
) -> PlanNews:
    """Bring the stored forecasts up to date with `outlook`; what is news now."""
    rows = {
        r.key: r for r in session.scalars(select(PlanForecast).where(PlanForecast.athlete_id == athlete_id))
    }
    current = {_stored(f.key): f for f in outlook.forecasts}
    for key, f in current.items():
        row = rows.get(key)
        if row is None:
            row = rows[key] = PlanForecast(
                athlete_id=athlete_id, key=key, told_severity=None, withdrawal_told=False
            )
            session.add(row)
        elif row.status != "active" or row.day <= settle_through:  # back, or a later episode: news again
            row.told_severity, row.withdrawal_told = None, False
        row.rule, row.day, row.severity, row.text, row.capped = (
            f.rule,
            f.day,
            f.severity.label,
            f.text,
            f.capped,
        )
        row.numbers, row.status, row.updated_at = dict(f.numbers), "active", now
    for row in list(rows.values()):
        if row.status != "active" and row.day < settle_through - timedelta(days=KEEP_DAYS):
            session.delete(rows.pop(row.key))  # long over: nothing left to tell
        elif row.key not in current and row.status == "active":
            row.status = "withdrawn" if row.day > settle_through else "settled"
            row.updated_at = now
    worse = [r for r in rows.values() if r.status == "active" and _rank(r.severity) > _rank(r.told_severity)]
    untold = sorted(
        (r for r in worse if _rank(r.severity) >= Severity.CAUTION),
        key=lambda r: (-_rank(r.severity), r.day, r.key),
    )
    withdrawn = sorted(
        (r for r in rows.values() if r.status == "withdrawn" and r.told_severity and not r.withdrawal_told),
        key=lambda r: (r.day, r.key),
    )
    return PlanNews(tuple(untold), tuple(withdrawn))


def _stored(key: str) -> str:
    """A key the table can hold: a calendar's long UID is cut and made unique by its hash."""
    return key if len(key) <= 200 else key[:150] + ":" + hashlib.sha256(key.encode()).hexdigest()[:40]


def plan_body(news: PlanNews, outlook: Outlook, *, lookahead: bool) -> str:
    lines = []
    if lookahead:
        km = outlook.planned_km(outlook.today, outlook.last)
        lines.append(
            f"Your plan from {outlook.today:%a %d %b} to {outlook.last:%a %d %b}: "
            f"{len(outlook.planned)} runs, {km:.1f} km, checked against your own recent training."
        )
    if news.untold:
        lines += ["", "What the rules would say if the plan is run as written:"]
        for r in news.untold:
            lines += [f"- {r.severity} ({r.rule}): {r.text}", f"  capped: {r.capped}"]
    if news.withdrawn:
        lines += ["", "No longer forecast (the plan changed):"]
        lines += [
            f"- {r.rule} on {r.day:%a %d %b}: the plan now keeps to the rule (was: {r.text})"
            for r in news.withdrawn
        ]
    lines += ["", "Forecasts, not alerts: nothing has happened. `strainwatch plan` shows the whole plan."]
    return "\n".join(lines).strip()


def push_body(news: PlanNews) -> str:
    """What a phone shows (three lines): the strongest forecast and its capped version first."""
    lines = [line for r in news.untold for line in (r.text, f"capped: {r.capped}")]
    lines += [f"no longer forecast: {r.rule} on {r.day:%a %d %b}" for r in news.withdrawn]
    more = len(news.untold) + len(news.withdrawn) - 1
    return "\n".join(lines[:2] + ([f"+{more} more: strainwatch plan"] if more > 0 else lines[2:3]))


def plan_subject(news: PlanNews, *, lookahead: bool) -> str:
    head = "Plan look-ahead" if lookahead else "Plan check"
    if news.untold:
        lead = news.untold[0]
        more = f" (+{len(news.untold) - 1} more)" if len(news.untold) > 1 else ""
        return f"{head}: {lead.severity}: {lead.text}{more}"
    gone = ", ".join(f"{r.rule} on {r.day:%a %d %b}" for r in news.withdrawn)
    return f"{head}: no longer forecast: {gone}"


def _key(athlete_id: str, news: PlanNews, today: date, lookahead: bool) -> str:
    if lookahead:
        return f"{LOOKAHEAD}:{athlete_id}:{today.isoformat()}"
    told = sorted(f"{r.key}@{r.severity}" for r in news.untold) + sorted(f"-{r.key}" for r in news.withdrawn)
    return f"{PLAN}:{athlete_id}:" + hashlib.sha256("\n".join(told).encode()).hexdigest()[:24]


def queue_plan_mail(
    session: Session,
    settings: Settings,
    athlete: AthleteSettings,
    outlook: Outlook,
    *,
    ran_today: bool,
    now: datetime,
) -> list[str]:
    """Record the forecasts and queue the look-ahead or the plan mail when there is news; the
    subjects queued. The caller's transaction commits both."""
    plan = plan_of(athlete)
    if plan is None:
        return []
    local_now = now.astimezone(athlete.zone)
    today = local_now.date()
    settle_through = today if ran_today else today - timedelta(days=1)
    news = record(session, athlete.id, outlook, settle_through=settle_through, now=now)
    if not (news.untold or news.withdrawn):
        return []
    last = session.scalar(
        select(func.max(Outbox.created_at)).where(
            Outbox.athlete_id == athlete.id,
            Outbox.kind == PLAN,
            Outbox.idempotency_key.startswith(f"{LOOKAHEAD}:"),
        )
    )
    last_on = None if last is None else aware(last).astimezone(athlete.zone).date()
    due = lookahead_due(local_now, plan.lookahead_weekday, plan.lookahead_time, last_on)
    before_next = next_lookahead(today, plan.lookahead_weekday)
    if not due and not news.withdrawn and all(r.day >= before_next for r in news.untold):
        return []  # the look-ahead tells it in time
    subject, body = plan_subject(news, lookahead=due), plan_body(news, outlook, lookahead=due)
    key = _key(athlete.id, news, today, due)
    recipient, sender = Recipient(athlete.id, athlete.name, athlete.email), sender_of(settings)
    queued: list[str] = []
    for route in channels_for(settings, athlete):
        if not route.takes("digest"):
            continue
        short = push_body(news)  # for a channel that shows a few lines
        message = route.renderer.notice(recipient, sender, subject, body, key=key, now=now, short=short)
        row = enqueue(
            session,
            athlete_id=athlete.id,
            kind=PLAN,
            message=message,
            now=now,
            channel=route.name,
            own_id=route.own_id,
        )
        if row is not None and not queued:  # reported once, by its first channel's subject
            queued.append(message.subject)
    for r in news.untold:
        r.told_severity = r.severity
    for r in news.withdrawn:
        r.withdrawal_told = True
    log.info(
        "%s: plan mail (%s): %d forecasts, %d withdrawn",
        athlete.id,
        LOOKAHEAD if due else PLAN,
        len(news.untold),
        len(news.withdrawn),
    )
    return queued
