"""Commands about mail: a test message, the outbox, retries and digests."""

from __future__ import annotations

import json
from datetime import UTC

import click

from strainwatch.cli.app import AppContext, current_time, pass_app


@click.group()
def notify() -> None:
    """Check that mail and pushes reach you."""


@notify.command("test")
@click.option("--athlete", "athlete_id", metavar="ID", help="Whose channels (needed with several athletes).")
@click.option(
    "--channel",
    "channel_name",
    metavar="NAME",
    help="A channel of [[athletes.channels]] by name, or the mail channel (the default).",
)
@pass_app
def notify_test(app: AppContext, athlete_id: str | None, channel_name: str | None) -> None:
    """Send a sample alert now, past the outbox, and say exactly what the other side answered."""
    from strainwatch.notify.channels.base import DeliveryError
    from strainwatch.notify.chart import sample_chart
    from strainwatch.notify.dispatch import recipient_of
    from strainwatch.notify.render import AlertContent
    from strainwatch.notify.transport import route_named
    from strainwatch.units import distance_mark, say
    from strainwatch.views.links import athlete_url

    athlete = app.settings.athlete(athlete_id)
    route = route_named(app.settings, athlete, channel_name)
    now = current_time()
    sample = AlertContent(
        fingerprint=f"test:{athlete.id}:{now.isoformat()}",
        rule="long-run-spike",
        severity="caution",
        day=now.date().isoformat(),
        title="Sample: long run 45% above your 30-day longest",
        summary=say(
            f"{distance_mark(14_500)}, +45 % over your longest run of the previous 30 days "
            f"({distance_mark(10_000)})",
            athlete.units,
        ),
        advice="This is a test message from `strainwatch notify test`: nothing to do.",
        numbers={"distance_km": 14.5, "reference_km": 10.0, "increase_pct": 45.0},
        units=athlete.units,
    )
    channel = route.build()
    chart = sample_chart(now.astimezone(athlete.zone).date())
    link = athlete_url(app.settings.web.public_url, athlete.id)
    recipient = recipient_of(athlete)
    message = route.renderer.alert(sample, recipient, chart, sender=channel.sender, now=now, link=link)
    click.echo(f"sending a sample alert to {athlete.id}'s channel {route.name!r} ({athlete.email}) …")
    try:
        click.echo(channel.send(message))
    except DeliveryError as exc:
        kind = "permanent: mend it first" if exc.permanent else "temporary: the outbox would retry it"
        raise type(exc)(f"{exc.what} ({kind})", where=exc.where, hint=exc.hint) from None


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts (a stable contract).")
@click.pass_context
def outbox(ctx: click.Context, as_json: bool) -> None:
    """Every queued message, sent ones included, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    from sqlalchemy import select

    from strainwatch.store.models import Outbox
    from strainwatch.views.system import outbox_json

    app = ctx.ensure_object(AppContext)
    with app.sessions()() as session:
        rows = list(session.scalars(select(Outbox).order_by(Outbox.created_at.desc(), Outbox.id.desc())))
    if as_json:
        click.echo(json.dumps([outbox_json(r) for r in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("the outbox is empty")
    for r in rows:
        when = (
            f"sent {r.sent_at.astimezone(UTC):%Y-%m-%d %H:%M}"
            if r.sent_at
            else f"next {r.next_attempt_at:%Y-%m-%d %H:%M}"
        )
        via = "" if not r.message_id.startswith(f"{r.channel}:") else f" via {r.channel}"
        click.echo(f"#{r.id:<5} {r.status:<8} {r.kind:<7} {r.attempts} tries, {when}  {r.subject}{via}")
        if r.last_error and r.status != "sent":
            click.echo(f"       last error: {r.last_error}")


@outbox.command("retry")
@click.argument("ids", nargs=-1, type=int)
@pass_app
def outbox_retry(app: AppContext, ids: tuple[int, ...]) -> None:
    """Re-queue parked messages (all without IDs) and send what is due now."""
    from strainwatch.notify.outbox import retry
    from strainwatch.notify.transport import deliver_all
    from strainwatch.store.db import unit_of_work

    sessions = app.sessions()
    now = current_time()
    with sessions() as session, unit_of_work(session):
        count = retry(session, ids, now)
    click.echo(f"{count} message(s) due now")
    report = deliver_all(app.settings, sessions, now)
    click.echo(report.summary())
    for line in report.sent + report.retrying + report.parked:
        click.echo(f"  {line}")


@click.command()
@click.option("--now", "force", is_flag=True, help="Send a digest now, whatever the schedule.")
@pass_app
def digest(app: AppContext, force: bool) -> None:
    """Queue and send each athlete's digest when it is due (or now)."""
    from strainwatch.notify.dispatch import queue_notifications
    from strainwatch.notify.transport import deliver_all
    from strainwatch.store.db import unit_of_work

    sessions = app.sessions()
    now = current_time()
    for athlete in app.settings.athletes:
        with sessions() as session, unit_of_work(session):
            queued = queue_notifications(session, app.settings, athlete, now, force_digest=force)
        for subject in queued.subjects:
            click.echo(f"{athlete.id}: queued {subject}")
    report = deliver_all(app.settings, sessions, now)
    click.echo(report.summary())


COMMANDS = (notify, outbox, digest)
