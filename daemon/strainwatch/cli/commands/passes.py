"""`strainwatch sync` (one pass) and `strainwatch run` (the daemon)."""

from __future__ import annotations

import sys

import click

from strainwatch.cli.app import AppContext, current_time, pass_app, wait_option, waiting
from strainwatch.cli.progress import Progress


@click.command()
@click.option("--dry-run", is_flag=True, help="Show what the pass would do; change nothing.")
@wait_option
@pass_app
def sync(app: AppContext, dry_run: bool, wait_s: float) -> None:
    """Run one pass over every configured source, then exit.

    For a systemd timer or cron, or by hand. Exits 0 when the pass ran, even if some files
    were rejected: they are reported once here and listed by `strainwatch import`.
    """
    from strainwatch.pipeline.run_pass import run_pass
    from strainwatch.store.locking import PassBusy, pass_lock

    sessions = app.sessions()
    progress = Progress("Syncing", sys.stderr.isatty() and app.verbosity >= 0)
    try:
        with pass_lock(app.settings.database_url, wait_s=wait_s, on_wait=waiting("sync", wait_s)):
            report = run_pass(
                app.settings, sessions, now=current_time(), dry_run=dry_run,
                on_planned=progress.planned, on_file=progress.advance,
            )  # fmt: skip
    except PassBusy as busy:
        click.echo(f"sync skipped: {busy.what}")  # the daemon's pass covers it: not an error
        return
    finally:
        progress.close()
    click.echo(report.summary())
    for _, source in report.sources:
        if line := source.summary():
            click.echo(f"  {line}")
    for athlete, outcome in report.new_failures():
        click.echo(f"  {athlete}: failed: {outcome.path}: {outcome.reason}")
    for failure in report.failed:
        click.echo(f"  failed: {failure}")
    for subject in report.queued:
        click.echo(f"  {'would send' if dry_run else 'queued'}: {subject}")
    if report.delivery:
        for line in report.delivery.parked + report.delivery.retrying:
            click.echo(f"  delivery problem: {line}")


@click.command()
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
    from strainwatch.runtime.daemon import run_daemon

    if app.verbosity == 0:
        from strainwatch.logsetup import setup_logging

        setup_logging(1)  # a daemon reports each pass at INFO
    sys.exit(run_daemon(app.config_path))


COMMANDS = (sync, run)
