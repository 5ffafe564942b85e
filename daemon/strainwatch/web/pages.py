"""The pages: each a function of the request context and its path parameters, returning the
template with its values and the JSON twin (the commands' contract keys, plus what the page
adds). A login sees only its athletes: anything else is "not found"."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from strainwatch.alerts.guidance import Guidance, guidance, guidance_lines, left_out_sentence
from strainwatch.config.settings import AthleteSettings
from strainwatch.kinds import kind_statuses
from strainwatch.rules.base import DISCLAIMER
from strainwatch.rules.ceilings import Ceiling
from strainwatch.rules.registry import RULES
from strainwatch.safe_text import clean_text
from strainwatch.store import journal, overrides
from strainwatch.units import KM, MILE, MILE_KM, climb_text, distance_text, say
from strainwatch.views.activity import (
    activity_json,
    correction_lines,
    format_distance,
    format_duration,
    format_pace,
    not_counted,
    runner_word,
)
from strainwatch.views.activity_list import ActivityFilter, activities_page, sports_of
from strainwatch.views.alert import alert_detail, alert_json, alert_mark, strongest_by_run, worst_active
from strainwatch.views.journal import activity_row, alert_row, injuries_of, injury_row, mutes_of
from strainwatch.views.overview import athlete_overview
from strainwatch.views.plan import plan_ahead
from strainwatch.views.run_page import run_detail
from strainwatch.views.status import StatusReport
from strainwatch.views.system import system_json
from strainwatch.views.words import FORM_CONVENTION, acwr_text, form_zone, number_lines, setting_words
from strainwatch.web import charts
from strainwatch.web.page import BadRequest, Ctx, NotFound, Page, Redirect
from strainwatch.web.paging import page_asked, page_json, page_values
from strainwatch.web.when import moment_words

if TYPE_CHECKING:
    from strainwatch.store.db import DbSession
    from strainwatch.views.activity import StoredActivity

GAUGE_TOP = 2.5  # the ACWR gauge's scale runs 0 to this
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)  # the days any date field may name
WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only: "²" is a digit to str.isdigit


def _athlete(ctx: Ctx, athlete_id: str) -> AthleteSettings:
    for athlete in ctx.settings.athletes:
        if athlete.id == athlete_id and ctx.login.may_see(athlete_id):
            return athlete
    raise NotFound


def _date(value: str | None, name: str, latest: date = LATEST) -> date | None:
    """The day a field names, between EARLIEST and `latest` (a day out of range would
    overflow the arithmetic of the weeks around it)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value[:32])
    except ValueError:
        raise BadRequest(f"{name}: not a date like 2026-01-31") from None
    if not EARLIEST <= day <= latest:
        raise BadRequest(f"{name}: a day from {EARLIEST} to {latest}, not {day}")
    return day


def _today(ctx: Ctx, athlete: AthleteSettings) -> date:
    return ctx.now().astimezone(athlete.zone).date()


def _units(athlete: AthleteSettings) -> tuple[str, float]:
    return ("mi", 1 / MILE_KM) if athlete.units == "mi" else ("km", 1.0)


def index(ctx: Ctx) -> Page | Redirect:
    visible = [a for a in ctx.settings.athletes if ctx.login.may_see(a.id)]
    if len(visible) == 1:
        return Redirect(f"/athletes/{visible[0].id}")
    with ctx.db() as session:
        lines = [_status_line(session, ctx, a) for a in visible]
    data = {
        "athletes": [
            {"id": a.id, "name": a.name, "url": f"/athletes/{a.id}", "status": line}
            for a, line in zip(visible, lines, strict=True)
        ]
    }
    values = {"athletes": visible, "lines": lines, "title": "Athletes"}
    return Page("picker", values, data)


