"""`strainwatch activity ID`: one activity as stored, and the runner's corrections of it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import click

from strainwatch.cli.app import AppContext, current_time, pass_app
from strainwatch.errors import StrainwatchError


@click.command("activity")
@click.argument("activity_id", type=int)
@click.option("--distance", "distance_km", type=click.FloatRange(0.0, 1000.0, min_open=True), metavar="KM",
              help="What you really ran, in km (or miles, with units = \"mi\").")  # fmt: skip
@click.option("--running/--not-running", "running", default=None,
              help="It was a run (counts as running load) / it was not.")  # fmt: skip
@click.option("--crop", "crop", metavar="HH:MM-HH:MM",
              help="Only this part of the recording (local time) was the run (file or streams).")  # fmt: skip
@click.option("--duplicate-of", "duplicate_of", type=int, metavar="ID", help="Another recording of run ID.")
@click.option("--reset", is_flag=True, help="Forget your corrections: the sources' figures stand again.")
@pass_app
def activity_command(
    app: AppContext, activity_id: int, *, distance_km: float | None, running: bool | None,
    crop: str | None, duplicate_of: int | None, reset: bool,
) -> None:  # fmt: skip
    """Show activity ID with what import left out of it, or correct it: your word wins over
    every source, survives re-import and re-sync, and the next pass evaluates its day again."""
    from strainwatch.safe_text import clean_line
    from strainwatch.store import overrides
    from strainwatch.store.db import unit_of_work
    from strainwatch.store.models import Activity
    from strainwatch.units import KM, MILE
    from strainwatch.views.activity import correction_lines, not_counted, running_hint, table_row

    if reset and (distance_km is not None or running is not None or duplicate_of is not None or crop):
        raise click.UsageError("--reset forgets every correction: give it alone")
    now = current_time()
    with app.sessions()() as session, unit_of_work(session):
        row = session.get(Activity, activity_id)
        if row is None or row.deleted:
            raise StrainwatchError(f"no activity #{activity_id}", hint="strainwatch activities lists them")
        athlete = app.settings.athlete(row.athlete_id)
        said: list[str] = []
        unit = MILE if athlete.units == "mi" else KM
        if reset:
            forgot = overrides.reset(session, row, now)
            said.append("your corrections forgotten" if forgot else "nothing to forget")
        if distance_km is not None or running is not None:
            metres = None if distance_km is None else distance_km * unit
            overrides.correct(session, row, now, distance_m=metres, running=running)
            said.append("corrected")
        if crop is not None:
            local = row.start_time.astimezone(athlete.zone)
            if (why := overrides.cannot_crop(row)) is not None:
                name = clean_line(row.name) or row.sport_type
                raise StrainwatchError(
                    f"cannot crop #{row.id} ({local:%Y-%m-%d %H:%M} {name[:40]}), {why}: "
                    f"say what you ran instead with `strainwatch activity {row.id} --distance KM`"
                )
            start, stop = _crop_window(crop, local)
            overrides.crop(session, row, start, stop, now)
            again = "the file is read again" if row.file else f"its {row.source} streams are fetched again"
            said.append(f"cropped to {crop}: {again} on the next pass")
        if duplicate_of is not None:
            twin = session.get(Activity, duplicate_of)
            if twin is None or twin.deleted or twin.athlete_id != row.athlete_id or twin.id == row.id:
                raise StrainwatchError(f"no other activity #{duplicate_of} of {athlete.id} to duplicate")
            overrides.mark_duplicate(session, row, twin, now)
            said.append(f"now a duplicate of #{twin.id}: not counted twice")
        click.echo(f"#{row.id} {table_row(row, athlete.zone, athlete.units)}")
        word = overrides.override_of(session, row)
        if word is not None and word.distance_m is not None:
            shown, stored = word.distance_m / unit, row.distance_m / unit
            click.echo(f"  your word: {shown:.2f} {athlete.units} run (from the source: {stored:.2f})")
        if word is not None and word.crop_from is not None and word.crop_to is not None:
            zone = athlete.zone
            span = f"{word.crop_from.astimezone(zone):%H:%M}-{word.crop_to.astimezone(zone):%H:%M}"
            click.echo(f"  your word: only {span} was the run")
        if word is not None and word.running is not None:
            click.echo(f"  your word: {'a run' if word.running else 'not a run'}")
        if row.duplicate_of is not None:
            click.echo(f"  a duplicate of #{row.duplicate_of}: not counted")
        for line in correction_lines(row, athlete.units):
            click.echo(f"  corrected at import: {line}")
        if word is None and (why := not_counted(row, athlete.units)) is not None:
            click.echo(f"  not counted: {why}; {running_hint(row.id)}")
        if said:
            click.echo(f"{'; '.join(said)}: its day is evaluated again on the next pass (strainwatch sync)")


def _crop_window(text: str, start: datetime) -> tuple[datetime, datetime]:
    """`HH:MM-HH:MM` on the day the recording started, in its time zone (an end before the
    start is the next day)."""
    try:
        first, last = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise click.BadParameter(f"not HH:MM-HH:MM: {text[:40]!r}", param_hint="--crop") from None
    begin = datetime.combine(start.date(), first, start.tzinfo)
    end = datetime.combine(start.date(), last, start.tzinfo)
    return begin, end + timedelta(days=1) if end <= begin else end


COMMANDS = (activity_command,)
