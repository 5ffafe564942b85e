"""Every alert an athlete has had, not only the active ones: filtered by rule, severity, state
and period, newest first, a page at a time. `/athletes/ID/alerts` for one athlete, `/alerts`
for every athlete the login may see (a coach's list). The JSON twin holds the page in the rows
of `alerts --all --json`, filtered, and the addresses of the pages beside it."""

from __future__ import annotations

from typing import Any

from strainwatch.config.settings import AthleteSettings
from strainwatch.rules.registry import RULES
from strainwatch.units import say
from strainwatch.views.alert import AlertFilter, alert_json, alerts_page
from strainwatch.web.page import BadRequest, Ctx, Page
from strainwatch.web.pages import _athlete, _date, _mutes, _today
from strainwatch.web.paging import page_asked, page_json, page_values
from strainwatch.web.when import day_words

SEVERITIES = ("warning", "caution", "info")
STATES = {"active": "active", "resolved": "resolved", "unread": "not marked read"}


def _choice(ctx: Ctx, name: str, allowed: Any) -> str:
    value = ctx.query.get(name, "")
    if value and value not in allowed:
        raise BadRequest(f"{name}: one of {', '.join(allowed)}")
    return value


def history(ctx: Ctx, athlete_id: str | None = None) -> Page:
    athletes = (
        [_athlete(ctx, athlete_id)]
        if athlete_id is not None
        else [a for a in ctx.settings.athletes if ctx.login.may_see(a.id)]
    )
    rule, severity = _choice(ctx, "rule", list(RULES)), _choice(ctx, "severity", SEVERITIES)
    state = _choice(ctx, "state", list(STATES))
    latest = max((_today(ctx, a) for a in athletes), default=None)
    since = _date(ctx.query.get("since"), "since", **({"latest": latest} if latest else {}))
    until = _date(ctx.query.get("until"), "until")
    wanted = AlertFilter(rule, severity, state, since, until)
    number = page_asked(ctx)
    with ctx.db() as session:
        paged = alerts_page(session, [a.id for a in athletes], wanted, number)
        mutes = {a.id: _mutes(session, ctx, a) for a in athletes}
    by_id: dict[str, AthleteSettings] = {a.id: a for a in athletes}
    rows = [
        {
            "id": a.id,
            "athlete": by_id[a.athlete_id],
            "title": say(a.title, by_id[a.athlete_id].units),
            "rule": a.rule,
            "severity": a.severity,
            "status": a.status,
            "date": a.day.isoformat(),
            "day": day_words(a.day, _today(ctx, by_id[a.athlete_id])),
            "read": a.acknowledged_at is not None,
            "muted": a.rule in mutes[a.athlete_id],
        }
        for a in paged.items
    ]
    one = athletes[0] if athlete_id is not None else None
    values = {
        "title": f"{one.name}: alerts" if one else "Alerts",
        "rows": rows,
        **page_values(ctx, paged),
        "rules": list(RULES),
        "severities": SEVERITIES,
        "states": STATES,
        "several": one is None,
        "filters": {
            "rule": rule,
            "severity": severity,
            "state": state,
            "since": ctx.query.get("since", ""),
            "until": ctx.query.get("until", ""),
        },
        **({"athlete": one} if one else {}),
    }
    data = page_json(ctx, paged, "alerts", [alert_json(a, by_id[a.athlete_id].units) for a in paged.items])
    return Page("alerts", values, data)


ROUTES: list[tuple[str, Any, bool]] = [
    ("/alerts.json", history, False),
    ("/alerts", history, False),
    ("/athletes/{athlete_id}/alerts.json", history, False),
    ("/athletes/{athlete_id}/alerts", history, False),
]
