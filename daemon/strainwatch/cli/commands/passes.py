"""`strainwatch sync` (one pass) and `strainwatch run` (the daemon)."""

from __future__ import annotations

import shutil
import sys
import textwrap

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
                app.settings,
                sessions,
                now=current_time(),
                dry_run=dry_run,
                on_planned=progress.planned,
                on_item=progress.advance,
            )
    except PassBusy as busy:
        click.echo(f"sync skipped: {busy.what}")  # the daemon's pass covers it: not an error
        return
    finally:
        progress.close()
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else 0
    for line in report.lines():
        click.echo(wrapped(line, width))


def wrapped(line: str, width: int) -> str:
    """A long line folded for a terminal `width` wide (0: as it is, for a pipe or a log), its
    continuation indented under its own start."""
    if width <= 0 or len(line) <= width:
        return line
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    return textwrap.fill(line, width=max(width, 40), subsequent_indent=indent, break_on_hyphens=False)


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
