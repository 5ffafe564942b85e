"""The `strainwatch` command. Heavy modules are imported inside commands so `--help` is instant.

User errors become one line on stderr and a documented exit code; `-v` adds tracebacks.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, TypeVar

import click

from strainwatch import __version__, clock
from strainwatch.errors import ExitCode, StrainwatchError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from strainwatch.config import Settings
    from strainwatch.importing.importer import ImportReport
    from strainwatch.importing.jobs import FileOutcome

F = TypeVar("F", bound=Callable[..., Any])


class AppContext:
    def __init__(self, config_path: str | None, verbosity: int) -> None:
        self.config_path = config_path
        self.verbosity = verbosity
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from strainwatch.config import load_settings

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


def _now() -> datetime:
    return clock.now()


@click.group(cls=StrainwatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config", "config_path", metavar="FILE", envvar="STRAINWATCH_CONFIG",
    help="Config file. Default: $STRAINWATCH_CONFIG, /etc/strainwatch/config.toml, "
    "then ~/.config/strainwatch/config.toml.",
)  # fmt: skip
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


# ---------------------------------------------------------------- import and sync


def progress_status(done: int, total: int, read: int, elapsed_s: float) -> str:
    """'12.5 files/s, 0:01:20 left': the rate counts files actually read (files skipped as
    unchanged cost nothing), the time left assumes the rest go at that rate."""
    if read <= 0 or elapsed_s <= 0:
        return ""
    rate = read / elapsed_s
    left = round(max(0, total - done) / rate)
    return f"{rate:,.1f} files/s, {left // 3600}:{left // 60 % 60:02d}:{left % 60:02d} left"


class _Progress:
    """A progress bar with files/s and the time left on a terminal; silence elsewhere
    (journald, pipes, cron)."""

    def __init__(self, label: str, enabled: bool, clock: Callable[[], float] | None = None) -> None:
        from time import monotonic

        self.label = label
        self.enabled = enabled
        self.clock = clock or monotonic
        self.bar: Any = None
        self.total = self.done = self.read = 0
        self.started = 0.0

    def planned(self, total: int) -> None:
        self.close()  # one bar per athlete
        self.total, self.done, self.read, self.started = total, 0, 0, self.clock()
        if self.enabled and total > 1:
            self.bar = click.progressbar(
                length=total, label=self.label, file=sys.stderr, show_eta=False,
                item_show_func=lambda status: status,
            )  # fmt: skip
            self.bar.__enter__()

    def advance(self, outcome: FileOutcome) -> None:
        self.done += 1
        if outcome.outcome != "unchanged":
            self.read += 1
        if self.bar is not None:
            self.bar.update(1, self.status())

    def status(self) -> str:
        return progress_status(self.done, self.total, self.read, self.clock() - self.started)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _print_import_report(report: ImportReport, dry_run: bool) -> None:
    c = report.counts()
    verb = "would import" if dry_run else "imported"
    click.echo(
        f"{report.athlete}: {verb} {c['imported']}, updated {c['updated']}, "
        f"unchanged {c['unchanged']}, duplicates {c['duplicate']}, "
        f"not activities {c['not_activity']}, unusable {c['unusable']}, failed {c['failed']}"
    )
    for outcome in report.outcomes:
        if outcome.outcome == "not_activity":
            click.echo(f"  not an activity: {outcome.path}: {outcome.reason}")
    for outcome in report.duplicates:
        click.echo(f"  duplicate: {outcome.path}: {outcome.reason}")
    for outcome in report.retried:
        click.echo(f"  read again ({outcome.retried}): {outcome.path}: {outcome.outcome}")
    for outcome in report.partial:
        click.echo(f"  partly read: {outcome.path}: {outcome.partial}")
    for outcome in report.unusable:
        click.echo(f"  unusable for load: {outcome.path}: {outcome.reason}")
    for outcome in report.failures:
        click.echo(f"  failed: {outcome.path}: {outcome.reason}")
    for outcome in report.still_failing:
        click.echo(f"  still failing (unchanged): {outcome.path}: {outcome.reason}")


def _waiting(command: str, wait_s: float) -> Callable[[], None]:
    def say() -> None:
        click.echo(
            f"{command}: another strainwatch pass is running (the daemon's?); waiting up to {wait_s:g} s",
            err=True,
        )

    return say


_wait_option = click.option(
    "--wait", "wait_s", type=click.FloatRange(0, 3600), default=60, show_default=True,
    help="Seconds to wait for another pass (the daemon's) to finish.",
)  # fmt: skip


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--athlete", "athlete_id", metavar="ID", help="Whose files (needed with several athletes).")
@click.option("--dry-run", is_flag=True, help="Read and report, store nothing.")
@click.option("--jobs", type=click.IntRange(1, 64), help="Worker processes (default: every core).")
@_wait_option
@pass_app
def import_command(
    app: AppContext, *, paths: tuple[str, ...], athlete_id: str | None, dry_run: bool, jobs: int | None,
    wait_s: float,
) -> None:  # fmt: skip
    """Import activity files, folders (recursively) and Strava export zips.

    Unchanged files are skipped without being read. Every file that cannot be imported is
    named with the reason; the rest are imported. Exits 3 when some files failed. Runs as
    one pass: it waits for the daemon's (or a sync's) pass to finish first.
    """
    from pathlib import Path

    from strainwatch.importing.importer import import_paths
    from strainwatch.locking import PassBusy, pass_lock

    athlete = app.settings.athlete(athlete_id)
    sessions = app.sessions()
    progress = _Progress("Importing", sys.stderr.isatty() and app.verbosity >= 0)
    try:
        with pass_lock(app.settings.database_url, wait_s=wait_s, on_wait=_waiting("import", wait_s)):
            report = import_paths(
                sessions, athlete, [Path(p) for p in paths], now=_now(), dry_run=dry_run,
                workers=jobs, on_planned=progress.planned, on_file=progress.advance,
            )  # fmt: skip
    except PassBusy as busy:
        busy.hint = "try again when it has finished, or give --wait more seconds"
        raise
    finally:
        progress.close()
    _print_import_report(report, dry_run)
    if report.failures or report.still_failing:
        sys.exit(int(ExitCode.SOME_FILES_FAILED))


@cli.command()
@click.option("--dry-run", is_flag=True, help="Show what the pass would do; change nothing.")
@_wait_option
@pass_app
def sync(app: AppContext, dry_run: bool, wait_s: float) -> None:
    """Run one pass over every configured source, then exit.

    For a systemd timer or cron, or by hand. Exits 0 when the pass ran, even if some files
    were rejected: they are reported once here and listed by `strainwatch import`.
    """
    from strainwatch.locking import PassBusy, pass_lock
    from strainwatch.sync import run_pass

    sessions = app.sessions()
    progress = _Progress("Syncing", sys.stderr.isatty() and app.verbosity >= 0)
    try:
        with pass_lock(app.settings.database_url, wait_s=wait_s, on_wait=_waiting("sync", wait_s)):
            report = run_pass(
                app.settings, sessions, now=_now(), dry_run=dry_run,
                on_planned=progress.planned, on_file=progress.advance,
            )  # fmt: skip
    except PassBusy as busy:
        click.echo(f"sync skipped: {busy.what}")  # the daemon's pass covers it: not an error
        return
    finally:
        progress.close()
    click.echo(report.summary())
    for strava in report.strava:
        click.echo(f"  {strava.summary()}")
    for athlete, outcome in report.new_failures():
        click.echo(f"  {athlete}: failed: {outcome.path}: {outcome.reason}")
    for failure in report.failed:
        click.echo(f"  failed: {failure}")
    for subject in report.queued:
        click.echo(f"  {'would send' if dry_run else 'queued'}: {subject}")
    if report.delivery:
        for line in report.delivery.parked + report.delivery.retrying:
            click.echo(f"  mail problem: {line}")


@cli.command()
@pass_app
def run(app: AppContext) -> None:
    """Run as a daemon: sync at start and every [daemon] interval, mail, digests.

    For systemd (Type=notify): READY, STATUS and WATCHDOG are sent, logs suit journald,
    SIGTERM stops cleanly, SIGHUP reloads the config.
    """
    import signal

    def stop_early(_signum: int, _frame: object) -> None:
        raise SystemExit(0)  # stopped before start-up began: nothing to undo

    signal.signal(signal.SIGTERM, stop_early)  # run_daemon installs the real handlers first thing
    signal.signal(signal.SIGINT, stop_early)
    from strainwatch.service import run_daemon

    if app.verbosity == 0:
        from strainwatch.logsetup import setup_logging

        setup_logging(1)  # a daemon reports each pass at INFO
    sys.exit(run_daemon(app.config_path))


@cli.command()
@pass_app
def doctor(app: AppContext) -> None:
    """Check config, database, secrets, sources, mail and the outbox; exit 1 if anything fails."""
    from strainwatch.doctor import checks

    results = checks(app.settings)
    for check in results:
        click.echo(check.line())
    failed = [c for c in results if not c.ok and not c.warning]
    click.echo(f"{len(failed)} problem(s)" if failed else "all good")
    if failed:
        sys.exit(int(ExitCode.ERROR))


# ---------------------------------------------------------------- activities


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-01-31") from None


@cli.command()
@click.option(
    "--since",
    callback=_parse_date,
    metavar="DATE",
    help="Only from this local date on (YYYY-MM-DD).",
)
@click.option("--athlete", "athlete_id", metavar="ID", help="Only this athlete.")
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts (a stable contract).")
@pass_app
def activities(app: AppContext, since: date | None, athlete_id: str | None, as_json: bool) -> None:
    """List stored activities, oldest first."""
    from strainwatch.activity_view import TABLE_HEADER, activity_json, table_row
    from strainwatch.store.repository import list_activities

    settings = app.settings
    athletes = [settings.athlete(athlete_id)] if athlete_id else list(settings.athletes)
    sessions = app.sessions()
    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    with sessions() as session:
        for athlete in athletes:
            start = datetime.combine(since, time(), athlete.zone) if since else None
            found = list_activities(session, [athlete.id], since=start)
            rows.extend(activity_json(a, athlete.zone) for a in found)
            if len(athletes) > 1 and found:
                lines.append(f"{athlete.name} ({athlete.id})")
            lines.extend(table_row(a, athlete.zone, athlete.units) for a in found)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not lines:
        click.echo("no activities stored yet: run `strainwatch sync` or `strainwatch import PATH`")
    else:
        click.echo(TABLE_HEADER)
        for line in lines:
            click.echo(line)


# ---------------------------------------------------------------- config and db


@cli.group()
def config() -> None:
    """Check the config file, or print a documented example."""


@config.command("check")
@pass_app
def config_check(app: AppContext) -> None:
    """Validate the config file and say what it configures."""
    settings = app.settings
    click.echo(f"{settings.source_file}: ok")
    from strainwatch.store.db import safe_url

    click.echo(f"  storage: {safe_url(settings.database_url)}")
    for athlete in settings.athletes:
        paths = ", ".join(str(p) for p in athlete.files.paths) or "no file paths"
        click.echo(f"  athlete {athlete.id} ({athlete.name}, {athlete.timezone}, {athlete.units}): {paths}")


@config.command("example")
def config_example() -> None:
    """Print an example config with every option documented."""
    from strainwatch.example_config import example_config_text

    click.echo(example_config_text(), nl=False)


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_app
def db_upgrade(app: AppContext) -> None:
    """Apply pending schema migrations (also done automatically on start)."""
    from strainwatch.store.db import create_db_engine, current_revision, safe_url, upgrade

    engine = create_db_engine(app.settings.database_url)
    upgrade(engine)
    click.echo(f"{safe_url(app.settings.database_url)}: schema at revision {current_revision(engine)}")


def main() -> None:
    cli(prog_name="strainwatch")


from strainwatch import cli_notify, cli_risk, cli_strava  # noqa: E402  - register their commands

__all__ = ["cli", "cli_notify", "cli_risk", "cli_strava", "main"]
