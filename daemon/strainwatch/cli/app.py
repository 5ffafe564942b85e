"""The `strainwatch` command. Heavy modules are imported inside commands so `--help` is instant.

User errors become one line on stderr and a documented exit code; `-v` adds tracebacks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from strainwatch import __version__, clock
from strainwatch.errors import StrainwatchError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from strainwatch.config.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


class AppContext:
    def __init__(self, config_path: str | None, verbosity: int) -> None:
        self.config_path = config_path
        self.verbosity = verbosity
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from strainwatch.kinds import load_settings

            self._settings = load_settings(self.config_path)
        return self._settings

    def sessions(self) -> sessionmaker[Session]:
        from strainwatch.store.db import open_database

        return open_database(self.settings.database_url)


class StrainwatchGroup(click.Group):
    """Turns StrainwatchError into `strainwatch: error: …` and its exit code; a database error
    becomes one such line too (never the SQL or its parameters)."""

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            try:
                return super().invoke(ctx)
            except SQLAlchemyError as error:
                from strainwatch.store.db import store_error

                raise store_error(error, "") from None
        except StrainwatchError as exc:
            app = ctx.find_object(AppContext)
            if app is not None and app.verbosity >= 2:
                raise
            message = str(exc).replace("\n", "\nstrainwatch: error: ")
            click.echo(f"strainwatch: error: {message}", err=True)
            if exc.hint:
                click.echo(f"strainwatch: hint: {exc.hint}", err=True)
            ctx.exit(int(exc.exit_code))
        except KeyboardInterrupt:
            click.echo("strainwatch: interrupted", err=True)
            ctx.exit(130)


def current_time() -> datetime:
    """The command's `now`: STRAINWATCH_NOW or the wall clock (see clock.py)."""
    return clock.now()


@click.group(cls=StrainwatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    envvar="STRAINWATCH_CONFIG",
    help="Config file. Default: $STRAINWATCH_CONFIG, /etc/strainwatch/config.toml, "
    "then ~/.config/strainwatch/config.toml.",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv: debug and tracebacks).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.version_option(__version__, prog_name="strainwatch")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int, quiet: bool) -> None:
    """Watch your runs and warn, with evidence, before an overuse injury.

    strainwatch reads activities from watch files (GPX, FIT, TCX, gzipped or not), Strava
    bulk-export zips and the Strava API, checks each run against your own recent training
    with rules from the injury research, and mails a warning at once or a digest later.

    \b
    Start here:
      strainwatch config example > ~/.config/strainwatch/config.toml
      strainwatch config check
      strainwatch sync
      strainwatch status
      strainwatch doctor

    \b
    Exit codes: 0 ok, 1 error (config, database, permissions), 2 usage,
    3 `import` finished but some files failed.
    """
    from strainwatch.logsetup import setup_logging

    verbosity = -1 if quiet else verbose
    setup_logging(verbosity)
    ctx.obj = AppContext(config_path, verbosity)


pass_app = click.make_pass_decorator(AppContext)


def waiting(command: str, wait_s: float) -> Callable[[], None]:
    def say() -> None:
        click.echo(
            f"{command}: another strainwatch pass is running (the daemon's?); waiting up to {wait_s:g} s",
            err=True,
        )

    return say


wait_option = click.option(
    "--wait",
    "wait_s",
    type=click.FloatRange(0, 3600),
    default=60,
    show_default=True,
    help="Seconds to wait for another pass (the daemon's) to finish.",
)


def parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-01-31") from None