def _status_line(session: DbSession, ctx: Ctx, athlete: AthleteSettings) -> dict[str, Any]:
    """What a coach scans the club for: the worst active alert, and the last 7 days' distance
    against the ceiling for the next 7 (the overview's guidance)."""
    today = _today(ctx, athlete)
    worst = worst_active(session, athlete.id)
    h = ctx.histories.get(session, athlete, today, light=True)
    g = guidance(h, today, ctx.settings.thresholds(athlete))
    unit, per_km = _units(athlete)
    return {
        "worst_alert": alert_mark(worst, athlete.units),
        "last_7_days_km": round(h.km_between(date.fromordinal(today.toordinal() - 6), today), 1),
        "next_week_ceiling_km": None if g.next_week_ceiling_km is None else round(g.next_week_ceiling_km, 1),
        "unit": unit,
        "per_km": per_km,
    }


def overview(ctx: Ctx, athlete_id: str) -> Page:
    athlete = _athlete(ctx, athlete_id)
    as_of = _date(ctx.query.get("as_of"), "as_of")
    with ctx.db() as session:
        today = as_of or _today(ctx, athlete)
        view = athlete_overview(
            session,
            athlete,
            ctx.settings.thresholds(athlete),
            ctx.now(),
            as_of=as_of,
            history=ctx.histories.get(session, athlete, today, light=as_of is None),
        )
        injuries = injuries_of(session, [athlete.id])
        ahead = plan_ahead(session, athlete.id, today) if athlete.has("plan") and as_of is None else None
    unit, per_km = _units(athlete)
    g = view.status.guidance
    data = view.as_json()
    data["injuries"] = [
        {
            "id": i.id,
            "part": i.part,
            "start": i.start.isoformat(),
            "closed": i.closed.isoformat() if i.closed else None,
            "note": i.note,
        }
        for i in injuries
    ]
    values = {
        "title": f"{athlete.name}: overview",
        "athlete": athlete,
        "view": view,
        "g": g,
        "unit": unit,
        "per_km": per_km,
        "injuries": injuries,
        "parts": journal.INJURY_PARTS,
        "weekly": charts.responsive(charts.weekly_chart, view.weeks, g.next_run_ceiling_km, unit, per_km),
        "load": charts.responsive(charts.load_chart, view.load),
        "today": view.status.today.isoformat(),
        "past_ids": view.status.past_ids,
        "past_titles": [say(f.title, athlete.units) for f in view.status.past_alerts],
        "titles": [say(a.title, athlete.units) for a in view.status.alerts],
        **_limit_cards(g, athlete.units),
        **_load_cards(view.status),
        "plan": ahead,
        "plan_chart": None
        if ahead is None
        else charts.responsive(
            charts.plan_chart,
            ahead.days,
            g.next_run_ceiling_km,
            unit,
            per_km,
            warned=frozenset(f.day for f in ahead.forecasts),
        ),
    }
    if ahead is not None:
        data["plan"] = ahead.as_json()
    return Page("overview", values, data)


def plan(ctx: Ctx, athlete_id: str) -> Page:
    """The forecasts on the plan, alert-like: what the plan would do, what the guidance allows,
    why the rule matters; and the planned runs, as the last pass read them."""
    athlete = _athlete(ctx, athlete_id)
    today = ctx.now().astimezone(athlete.zone).date()
    with ctx.db() as session:
        ahead = plan_ahead(session, athlete.id, today)
    if ahead is None:
        raise NotFound
    rules = {f.rule: RULES.get(f.rule) for f in ahead.forecasts}
    values = {"title": f"{athlete.name}: the plan", "athlete": athlete, "plan": ahead, "rules": rules}
    return Page("plan", values, {"athlete": athlete.id, **ahead.as_json()})


def _limit_cards(g: Guidance, units: str) -> dict[str, str]:
    """The next-run and next-7-days cards: the day's one answer, who set it and why."""

    def why(c: Ceiling | None) -> str:
        return "" if c is None else f"{say(c.reason, units)}; set by {c.rule}"

    return {
        "next_run_short": distance_text(g.next_run.metres if g.next_run else None, units),
        "next_week_short": distance_text(g.next_week.metres if g.next_week else None, units),
        "next_run_why": why(g.next_run),
        "next_week_why": why(g.next_week),
        "longest": distance_text(g.longest.metres, units),
        "left_out": left_out_sentence(g.longest, units),
    }


