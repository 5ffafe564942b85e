"""`strainwatch import` and `strainwatch activities`: activity files in, activities out."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any

import click

from strainwatch.cli.app import AppContext, current_time, parse_date, pass_app, wait_option, waiting
from strainwatch.cli.progress import Progress
from strainwatch.errors import ExitCode


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--athlete", "athlete_id", metavar="ID", help="Whose files (needed with several athletes).")
@click.option("--dry-run", is_flag=True, help="Read and report, store nothing.")
@click.option("--jobs", type=click.IntRange(1, 64), help="Worker processes (default: every core).")
@wait_option
@pass_app
def import_command(
    app: AppContext,
    *,
    paths: tuple[str, ...],
    athlete_id: str | None,
    dry_run: bool,
    jobs: int | None,
    wait_s: float,
) -> None:
    """Import activity files, folders (recursively) and Strava export zips.

    Unchanged files are skipped without being read. Every file that cannot be imported is
    named with the reason; the rest are imported. Exits 3 when some files failed. Runs as
    one pass: it waits for the daemon's (or a sync's) pass to finish first.
    """
    from pathlib import Path

    from strainwatch.pipeline.sources import KINDS
    from strainwatch.sources.base import PassHooks, TakesPaths
    from strainwatch.store.locking import PassBusy, pass_lock

    [importer] = [kind for kind in KINDS if isinstance(kind, TakesPaths)]
    athlete = app.settings.athlete(athlete_id)
    sessions = app.sessions()
    progress = Progress("Importing", sys.stderr.isatty() and app.verbosity >= 0)
    hooks = PassHooks(current_time(), on_planned=progress.planned, on_item=progress.advance)
    try:
        with pass_lock(app.settings.database_url, wait_s=wait_s, on_wait=waiting("import", wait_s)):
            report = importer.import_paths(
                app.settings,
                sessions,
                athlete,
                [Path(p) for p in paths],
                dry_run=dry_run,
                workers=jobs,
                hooks=hooks,
            )
    except PassBusy as busy:
        busy.hint = "try again when it has finished, or give --wait more seconds"
        raise
    finally:
        progress.close()
    for line in report.lines(dry_run):
        click.echo(line)
    if report.some_failed:
        sys.exit(int(ExitCode.SOME_FILES_FAILED))


@click.command()
@click.option(
    "--since",
    callback=parse_date,
    metavar="DATE",
    help="Only from this local date on (YYYY-MM-DD).",
)
@click.option("--athlete", "athlete_id", metavar="ID", help="Only this athlete.")
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts (a stable contract).")
@pass_app
def activities(app: AppContext, since: date | None, athlete_id: str | None, as_json: bool) -> None:
    """List stored activities, oldest first."""
    from strainwatch.store.overrides import overrides_of
    from strainwatch.store.repository import duplicates_by_activity
    from strainwatch.views.activity import (
        TABLE_HEADER,
        activity_json,
        also_recorded,
        correction_lines,
        not_counted,
        runner_word,
        table_row,
    )
    from strainwatch.views.activity_list import ActivityFilter, activities_of

    settings = app.settings
    athletes = [settings.athlete(athlete_id)] if athlete_id else list(settings.athletes)
    sessions = app.sessions()
    rows: list[dict[str, Any]] = []
    lines: list[str] = []
    with sessions() as session:
        for athlete in athletes:
            found = activities_of(session, athlete.id, athlete.zone, ActivityFilter(since=since))
            twins = duplicates_by_activity(session, athlete.id) if not as_json else {}
            words = overrides_of(session, athlete.id) if not as_json else {}
            rows.extend(activity_json(a, athlete.zone) for a in found)
            if len(athletes) > 1 and found:
                lines.append(f"{athlete.name} ({athlete.id})")
            for a in found:
                lines.append(table_row(a, athlete.zone, athlete.units))
                notable = correction_lines(a, athlete.units, notable=True)
                lines.extend(f"{'':18}corrected: {line}" for line in notable)
                for twin in twins.get(a.id, []):
                    lines.append(f"{'':18}also recorded: {also_recorded(twin, athlete.units)}")
                if (word := words.get((a.source, a.external_id))) is not None:
                    lines.append(f"{'':18}your word: {runner_word(word, athlete.units)}")
                elif (why := not_counted(a, athlete.units)) is not None:
                    lines.append(f"{'':18}not counted: {why}")
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not lines:
        click.echo("no activities stored yet: run `strainwatch sync` or `strainwatch import PATH`")
    else:
        click.echo(TABLE_HEADER)
        for line in lines:
            click.echo(line)


COMMANDS = (import_command, activities)
