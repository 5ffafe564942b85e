"""The web page: `serve`, and `web passwd` for a login's password hash."""

from __future__ import annotations

import os
from pathlib import Path

import click

from strainwatch.cli.app import AppContext, current_time, pass_app
from strainwatch.errors import ConfigError, StrainwatchError


def _need_web_extra() -> None:
    import importlib.util

    modules = ("starlette", "uvicorn", "argon2", "multipart")
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise StrainwatchError(
            f"the web page needs the `web` extra (missing: {', '.join(missing)})",
            hint="pip install 'strainwatch[web]'",
        )


@click.command()
@click.option(
    "--listen",
    metavar="HOST:PORT",
    help="Where to listen instead of [web] listen (not loopback: needs [[web.users]] or auth_header).",
)
@pass_app
def serve(app: AppContext, listen: str | None) -> None:
    """Serve the web page in the foreground until Ctrl-C or SIGTERM.

    The overview, alerts, runs, rules and system pages, each with a JSON twin (add `.json`).
    The daemon (`strainwatch run`) serves the same page when [web] enabled is true: run one
    of the two, not both, on the same address.
    """
    from pydantic import ValidationError

    from strainwatch import clock
    from strainwatch.config.settings import WebSettings

    _need_web_extra()
    from strainwatch.sources.samples import recorded_track
    from strainwatch.web.serve import bind, serve_forever

    settings = app.settings
    if listen is not None:
        try:
            web = WebSettings.model_validate({**settings.web.model_dump(), "listen": listen})
        except ValidationError as error:
            reason = error.errors()[0]["msg"].removeprefix("Value error, ")
            raise ConfigError(f"--listen: {reason}") from None
        settings = settings.model_copy(update={"web": web})
    sessions = app.sessions()
    sock = bind(settings.web.listen)

    def ready(url: str) -> None:
        how = "logins required" if settings.web.login_required else "no login: loopback only"
        click.echo(f"strainwatch: serving on {url} ({how}); Ctrl-C stops", err=True)

    serve_forever(settings, sessions, clock.running(), sock, ready, samples=recorded_track)


@click.group()
def web() -> None:
    """The web page's logins."""


@web.command("passwd")
@click.option("--name", default="me", show_default=True, help="The login's name, for the printed snippet.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the hash to FILE (mode 0600) for password_hash_file, instead of printing it.",
)
def passwd(name: str, output: Path | None) -> None:
    """Ask for a password and print its argon2 hash for [[web.users]] (never the password)."""
    _need_web_extra()
    from strainwatch.web.access import hash_password

    password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="password")
    hashed = hash_password(password)
    if output is not None:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(hashed + "\n")
        click.echo(f'[[web.users]]\nname = "{name}"\npassword_hash_file = "{output}"\nathletes = ["*"]')
        return
    click.echo(f'[[web.users]]\nname = "{name}"\npassword_hash = "{hashed}"\nathletes = ["*"]')


@click.command()
@click.argument("alert_id", type=int)
@pass_app
def ack(app: AppContext, alert_id: int) -> None:
    """Mark alert ALERT_ID as read (the web page's "I have read this")."""
    import getpass

    from strainwatch.store import journal
    from strainwatch.store.models import Alert

    with app.sessions()() as session, session.begin():
        row = session.get(Alert, alert_id)
        if row is None:
            raise StrainwatchError(f"no alert #{alert_id}", hint="list them with: strainwatch alerts --all")
        fresh = journal.acknowledge(row, getpass.getuser(), current_time())
        when = row.acknowledged_at
    click.echo(f"alert #{alert_id} marked read" if fresh else f"alert #{alert_id} was already read ({when})")


@click.command()
@click.argument("activity_id", type=int)
@click.argument("note")
@pass_app
def pain(app: AppContext, activity_id: int, note: str) -> None:
    """Log pain after run ACTIVITY_ID: the pain-note rule reads NOTE on the next pass."""
    import getpass

    from strainwatch.safe_text import clean_text
    from strainwatch.store import journal
    from strainwatch.store.models import Activity

    with app.sessions()() as session, session.begin():
        row = session.get(Activity, activity_id)
        if row is None or row.deleted:
            raise StrainwatchError(
                f"no activity #{activity_id}", hint="list them with: strainwatch activities"
            )
        app.settings.athlete(row.athlete_id)
        journal.add_pain_note(session, row, clean_text(note) or "", getpass.getuser(), current_time())
    click.echo(f"pain noted for activity #{activity_id}; the next sync evaluates it")


COMMANDS = (serve, web, ack, pain)
