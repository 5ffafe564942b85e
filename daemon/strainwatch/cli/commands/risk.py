"""Commands about risk: status, alerts, explain, rules, mutes, injuries and the backtest."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

import click

from strainwatch.cli.app import AppContext, current_time, parse_date, pass_app
from strainwatch.errors import StrainwatchError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from strainwatch.config.settings import AthleteSettings
    from strainwatch.domain import Run
    from strainwatch.metrics.history import AthleteFacts


def _athletes(app: AppContext, athlete_id: str | None) -> list[AthleteSettings]:
    settings = app.settings
    return [settings.athlete(athlete_id)] if athlete_id else list(settings.athletes)


@click.command()
@click.option("--athlete", "athlete_id", metavar="ID", help="Only this athlete.")
@click.option(
    "--as-of",
    "as_of",
    callback=parse_date,
    metavar="DATE",
    help="Status as it was on DATE: its weeks, ceilings, load and the alerts active then.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts.")
@pass_app
def status(app: AppContext, athlete_id: str | None, as_of: date | None, as_json: bool) -> None:
    """Training at a glance: 8 weeks of distance, ceilings, load, active alerts."""
    from strainwatch.views.status import athlete_status, status_text

    sessions = app.sessions()
    reports = []
    texts = []
    with sessions() as session:
        for athlete in _athletes(app, athlete_id):
            thresholds = app.settings.thresholds(athlete)
            reports.append(athlete_status(session, athlete, thresholds, current_time(), as_of=as_of))
            muted = [_mute_line(r, u) for r, u in sorted(_mutes_of(session, athlete).items())]
            texts.append("\n".join([status_text(reports[-1]), *muted]))
    if as_json:
        click.echo(json.dumps([r.as_json() for r in reports], indent=2, ensure_ascii=False))
        return
    click.echo("\n\n".join(texts))
    _kind_problems(app, sessions, [a.id for a in _athletes(app, athlete_id)])
    from strainwatch.store.db import create_db_engine
    from strainwatch.store.job_queue import queue_overview

    engine = create_db_engine(app.settings.database_url)
    try:
        overview = queue_overview(engine, app.settings.workers.stalled_after)
    finally:
        engine.dispose()
    if overview is not None:
        click.echo(f"\nworkers: {overview.line()}")


def _kind_problems(app: AppContext, sessions: sessionmaker[Session], athlete_ids: list[str]) -> None:
    """What a kind of source or channel says needs a look (a revoked link, parked messages)."""
    from strainwatch.kinds import kind_statuses

    with sessions() as session:
        found = kind_statuses(app.settings, session, athlete_ids)
    said = [f"  {status.title}: {line}" for status in found for line in status.problems]
    if said:
        click.echo("\nneeds a look:\n" + "\n".join(said))


def _mutes_of(session: Session, athlete: AthleteSettings) -> dict[str, date]:
    from strainwatch.views.journal import mutes_of

    return mutes_of(session, athlete.id, current_time().astimezone(athlete.zone).date())


def _mute_line(rule: str, until: date) -> str:
    return f"muted: {rule} until {until} (alerts recorded; no mail or push before then)"


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Resolved alerts too.")
@click.option("--since", callback=parse_date, metavar="DATE", help="Only alerts about this date or later.")
@click.option("--athlete", "athlete_id", metavar="ID", help="Only this athlete.")
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts (a stable contract).")
@pass_app
def alerts(
    app: AppContext, show_all: bool, since: date | None, athlete_id: str | None, as_json: bool
) -> None:
    """List alerts, newest first (active ones unless --all)."""
    from strainwatch.views.alert import AlertFilter, alert_json, alert_line, alerts_history

    units = {a.id: a.units for a in _athletes(app, athlete_id)}
    wanted = AlertFilter(state="" if show_all else "active", since=since)
    with app.sessions()() as session:
        rows = alerts_history(session, list(units), wanted)
    if as_json:
        shown = [alert_json(a, units[a.athlete_id]) for a in rows]
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
    elif not rows:
        click.echo("no alerts" if show_all else "no active alerts")
    else:
        for alert in rows:
            click.echo(alert_line(alert, units[alert.athlete_id]))


@click.command()
@click.argument("alert_id", type=int)
@pass_app
def explain(app: AppContext, alert_id: int) -> None:
    """The numbers behind an alert, the evidence and what to do."""
    from strainwatch.alerts.guidance import guidance, guidance_lines
    from strainwatch.rules.registry import RULES
    from strainwatch.views.activity import correction_lines, table_row
    from strainwatch.views.alert import alert_detail, explain_text
    from strainwatch.views.overview import build_history

    with app.sessions()() as session:
        found = alert_detail(session, alert_id)
        if found is None:
            raise StrainwatchError(f"no alert #{alert_id}", hint="list them with: strainwatch alerts --all")
        alert = found.alert
        athlete = app.settings.athlete(alert.athlete_id)
        lines = []
        for a in found.runs:
            lines.append(f"#{a.id} {table_row(a, athlete.zone, athlete.units)}")
            lines.extend(f"  corrected: {line}" for line in correction_lines(a, athlete.units))
        thresholds = app.settings.thresholds(athlete)
        in_effect = thresholds.of(alert.rule) if alert.rule in RULES else None
        history = build_history(session, athlete, alert.day, light=True)
        limits = guidance_lines(guidance(history, alert.day, thresholds), athlete.units)
        click.echo(explain_text(alert, lines, athlete.units, limits, in_effect))
        if (until := _mutes_of(session, athlete).get(alert.rule)) is not None:
            click.echo(_mute_line(alert.rule, until))


@click.command()
@click.option("--athlete", "athlete_id", metavar="ID", help="Thresholds in effect for this athlete.")
@pass_app
def rules(app: AppContext, athlete_id: str | None) -> None:
    """The rule catalogue with the settings applied, grades and sources."""
    from strainwatch.rules.registry import RULES, effective
    from strainwatch.views.words import setting_words

    settings = app.settings
    athlete = settings.athlete(athlete_id) if athlete_id or len(settings.athletes) == 1 else None
    applied = settings.thresholds(athlete) if athlete else effective(settings.rules)
    if athlete is None:
        click.echo("the global [rules.*] settings; per-athlete values: strainwatch rules --athlete ID")
    else:
        click.echo(f"the settings applied for {athlete.id}: defaults < [rules.*] < [athletes.rules.*]")
    for rule in RULES.values():
        state = "on " if rule.id in applied else "off"
        click.echo(f"[{state}] {rule.id:<19} {rule.title} (grade {rule.grade}: {rule.phrase})")
        units = athlete.units if athlete else "km"
        shown = "; ".join(setting_words(rule.id, applied.of(rule.id), units, rule.defaults))
        if shown:
            click.echo(f"      {shown}")
        click.echo(f"      source: {rule.citation}")
        click.echo(f"      needs: {rule.needs}")


@click.command()
@click.argument("rule", required=False)
@click.option("--days", type=int, metavar="N", help="How long: 1 to 365 days from today.")
@click.option("--athlete", "athlete_id", metavar="ID", help="Whose alerts (needed with several athletes).")
@click.option("--list", "show", is_flag=True, help="List the mutes in force instead.")
@pass_app
def mute(app: AppContext, rule: str | None, days: int | None, athlete_id: str | None, show: bool) -> None:
    """No mail or push about RULE for N days; its alerts are still recorded and shown.

    When the mute ends, what still holds is news again: a warning still active is mailed at
    once. `strainwatch unmute RULE` ends it early; to silence a rule for good, set
    `enabled = false` in its [rules.*] table.
    """
    from strainwatch.store import journal

    if show:
        with app.sessions()() as session:
            lines = [
                f"{a.id}: {_mute_line(r, u)}"
                for a in _athletes(app, athlete_id)
                for r, u in sorted(_mutes_of(session, a).items())
            ]
        click.echo("\n".join(lines) or "no rule is muted")
        return
    if rule is None or days is None:
        raise click.UsageError("give RULE and --days N (or --list)")
    athlete = app.settings.athlete(athlete_id)
    now = current_time()
    with app.sessions()() as session, session.begin():
        row = journal.mute_rule(
            session, athlete.id, athlete.name, rule, days, today=now.astimezone(athlete.zone).date(), now=now
        )
        until = row.until
    click.echo(f"{rule} muted for {athlete.id} until {until}: alerts still recorded, no mail or push")


@click.command()
@click.argument("rule")
@click.option("--athlete", "athlete_id", metavar="ID", help="Whose mute (needed with several athletes).")
@pass_app
def unmute(app: AppContext, rule: str, athlete_id: str | None) -> None:
    """End the mute of RULE now: what still holds is news again on the next pass."""
    from strainwatch.store import journal

    athlete = app.settings.athlete(athlete_id)
    with app.sessions()() as session, session.begin():
        ended = journal.unmute_rule(session, athlete.id, rule, current_time().astimezone(athlete.zone).date())
    click.echo(f"{rule} unmuted for {athlete.id}" if ended else f"{rule} was not muted for {athlete.id}")


@click.group()
def injury() -> None:
    """Log injuries: they make calf alerts stricter and start rehab mode."""


def _injury_athlete(app: AppContext, athlete_id: str | None) -> AthleteSettings:
    return app.settings.athlete(athlete_id)


@injury.command("add")
@click.argument("start", callback=parse_date, metavar="DATE")
@click.option(
    "--part", type=click.Choice(["calf", "soleus", "gastrocnemius", "achilles", "other"]), required=True
)
@click.option("--note", help="Free text, e.g. how it happened.")
@click.option("--athlete", "athlete_id", metavar="ID")
@pass_app
def injury_add(app: AppContext, start: date, part: str, note: str | None, athlete_id: str | None) -> None:
    """Log an injury that started on DATE (YYYY-MM-DD)."""
    from strainwatch.store.models import Injury
    from strainwatch.store.repository import ensure_athlete

    athlete = _injury_athlete(app, athlete_id)
    with app.sessions()() as session, session.begin():
        ensure_athlete(session, athlete.id, athlete.name, current_time())
        session.flush()
        row = Injury(athlete_id=athlete.id, start=start, part=part, note=note, created_at=current_time())
        session.add(row)
        session.flush()
        click.echo(
            f"injury #{row.id} logged: {part} since {start}; close it with "
            f"`strainwatch injury close {row.id} DATE`"
        )
        _mark_stale(session, athlete.id)


def _mark_stale(session: Session, athlete_id: str) -> None:
    """An injury changes the modifiers: evaluate again on the next pass."""
    from strainwatch.store.models import Athlete

    stored = session.get(Athlete, athlete_id)
    if stored is not None:
        stored.evaluated_on = None


@injury.command("list")
@click.option("--athlete", "athlete_id", metavar="ID")
@pass_app
def injury_list(app: AppContext, athlete_id: str | None) -> None:
    """Logged injuries, newest first."""
    from strainwatch.views.journal import injuries_of

    ids = [a.id for a in _athletes(app, athlete_id)]
    with app.sessions()() as session:
        rows = injuries_of(session, ids)
    if not rows:
        click.echo("no injuries logged")
    for row in rows:
        closed = f"closed {row.closed}" if row.closed else "open"
        click.echo(
            f"#{row.id:<4} {row.athlete_id:<10} {row.part:<14} since {row.start}  {closed}  {row.note or ''}"
        )


@injury.command("close")
@click.argument("injury_id", type=int)
@click.argument("closed", callback=parse_date, metavar="DATE")
@pass_app
def injury_close(app: AppContext, injury_id: int, closed: date) -> None:
    """Mark injury ID healed as of DATE: rehab mode ends."""
    from strainwatch.store.models import Injury

    with app.sessions()() as session, session.begin():
        row = session.get(Injury, injury_id)
        if row is None:
            raise StrainwatchError(f"no injury #{injury_id}", hint="list them with: strainwatch injury list")
        if closed < row.start:
            raise StrainwatchError(f"injury #{injury_id} started {row.start}: it cannot close before that")
        row.closed = closed
        _mark_stale(session, row.athlete_id)
    click.echo(f"injury #{injury_id} closed on {closed}")


@click.command()
@click.option("--athlete", "athlete_id", metavar="ID", help="Whose history (needed with several athletes).")
@click.option("--since", callback=parse_date, metavar="DATE", help="Start the replay here.")
@click.option(
    "--mail", is_flag=True, help="Preview the mailbox: the mail this config would have sent, day by day."
)
@click.option(
    "--at",
    "pass_time",
    default="20:00",
    metavar="HH:MM",
    show_default=True,
    help="With --mail: the local time of the one pass a day.",
)
@click.option("--until", callback=parse_date, metavar="DATE", help="With --mail: the last day replayed.")
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts.")
@pass_app
def backtest(
    app: AppContext,
    *,
    athlete_id: str | None,
    since: date | None,
    mail: bool,
    pass_time: str,
    until: date | None,
    as_json: bool,
) -> None:
    """Replay the stored history day by day (no look-ahead) and list the alerts it raises, or
    with --mail the mails they would have made."""
    from strainwatch.alerts.replay import replay
    from strainwatch.store.runs import facts_of, load_runs
    from strainwatch.views.backtest import backtest_json, backtest_text

    athlete = app.settings.athlete(athlete_id)
    with app.sessions()() as session:
        runs = load_runs(session, athlete)
        facts = facts_of(session, athlete)
    if mail:
        _mail_preview(
            app, athlete, runs, facts, since=since, pass_time=pass_time, until=until, as_json=as_json
        )
        return
    result = replay(runs, facts, app.settings.thresholds(athlete), since=since)
    if as_json:
        found = backtest_json(athlete.id, result, facts, athlete.units)
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
    else:
        click.echo(backtest_text(athlete.id, result, facts, athlete.units))


def _mail_preview(
    app: AppContext,
    athlete: AthleteSettings,
    runs: list[Run],
    facts: AthleteFacts,
    *,
    since: date | None,
    pass_time: str,
    until: date | None,
    as_json: bool,
) -> None:
    from datetime import time, timedelta

    from strainwatch.notify.preview import preview_json, preview_mailbox, preview_text

    try:
        at = time.fromisoformat(pass_time)
    except ValueError:
        raise click.BadParameter(f"not a time like 20:00: {pass_time!r}", param_hint="--at") from None
    if not until and runs:
        today = current_time().astimezone(athlete.zone).date()
        until = min(max(r.local_date for r in runs) + timedelta(days=7), today)
    notify = app.settings.notify
    preview = preview_mailbox(
        runs,
        facts,
        app.settings.thresholds(athlete),
        athlete_id=athlete.id,
        zone=athlete.zone,
        schedule=notify.digest,
        digest_time=notify.digest_time,
        pass_time=at,
        until=until,
        units=athlete.units,
    )
    if since:
        preview.mails = [m for m in preview.mails if m.day >= since]
        preview.first = max(preview.first, since)
    if as_json:
        click.echo(json.dumps(preview_json(athlete.id, preview), indent=2, ensure_ascii=False))
    else:
        click.echo(preview_text(athlete.id, preview, notify.digest, notify.digest_time))


COMMANDS = (status, alerts, explain, rules, mute, unmute, injury, backtest)
