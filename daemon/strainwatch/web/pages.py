"""The pages: each a function of the request context and its path parameters, returning the
template with its values and the JSON twin (the commands' contract keys, plus what the page
adds). A login sees only its athletes: anything else is "not found"."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from strainwatch.config.settings import AthleteSettings
from strainwatch.rules.base import DISCLAIMER
from strainwatch.rules.registry import RULES
from strainwatch.sources.files.text_fields import clean_text
from strainwatch.store import journal, overrides
from strainwatch.store.models import Activity, Alert, Injury, PainNote
from strainwatch.views.activity import (
    KM,
    MILE,
    MILE_KM,
    activity_json,
    correction_lines,
    format_distance,
    format_duration,
    format_pace,
    not_counted,
    runner_word,
)
from strainwatch.views.alert import alert_json
from strainwatch.views.overview import athlete_overview
from strainwatch.views.profile import run_profile
from strainwatch.views.system import system_json
from strainwatch.web import charts
from strainwatch.web.page import BadRequest, Ctx, NotFound, Page, Redirect

ACTIVITY_LIMIT = 500


def _athlete(ctx: Ctx, athlete_id: str) -> AthleteSettings:
    for athlete in ctx.settings.athletes:
        if athlete.id == athlete_id and ctx.login.may_see(athlete_id):
            return athlete
    raise NotFound


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name}: not a date like 2026-01-31") from None


def _units(athlete: AthleteSettings) -> tuple[str, float]:
    return ("mi", 1 / MILE_KM) if athlete.units == "mi" else ("km", 1.0)


def index(ctx: Ctx) -> Page | Redirect:
    visible = [a for a in ctx.settings.athletes if ctx.login.may_see(a.id)]
    if len(visible) == 1:
        return Redirect(f"/athletes/{visible[0].id}")
    data = {"athletes": [{"id": a.id, "name": a.name, "url": f"/athletes/{a.id}"} for a in visible]}
    return Page("picker", {"athletes": visible, "title": "Athletes"}, data)


def overview(ctx: Ctx, athlete_id: str) -> Page:
    athlete = _athlete(ctx, athlete_id)
    as_of = _date(ctx.query.get("as_of"), "as_of")
    with ctx.db() as session:
        today = as_of or ctx.now().astimezone(athlete.zone).date()
        view = athlete_overview(
            session, athlete, ctx.settings.thresholds(athlete), ctx.now(), as_of=as_of,
            history=ctx.histories.get(session, athlete, today, light=as_of is None),
        )  # fmt: skip
        injuries = list(session.scalars(
            select(Injury).where(Injury.athlete_id == athlete.id).order_by(Injury.start.desc())
        ))  # fmt: skip
        days = {f.day for f in view.status.past_alerts}
        query = select(Alert).where(Alert.athlete_id == athlete.id, Alert.day.in_(days))
        found: list[Alert] = list(session.scalars(query)) if days else []
        stored = {(a.rule, a.day, tuple(a.activity_ids)): a.id for a in found}
    unit, per_km = _units(athlete)
    g = view.status.guidance
    data = view.as_json()
    data["injuries"] = [
        {"id": i.id, "part": i.part, "start": i.start.isoformat(),
         "closed": i.closed.isoformat() if i.closed else None, "note": i.note}
        for i in injuries
    ]  # fmt: skip
    values = {
        "title": f"{athlete.name}: overview", "athlete": athlete, "view": view, "g": g, "unit": unit,
        "per_km": per_km, "injuries": injuries, "parts": journal.INJURY_PARTS,
        "weekly": charts.weekly_chart(view.weeks, g.next_run_ceiling_km, unit, per_km),
        "load": charts.load_chart(view.load), "today": view.status.today.isoformat(),
        "acwr_pos": _gauge(view.status.acwr), "acwr_low_pos": _gauge(view.acwr_low),
        "acwr_high_pos": _gauge(view.acwr_high),
        "past_ids": [stored.get((f.rule, f.day, tuple(f.activity_ids))) for f in view.status.past_alerts],
    }  # fmt: skip
    return Page("overview", values, data)


def _gauge(value: float | None, top: float = 2.5) -> float | None:
    return None if value is None else round(min(max(value, 0.0), top) / top * 100, 1)


def activities(ctx: Ctx, athlete_id: str) -> Page:
    athlete = _athlete(ctx, athlete_id)
    since, until = _date(ctx.query.get("since"), "since"), _date(ctx.query.get("until"), "until")
    sport, text = ctx.query.get("sport", "")[:32], ctx.query.get("q", "")[:100]
    query = select(Activity).where(Activity.athlete_id == athlete.id, Activity.deleted.is_(False))
    if sport:
        query = query.where(Activity.sport_type == sport)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Activity.name.ilike(f"%{escaped}%", escape="\\"))
    with ctx.db() as session:
        rows = list(session.scalars(query.order_by(Activity.start_time.desc())))
        kinds = session.scalars(select(Activity.sport_type).where(Activity.athlete_id == athlete.id))
        sports = sorted(set(kinds))
    zone = athlete.zone
    rows = [r for r in rows if (since is None or r.start_time.astimezone(zone).date() >= since)
            and (until is None or r.start_time.astimezone(zone).date() <= until)]  # fmt: skip
    unit, _ = _units(athlete)
    shown = [_activity_row(r, athlete, unit) for r in rows[:ACTIVITY_LIMIT]]
    values = {"title": f"{athlete.name}: activities", "athlete": athlete, "rows": shown, "total": len(rows),
              "limit": ACTIVITY_LIMIT, "sports": sports,
              "filters": {"since": ctx.query.get("since", ""), "until": ctx.query.get("until", ""),
                          "sport": sport, "q": text}}  # fmt: skip
    return Page("activities", values, [activity_json(r, zone) for r in rows])


def _activity_row(r: Activity, athlete: AthleteSettings, unit: str) -> dict[str, Any]:
    return {
        "id": r.id, "when": f"{r.start_time.astimezone(athlete.zone):%Y-%m-%d %H:%M}", "sport": r.sport_type,
        "name": clean_text(r.name, one_line=True) or "", "distance": format_distance(r.distance_m, unit),
        "moving": format_duration(r.moving_time_s), "pace": format_pace(r.pace_s_per_km, unit),
        "gap": format_pace(r.gap_s_per_km, unit),
        "climb": "-" if r.ascent_m is None else f"{r.ascent_m:.0f} m",
        "hr": "-" if r.avg_hr is None else f"{r.avg_hr:.0f}",
    }  # fmt: skip


def activity(ctx: Ctx, activity_id: int) -> Page:
    with ctx.db() as session:
        row = session.get(Activity, activity_id)
        if row is None or row.deleted:
            raise NotFound
        athlete = _athlete(ctx, row.athlete_id)
        about = [a for a in session.scalars(select(Alert).where(Alert.athlete_id == athlete.id))
                 if row.id in (a.activity_ids or [])]  # fmt: skip
        notes = list(
            session.scalars(select(PainNote).where(PainNote.activity_id == row.id).order_by(PainNote.id))
        )
        profile = run_profile(row)
        data = activity_json(row, athlete.zone)
        unit, _ = _units(athlete)
        summary = _activity_row(row, athlete, unit)
        description = clean_text(row.description) or ""
        corrected = correction_lines(row, unit)
        word = overrides.override_of(session, row)
        left_out = not_counted(row, unit) if word is None else None
        said = runner_word(overrides.Override(word.distance_m, word.running), unit) if word else ""
    data |= {
        "profile": profile.as_json(),
        "alerts": [alert_json(a) for a in about],
        "pain_notes": [{"id": n.id, "note": n.note, "created_at": n.created_at.isoformat()} for n in notes],
    }
    values = {
        "title": f"{summary['name'] or 'Run'} ({summary['when']})", "athlete": athlete, "a": summary,
        "description": description, "alerts": about, "notes": notes, "profile": profile,
        "corrections": corrected, "not_counted": left_out, "word": said, "unit": unit,
        "pace": charts.profile_chart(profile.points, "pace_s_per_km", invert=True),
        "hr": charts.profile_chart(profile.points, "hr"),
        "altitude": charts.profile_chart(profile.points, "altitude_m"),
    }  # fmt: skip
    return Page("activity", values, data)


def _mutes(session: Session, ctx: Ctx, athlete: AthleteSettings) -> dict[str, date]:
    today = ctx.now().astimezone(athlete.zone).date()
    return journal.active_mutes(session, [athlete.id], today).get(athlete.id, {})


def alert(ctx: Ctx, alert_id: int) -> Page:
    with ctx.db() as session:
        row = session.get(Alert, alert_id)
        if row is None:
            raise NotFound
        athlete = _athlete(ctx, row.athlete_id)
        muted_until = _mutes(session, ctx, athlete).get(row.rule)
        runs = [a for i in row.activity_ids if (a := session.get(Activity, i)) is not None]
        unit, _ = _units(athlete)
        run_rows = [_activity_row(a, athlete, unit) for a in runs]
        data = alert_json(row)
        runs_json = [activity_json(a, athlete.zone) for a in runs]
    rule = RULES.get(row.rule)
    applied = ctx.settings.thresholds(athlete).of(row.rule) if rule else {}
    in_effect = {k: list(v) if isinstance(v, tuple) else v for k, v in applied.items()}
    data |= {
        "activities": runs_json,
        "rule_info": None if rule is None else {
            "id": rule.id, "title": rule.title, "why": rule.why, "grade": rule.grade, "phrase": rule.phrase,
            "citation": rule.citation,
        },
        "settings": in_effect,
        "acknowledged_at": row.acknowledged_at.isoformat() if row.acknowledged_at else None,
        "acknowledged_by": row.acknowledged_by,
        "muted_until": muted_until.isoformat() if muted_until else None,
        "disclaimer": DISCLAIMER,
    }  # fmt: skip
    values = {"title": f"Alert #{row.id}: {row.title}", "athlete": athlete, "alert": row, "rule": rule,
              "runs": run_rows, "settings": in_effect, "disclaimer": DISCLAIMER,
              "muted_until": muted_until, "mute_days": journal.MUTE_DAYS}  # fmt: skip
    return Page("alert", values, data)


def rules(ctx: Ctx, athlete_id: str) -> Page:
    athlete = _athlete(ctx, athlete_id)
    applied = ctx.settings.thresholds(athlete)
    with ctx.db() as session:
        mutes = _mutes(session, ctx, athlete)
    items = []
    for rule in RULES.values():
        settings = {
            k: {"value": list(v) if isinstance(v, tuple) else v,
                "default": list(d) if isinstance(d := rule.defaults[k], tuple) else d}
            for k, v in applied.of(rule.id).items()
        }  # fmt: skip
        items.append({"id": rule.id, "title": rule.title, "enabled": rule.id in applied, "grade": rule.grade,
                      "phrase": rule.phrase, "citation": rule.citation, "needs": rule.needs,
                      "settings": settings,
                      "muted_until": m.isoformat() if (m := mutes.get(rule.id)) else None})  # fmt: skip
    data = {"athlete": athlete.id, "rules": items}
    values = {"title": f"{athlete.name}: rules in effect", "athlete": athlete, "rules": items,
              "mute_days": journal.MUTE_DAYS}  # fmt: skip
    return Page("rules", values, data)


def system(ctx: Ctx) -> Page:
    ids = [a.id for a in ctx.settings.athletes if ctx.login.may_see(a.id)]
    with ctx.db() as session:
        data = system_json(session, ids)
    return Page("system", {"title": "System", "data": data}, data)


# -- writes (each also a command: injury add/close, ack, pain, mute/unmute)


def _by(ctx: Ctx) -> str:
    return ctx.login.name


def add_injury(ctx: Ctx, athlete_id: str) -> Redirect:
    athlete = _athlete(ctx, athlete_id)
    start = _date(ctx.form.get("start"), "start")
    if start is None:
        raise BadRequest("start: the day it started is needed")
    with ctx.db() as session, session.begin():
        journal.log_injury(
            session, athlete.id, athlete.name, start=start, part=ctx.form.get("part", ""),
            note=clean_text(ctx.form.get("note")), now=ctx.now(),
        )  # fmt: skip
    return Redirect(f"/athletes/{athlete.id}#injuries")


def close_injury(ctx: Ctx, injury_id: int) -> Redirect:
    closed = _date(ctx.form.get("closed"), "closed")
    if closed is None:
        raise BadRequest("closed: the day it healed is needed")
    with ctx.db() as session, session.begin():
        row = session.get(Injury, injury_id)
        if row is None:
            raise NotFound
        _athlete(ctx, row.athlete_id)
        journal.close_injury(session, row, closed)
        athlete_id = row.athlete_id
    return Redirect(f"/athletes/{athlete_id}#injuries")


def acknowledge(ctx: Ctx, alert_id: int) -> Redirect:
    with ctx.db() as session, session.begin():
        row = session.get(Alert, alert_id)
        if row is None:
            raise NotFound
        _athlete(ctx, row.athlete_id)
        journal.acknowledge(row, _by(ctx), ctx.now())
    return Redirect(f"/alerts/{alert_id}")


def add_pain(ctx: Ctx, activity_id: int) -> Redirect:
    with ctx.db() as session, session.begin():
        row = session.get(Activity, activity_id)
        if row is None or row.deleted:
            raise NotFound
        _athlete(ctx, row.athlete_id)
        journal.add_pain_note(session, row, clean_text(ctx.form.get("note")) or "", _by(ctx), ctx.now())
    return Redirect(f"/activities/{activity_id}#pain")


def correct_activity(ctx: Ctx, activity_id: int) -> Redirect:
    """The runner's word about a run, as `strainwatch activity ID --distance/--running/
    --not-running/--reset` says it."""
    distance, counts = ctx.form.get("distance", "").strip(), ctx.form.get("counts", "")
    try:
        km = float(distance) if distance else None
    except ValueError:
        raise BadRequest("distance: a number of km (or miles) is needed") from None
    if km is not None and not 0 < km <= 1000:
        raise BadRequest("distance: more than 0 and at most 1000")
    running = {"running": True, "not-running": False}.get(counts)
    reset = ctx.form.get("reset") == "1"
    if not reset and km is None and running is None:
        raise BadRequest("nothing to correct: a distance, run or not a run, or reset")
    now = ctx.now()
    with ctx.db() as session, session.begin():
        row = session.get(Activity, activity_id)
        if row is None or row.deleted:
            raise NotFound
        athlete = _athlete(ctx, row.athlete_id)
        if reset:
            overrides.reset(session, row, now)
        else:
            metres = None if km is None else km * (MILE if athlete.units == "mi" else KM)
            overrides.correct(session, row, now, distance_m=metres, running=running)
    return Redirect(f"/activities/{activity_id}#correct")


def _mute_back(ctx: Ctx, athlete: AthleteSettings, rule: str) -> Redirect:
    """Back to the alert page the form was on, else to the rule on the rules page."""
    alert_id = ctx.form.get("alert", "")
    if alert_id.isdigit():
        return Redirect(f"/alerts/{int(alert_id)}")
    return Redirect(f"/athletes/{athlete.id}/rules#{rule}")


def mute(ctx: Ctx, athlete_id: str) -> Redirect:
    athlete = _athlete(ctx, athlete_id)
    rule, days = ctx.form.get("rule", ""), ctx.form.get("days", "")
    if not days.strip().isdigit():
        raise BadRequest("days: a whole number of days is needed")
    now = ctx.now()
    today = now.astimezone(athlete.zone).date()
    with ctx.db() as session, session.begin():
        journal.mute_rule(session, athlete.id, athlete.name, rule, int(days), today=today, now=now)
    return _mute_back(ctx, athlete, rule)


def unmute(ctx: Ctx, athlete_id: str) -> Redirect:
    athlete = _athlete(ctx, athlete_id)
    rule = ctx.form.get("rule", "")
    today = ctx.now().astimezone(athlete.zone).date()
    with ctx.db() as session, session.begin():
        journal.unmute_rule(session, athlete.id, rule, today)
    return _mute_back(ctx, athlete, rule)


ROUTES: list[tuple[str, Any, bool]] = [
    ("/", index, False),
    ("/athletes.json", index, False),
    ("/athletes/{athlete_id}.json", overview, False),
    ("/athletes/{athlete_id}", overview, False),
    ("/athletes/{athlete_id}/activities.json", activities, False),
    ("/athletes/{athlete_id}/activities", activities, False),
    ("/athletes/{athlete_id}/rules.json", rules, False),
    ("/athletes/{athlete_id}/rules", rules, False),
    ("/activities/{activity_id:int}.json", activity, False),
    ("/activities/{activity_id:int}", activity, False),
    ("/alerts/{alert_id:int}.json", alert, False),
    ("/alerts/{alert_id:int}", alert, False),
    ("/system.json", system, False),
    ("/system", system, False),
    ("/athletes/{athlete_id}/injuries", add_injury, True),
    ("/injuries/{injury_id:int}/close", close_injury, True),
    ("/alerts/{alert_id:int}/ack", acknowledge, True),
    ("/activities/{activity_id:int}/pain", add_pain, True),
    ("/activities/{activity_id:int}/correct", correct_activity, True),
    ("/athletes/{athlete_id}/mute", mute, True),
    ("/athletes/{athlete_id}/unmute", unmute, True),
]