def _load_cards(s: StatusReport) -> dict[str, Any]:
    """The ACWR gauge (a 0 to GAUGE_TOP scale, the band in effect, a mark red outside it) and
    form with its zone and convention."""
    low, high = s.acwr_band
    return {
        "acwr_pos": _gauge(s.acwr),
        "acwr_low_pos": _gauge(low),
        "acwr_high_pos": _gauge(high),
        "gauge_top": GAUGE_TOP,
        "gauge_ticks": [_gauge(k / 2) for k in range(1, int(GAUGE_TOP * 2))],
        "acwr_said": acwr_text(s.acwr, s.acwr_band),
        "acwr_out": s.acwr is not None and not low <= s.acwr <= high,
        "acwr_off_scale": s.acwr is not None and s.acwr > GAUGE_TOP,
        "form_zone": form_zone(s.tsb),
        "form_convention": FORM_CONVENTION,
    }


def _gauge(value: float | None, top: float = GAUGE_TOP) -> float | None:
    return None if value is None else round(min(max(value, 0.0), top) / top * 100, 1)


def activities(ctx: Ctx, athlete_id: str) -> Page:
    """A page of the athlete's activities, newest first, filtered; the JSON twin holds the
    same page in the rows of `activities --json`, and the addresses of the pages beside it."""
    athlete = _athlete(ctx, athlete_id)
    since, until = _date(ctx.query.get("since"), "since"), _date(ctx.query.get("until"), "until")
    sport, text = ctx.query.get("sport", "")[:32], ctx.query.get("q", "")[:100]
    wanted = ActivityFilter(since, until, sport, text)
    number = page_asked(ctx)
    with ctx.db() as session:
        paged = activities_page(session, athlete.id, athlete.zone, wanted, page=number)
        sports = sports_of(session, athlete.id)
        marks = strongest_by_run(session, athlete.id, [r.id for r in paged.items])
    unit, _ = _units(athlete)
    now = ctx.now()
    shown = [
        _activity_row(r, athlete, unit, now) | {"mark": alert_mark(marks.get(r.id), athlete.units)}
        for r in paged.items
    ]
    values = {
        "title": f"{athlete.name}: activities",
        "athlete": athlete,
        "rows": shown,
        "sports": sports,
        "filters": {
            "since": ctx.query.get("since", ""),
            "until": ctx.query.get("until", ""),
            "sport": sport,
            "q": text,
        },
        **page_values(ctx, paged),
    }
    data = page_json(ctx, paged, "activities", [activity_json(r, athlete.zone) for r in paged.items])
    return Page("activities", values, data)


def _activity_row(r: StoredActivity, athlete: AthleteSettings, unit: str, now: datetime) -> dict[str, Any]:
    """A stored activity as a row of a page's table."""
    return {
        "id": r.id,
        "when": moment_words(r.start_time, now, athlete.zone),
        "start": r.start_time,
        "sport": r.sport_type,
        "name": clean_text(r.name, one_line=True) or "",
        "distance": format_distance(r.distance_m, unit),
        "moving": format_duration(r.moving_time_s),
        "pace": format_pace(r.pace_s_per_km, unit),
        "gap": format_pace(r.gap_s_per_km, unit),
        "climb": climb_text(r.ascent_m, unit),
        "hr": "-" if r.avg_hr is None else f"{r.avg_hr:.0f}",
    }


