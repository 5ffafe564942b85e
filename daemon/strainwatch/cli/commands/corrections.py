"""`strainwatch activity ID`: one activity as stored, and the runner's corrections of it."""

from __future__ import annotations

import click

from strainwatch.cli.app import AppContext, current_time, pass_app
from strainwatch.errors import StrainwatchError


@click.command("activity")
@click.argument("activity_id", type=int)
@click.option(
    "--distance",
    "distance_km",
    type=click.FloatRange(0.0, 1000.0, min_open=True),
    metavar="KM",
    help='What you really ran, in km (or miles, with units = "mi").',
)
@click.option(
    "--running/--not-running",
    "running",
    default=None,
    help="It was a run (counts as running load) / it was not.",
)
@click.option(
    "--crop",
    "crop",
    metavar="HH:MM-HH:MM",
    help="Only this part of the recording (local time) was the run (file or streams).",
)
@click.option("--duplicate-of", "duplicate_of", type=int, metavar="ID", help="Another recording of run ID.")
@click.option("--reset", is_flag=True, help="Forget your corrections: the sources' figures stand again.")
@pass_app
def activity_command(
    app: AppContext,
    activity_id: int,
    *,
    distance_km: float | None,
    running: bool | None,
    crop: str | None,
    duplicate_of: int | None,
    reset: bool,
) -> None:
    """Show activity ID with what import left out of it, or correct it: your word wins over
    every source, survives re-import and re-sync, and the next pass evaluates its day again."""
    from strainwatch.store import overrides
    from strainwatch.store.db import unit_of_work
    from strainwatch.store.models import Activity
    from strainwatch.units import KM, MILE
    from strainwatch.views.activity import correction_lines, not_counted, running_hint, table_row

    if reset and (distance_km is not None or running is not None or duplicate_of is not None or crop):
        raise click.UsageError("--reset forgets every correction: give it alone")
    if crop is not None:
        try:
            overrides.crop_times(crop)
        except StrainwatchError as error:
            raise click.BadParameter(f"not HH:MM-HH:MM: {crop[:40]!r}", param_hint="--crop") from error
    now = current_time()
    with app.sessions()() as session, unit_of_work(session):
        row = session.get(Activity, activity_id)
        if row is None or row.deleted:
            raise StrainwatchError(f"no activity #{activity_id}", hint="strainwatch activities lists them")
        athlete = app.settings.athlete(row.athlete_id)
        unit = MILE if athlete.units == "mi" else KM
        metres = None if distance_km is None else distance_km * unit
        word = overrides.Word(metres, running, crop, duplicate_of, reset)
        said = overrides.say_word(session, row, word, athlete.zone, now)
        click.echo(f"#{row.id} {table_row(row, athlete.zone, athlete.units)}")
        stored = overrides.override_of(session, row)
        if stored is not None and stored.distance_m is not None:
            shown, brought = stored.distance_m / unit, row.distance_m / unit
            click.echo(f"  your word: {shown:.2f} {athlete.units} run (from the source: {brought:.2f})")
        if stored is not None and stored.crop_from is not None and stored.crop_to is not None:
            zone = athlete.zone
            span = f"{stored.crop_from.astimezone(zone):%H:%M}-{stored.crop_to.astimezone(zone):%H:%M}"
            click.echo(f"  your word: only {span} was the run")
        if stored is not None and stored.running is not None:
            click.echo(f"  your word: {'a run' if stored.running else 'not a run'}")
        if row.duplicate_of is not None:
            click.echo(f"  a duplicate of #{row.duplicate_of}: not counted")
        for line in correction_lines(row, athlete.units):
            click.echo(f"  corrected at import: {line}")
        if stored is None and (why := not_counted(row, athlete.units)) is not None:
            click.echo(f"  not counted: {why}; {running_hint(row.id)}")
        if said:
            click.echo(f"{'; '.join(said)}: its day is evaluated again on the next pass (strainwatch sync)")


COMMANDS = (activity_command,)
