"""`strainwatch worker`: many processes sharing one PostgreSQL installation (README "Many
athletes"); `worker init` applies the job tables, `worker enqueue` queues passes now."""

from __future__ import annotations

import sys

import click

from strainwatch.cli.app import AppContext, pass_app


@click.group(invoke_without_command=True)
@click.pass_context
def worker(context: click.Context) -> None:
    """Run a worker: athletes' passes, mail and digests as jobs in PostgreSQL.

    Start as many as you like, on one machine or many, against the same database: each
    athlete's pass runs on one worker at a time, different athletes in parallel, and the
    jobs of a worker that dies are taken over within [workers] stalled_after + tick seconds.
    SQLite installs run `strainwatch run` instead. For systemd/strainwatch-worker.service
    (Type=notify); SIGTERM stops it cleanly.
    """
    if context.invoked_subcommand is not None:
        return
    app: AppContext = context.find_object(AppContext)  # type: ignore[assignment]
    import signal

    def stop_early(_signum: int, _frame: object) -> None:
        raise SystemExit(0)  # stopped before start-up began: nothing to undo

    signal.signal(signal.SIGTERM, stop_early)
    signal.signal(signal.SIGINT, stop_early)
    from strainwatch.runtime.worker import run_worker

    if app.verbosity == 0:
        from strainwatch.logsetup import setup_logging

        setup_logging(1)  # a worker reports each job at INFO
    sys.exit(run_worker(app.config_path))


@worker.command()
@pass_app
def init(app: AppContext) -> None:
    """Create the job tables (procrastinate's schema) and apply our migrations; idempotent."""
    from strainwatch.runtime.worker import init_schema

    applied = init_schema(app.settings)
    click.echo("job tables created" if applied else "job tables already present")


@worker.command()
@click.option("--athlete", "athletes", multiple=True, metavar="ID", help="Only this athlete (repeatable).")
@pass_app
def enqueue(app: AppContext, athletes: tuple[str, ...]) -> None:
    """Queue a pass now for every athlete (or those named), whatever their schedule."""
    from strainwatch.runtime.worker import enqueue_passes

    ids = [a.id for a in app.settings.athletes]
    for athlete_id in athletes:
        app.settings.athlete(athlete_id)  # an unknown ID is a clear error
    queued, waiting = enqueue_passes(app.settings, list(athletes) or ids)
    click.echo(f"{queued} pass(es) queued, {waiting} already waiting")


COMMANDS = (worker,)