def activity(ctx: Ctx, activity_id: int) -> Page:
    with ctx.db() as session:
        found = run_detail(session, activity_id)
        if found is None:
            raise NotFound
        athlete = _athlete(ctx, found.activity.athlete_id)
    row, about, notes, word = found.activity, found.alerts, found.notes, found.word
    profile = ctx.profiles.get(row)  # outside the session: a file read holds no connection
    data = activity_json(row, athlete.zone)
    unit, _ = _units(athlete)
    summary = _activity_row(row, athlete, unit, ctx.now())
    description = clean_text(row.description) or ""
    corrected = correction_lines(row, unit)
    left_out = not_counted(row, unit) if word is None else None
    said = runner_word(word, unit, athlete.zone) if word else ""
    data |= {
        "profile": profile.as_json(),
        "alerts": [alert_json(a, athlete.units) for a in about],
        "pain_notes": [{"id": n.id, "note": n.note, "created_at": n.created_at.isoformat()} for n in notes],
    }
    units = athlete.units
    values = {
        "title": f"{summary['name'] or 'Run'} ({summary['when']})",
        "athlete": athlete,
        "a": summary,
        "description": description,
        "alerts": about,
        "alert_titles": [say(a.title, athlete.units) for a in about],
        "notes": notes,
        "profile": profile,
        "corrections": corrected,
        "not_counted": left_out,
        "word": said,
        "unit": unit,
        "can_crop": found.can_crop,
        "duplicate_of": row.duplicate_of,
        "pace": charts.responsive(charts.profile_chart, profile.points, "pace_s_per_km", units, invert=True),
        "hr": charts.responsive(charts.profile_chart, profile.points, "hr", units),
        "altitude": charts.responsive(charts.profile_chart, profile.points, "altitude_m", units),
    }
    return Page("activity", values, data)


def _mutes(session: DbSession, ctx: Ctx, athlete: AthleteSettings) -> dict[str, date]:
    return mutes_of(session, athlete.id, _today(ctx, athlete))


def alert(ctx: Ctx, alert_id: int) -> Page:
    with ctx.db() as session:
        found = alert_detail(session, alert_id)
        if found is None:
            raise NotFound
        row, runs = found.alert, found.runs
        athlete = _athlete(ctx, row.athlete_id)
        muted_until = _mutes(session, ctx, athlete).get(row.rule)
        unit, _ = _units(athlete)
        run_rows = [_activity_row(a, athlete, unit, ctx.now()) for a in runs]
        data = alert_json(row, athlete.units)
        until = max(ctx.now().astimezone(athlete.zone).date(), row.day)  # the alert's day, at least
        history = ctx.histories.get(session, athlete, until, light=True)
        day = guidance(history, row.day, ctx.settings.thresholds(athlete))
        runs_json = [activity_json(a, athlete.zone) for a in runs]
    rule = RULES.get(row.rule)
    applied = ctx.settings.thresholds(athlete).of(row.rule) if rule else {}
    in_effect = {k: list(v) if isinstance(v, tuple) else v for k, v in applied.items()}
    data |= {
        "activities": runs_json,
        "rule_info": None
        if rule is None
        else {
            "id": rule.id,
            "title": rule.title,
            "why": rule.why,
            "grade": rule.grade,
            "phrase": rule.phrase,
            "citation": rule.citation,
        },
        "settings": in_effect,
        "acknowledged_at": row.acknowledged_at.isoformat() if row.acknowledged_at else None,
        "acknowledged_by": row.acknowledged_by,
        "muted_until": muted_until.isoformat() if muted_until else None,
        "disclaimer": DISCLAIMER,
        "guidance": day.as_json(athlete.units),
    }
    units = athlete.units
    values = {
        "title": f"Alert #{row.id}: {say(row.title, units)}",
        "athlete": athlete,
        "alert": row,
        "rule": rule,
        "runs": run_rows,
        "settings": setting_words(row.rule, in_effect, units),
        "disclaimer": DISCLAIMER,
        "said": {
            "title": say(row.title, units),
            "summary": say(row.summary, units),
            "advice": say(row.advice, units),
            "modifiers": [say(m, units) for m in row.modifiers],
        },
        "numbers": number_lines(row.numbers, units),
        "limits": guidance_lines(day, units),
        "muted_until": muted_until,
        "mute_days": journal.MUTE_DAYS,
    }
    return Page("alert", values, data)


