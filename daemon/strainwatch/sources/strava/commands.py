"""`strainwatch strava auth|status`: link an athlete's Strava account on a headless server.

The Strava kind's commands, added to `strainwatch` through pipeline/source_commands.py; they
import heavy modules inside the command, so `strainwatch --help` stays instant.
"""

from __future__ import annotations

import click

from strainwatch.clock import now as current_time
from strainwatch.sources.base import CommandContext as AppContext

pass_app = click.pass_obj


@click.group()
def strava() -> None:
    """Link Strava accounts (needs the [strava] table and a paid-owner API application)."""


@strava.command("auth")
@click.option("--athlete", "athlete_id", metavar="ID", help="Whose account (needed with several athletes).")
@click.option("--code", "code_text", metavar="CODE_OR_URL", help="The code, or the whole redirect URL.")
@click.option(
    "--listen", "port", type=click.IntRange(1, 65535), help="Receive the redirect on 127.0.0.1:PORT."
)
@pass_app
def strava_auth(app: AppContext, athlete_id: str | None, code_text: str | None, port: int | None) -> None:
    """Authorize strainwatch to read an athlete's activities (scopes read,activity:read_all).

    Open the printed URL in any browser, press Authorize, then paste the URL the browser
    ends on (it need not load), or pass it with --code, or use --listen with an SSH tunnel.
    """
    from strainwatch.sources.strava.auth import REDIRECT, parse_code, receive_redirect
    from strainwatch.sources.strava.client import Quota
    from strainwatch.sources.strava.sync import strava_client
    from strainwatch.sources.strava.tables import StravaAccount
    from strainwatch.store.db import unit_of_work
    from strainwatch.store.repository import ensure_athlete

    athlete = app.settings.athlete(athlete_id)
    sessions = app.sessions()
    with sessions() as session, unit_of_work(session):
        ensure_athlete(session, athlete.id, athlete.name, current_time())
    client = strava_client(app.settings, sessions, athlete.id, None, Quota())
    redirect = f"http://localhost:{port}/exchange_token" if port else REDIRECT
    url = client.authorization_url(redirect)
    click.echo(f"Open this URL, sign in as {athlete.name} and press Authorize:\n\n  {url}\n")
    if code_text is None:
        if port:
            click.echo(f"waiting for the redirect on 127.0.0.1:{port} …")
            code_text = receive_redirect(port)
        else:
            code_text = click.prompt("Paste the URL the browser ended on (or just the code)")
    code, scopes = parse_code(code_text)
    client.exchange(code)
    with sessions() as session, unit_of_work(session):
        account = session.get_one(StravaAccount, athlete.id)
        account.scopes, account.strava_athlete_id = scopes, client.athlete_id
    granted = f" (scopes: {scopes})" if scopes else ""
    if scopes is not None and "activity:read_all" not in scopes:
        click.echo("warning: activity:read_all was not granted: private activities and notes stay unseen")
    click.echo(f"{athlete.id}: linked to Strava{granted}; the next `strainwatch sync` fetches activities")


@strava.command("status")
@pass_app
def strava_status(app: AppContext) -> None:
    """Each athlete's link: scopes, token expiry, last sync, problems, the last quota seen."""
    from strainwatch.sources.strava.tables import StravaAccount, StravaAppState

    now = current_time()
    with app.sessions()() as session:
        state = session.get(StravaAppState, 1)
        for athlete in app.settings.athletes:
            account = session.get(StravaAccount, athlete.id)
            if account is None:
                click.echo(f"{athlete.id}: not linked (strainwatch strava auth --athlete {athlete.id})")
                continue
            left = account.expires_at - now
            minutes = int(left.total_seconds() // 60)
            expiry = f"expires in {minutes} min" if minutes > 0 else "expired (refreshed on the next sync)"
            last = f"{account.last_sync_at:%Y-%m-%d %H:%M} UTC" if account.last_sync_at else "never"
            problem = f", PROBLEM: {account.problem}" if account.problem else ""
            click.echo(
                f"{athlete.id}: Strava athlete {account.strava_athlete_id or '?'}, "
                f"scopes {account.scopes or 'unknown'}, token {expiry}, last sync {last}{problem}"
            )
        if state is not None and state.limits:
            shown = ", ".join(
                f"{name} {usage}/{limit}" for name, (limit, usage) in sorted(state.limits.items())
            )
            click.echo(f"quota at {state.seen_at:%Y-%m-%d %H:%M} UTC: {shown}")


COMMANDS = (strava,)