def rules(ctx: Ctx, athlete_id: str) -> Page:
    athlete = _athlete(ctx, athlete_id)
    applied = ctx.settings.thresholds(athlete)
    with ctx.db() as session:
        mutes = _mutes(session, ctx, athlete)
    items = []
    for rule in RULES.values():
        settings = {
            k: {
                "value": list(v) if isinstance(v, tuple) else v,
                "default": list(d) if isinstance(d := rule.defaults[k], tuple) else d,
            }
            for k, v in applied.of(rule.id).items()
        }
        said = setting_words(rule.id, applied.of(rule.id), athlete.units, rule.defaults)
        items.append(
            {
                "id": rule.id,
                "title": rule.title,
                "enabled": rule.id in applied,
                "grade": rule.grade,
                "settings_text": said,
                "phrase": rule.phrase,
                "citation": rule.citation,
                "needs": rule.needs,
                "settings": settings,
                "muted_until": m.isoformat() if (m := mutes.get(rule.id)) else None,
            }
        )
    data = {"athlete": athlete.id, "rules": items}
    values = {
        "title": f"{athlete.name}: rules in effect",
        "athlete": athlete,
        "rules": items,
        "mute_days": journal.MUTE_DAYS,
    }
    return Page("rules", values, data)


def system(ctx: Ctx) -> Page:
    ids = [a.id for a in ctx.settings.athletes if ctx.login.may_see(a.id)]
    with ctx.db() as session:
        data = system_json(session, ids, kind_statuses(ctx.settings, session, ids))
    zones = {a.id: a.zone for a in ctx.settings.athletes if a.id in ids}
    zone = next(iter(zones.values()), UTC)  # for what is no athlete's: the first one's time
    return Page("system", {"title": "System", "data": data, "zones": zones, "zone": zone}, data)


# -- writes (each also a command: injury add/close, ack, pain, mute/unmute)


def _by(ctx: Ctx) -> str:
    return ctx.login.name


def add_injury(ctx: Ctx, athlete_id: str) -> Redirect:
    athlete = _athlete(ctx, athlete_id)
    start = _date(ctx.form.get("start"), "start", latest=_today(ctx, athlete))
    if start is None:
        raise BadRequest("start: the day it started is needed")
    with ctx.db() as session, session.begin():
        journal.log_injury(
            session,
            athlete.id,
            athlete.name,
            start=start,
            part=ctx.form.get("part", ""),
            note=clean_text(ctx.form.get("note")),
            now=ctx.now(),
        )
    return Redirect(f"/athletes/{athlete.id}#injuries")


def close_injury(ctx: Ctx, injury_id: int) -> Redirect:
    with ctx.db() as session, session.begin():
        row = injury_row(session, injury_id)
        if row is None:
            raise NotFound
        athlete = _athlete(ctx, row.athlete_id)
        closed = _date(ctx.form.get("closed"), "closed", latest=_today(ctx, athlete))
        if closed is None:
            raise BadRequest("closed: the day it healed is needed")
        journal.close_injury(session, row, closed)
        athlete_id = row.athlete_id
    return Redirect(f"/athletes/{athlete_id}#injuries")


def acknowledge(ctx: Ctx, alert_id: int) -> Redirect:
    with ctx.db() as session, session.begin():
        row = alert_row(session, alert_id)
        if row is None:
            raise NotFound
        _athlete(ctx, row.athlete_id)
        journal.acknowledge(row, _by(ctx), ctx.now())
    return Redirect(f"/alerts/{alert_id}")


def add_pain(ctx: Ctx, activity_id: int) -> Redirect:
    with ctx.db() as session, session.begin():
        row = activity_row(session, activity_id)
        if row is None:
            raise NotFound
        _athlete(ctx, row.athlete_id)
        journal.add_pain_note(session, row, clean_text(ctx.form.get("note")) or "", _by(ctx), ctx.now())
    return Redirect(f"/activities/{activity_id}#pain")


def correct_activity(ctx: Ctx, activity_id: int) -> Redirect:
    """The runner's word about a run, through the same `say_word` as `strainwatch activity ID
    --distance/--running/--not-running/--crop/--duplicate-of/--reset`."""
    distance, counts = ctx.form.get("distance", "").strip(), ctx.form.get("counts", "")
    try:
        km = float(distance) if distance else None
    except ValueError:
        raise BadRequest("distance: a number of km (or miles) is needed") from None
    if km is not None and not 0 < km <= 1000:
        raise BadRequest("distance: more than 0 and at most 1000")
    twin = ctx.form.get("duplicate_of", "").strip().lstrip("#")
    if twin and not WHOLE_NUMBER.fullmatch(twin):
        raise BadRequest("duplicate of: the number of the other recording (as in #12)")
    crop = ctx.form.get("crop", "").strip()  # checked by say_word, as the command's is
    running = {"running": True, "not-running": False}.get(counts)
    reset = ctx.form.get("reset") == "1"
    word = overrides.Word(None, running, crop or None, int(twin) if twin else None, reset)
    if km is None and word.says_nothing():
        raise BadRequest("nothing to correct: a distance, run or not a run, a crop, a duplicate, or reset")
    with ctx.db() as session, session.begin():
        row = activity_row(session, activity_id)
        if row is None:
            raise NotFound
        athlete = _athlete(ctx, row.athlete_id)
        metres = None if km is None else km * (MILE if athlete.units == "mi" else KM)
        overrides.say_word(session, row, replace(word, distance_m=metres), athlete.zone, ctx.now())
    return Redirect(f"/activities/{activity_id}#correct")


def _mute_back(ctx: Ctx, athlete: AthleteSettings, rule: str) -> Redirect:
    """Back to the alert page the form was on, else to the rule on the rules page."""
    alert_id = ctx.form.get("alert", "")
    if WHOLE_NUMBER.fullmatch(alert_id):
        return Redirect(f"/alerts/{int(alert_id)}")
    return Redirect(f"/athletes/{athlete.id}/rules#{rule}")


def mute(ctx: Ctx, athlete_id: str) -> Redirect:
    athlete = _athlete(ctx, athlete_id)
    rule, days = ctx.form.get("rule", ""), ctx.form.get("days", "")
    if not WHOLE_NUMBER.fullmatch(days.strip()):
        raise BadRequest("days: a whole number of days is needed")
    with ctx.db() as session, session.begin():
        journal.mute_rule(
            session, athlete.id, athlete.name, rule, int(days), today=_today(ctx, athlete), now=ctx.now()
        )
    return _mute_back(ctx, athlete, rule)


def unmute(ctx: Ctx, athlete_id: str) -> Redirect:
    athlete = _athlete(ctx, athlete_id)
    rule = ctx.form.get("rule", "")
    with ctx.db() as session, session.begin():
        journal.unmute_rule(session, athlete.id, rule, _today(ctx, athlete))
    return _mute_back(ctx, athlete, rule)


ROUTES: list[tuple[str, Any, bool]] = [
    ("/", index, False),
    ("/athletes.json", index, False),
    ("/athletes/{athlete_id}.json", overview, False),
    ("/athletes/{athlete_id}", overview, False),
    ("/athletes/{athlete_id}/activities.json", activities, False),
    ("/athletes/{athlete_id}/activities", activities, False),
    ("/athletes/{athlete_id}/plan.json", plan, False),
    ("/athletes/{athlete_id}/plan", plan, False),
    ("/athletes/{athlete_id}/rules.json", rules, False),
    ("/athletes/{athlete_id}/rules", rules, False),
    ("/activities/{activity_id:id}.json", activity, False),
    ("/activities/{activity_id:id}", activity, False),
    ("/alerts/{alert_id:id}.json", alert, False),
    ("/alerts/{alert_id:id}", alert, False),
    ("/system.json", system, False),
    ("/system", system, False),
    ("/athletes/{athlete_id}/injuries", add_injury, True),
    ("/injuries/{injury_id:id}/close", close_injury, True),
    ("/alerts/{alert_id:id}/ack", acknowledge, True),
    ("/activities/{activity_id:id}/pain", add_pain, True),
    ("/activities/{activity_id:id}/correct", correct_activity, True),
    ("/athletes/{athlete_id}/mute", mute, True),
    ("/athletes/{athlete_id}/unmute", unmute, True),
]
