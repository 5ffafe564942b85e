"""An athlete's stored activities as the pure core's Runs, and their facts (injuries, shoes).

What every reader of the training history loads: the evaluation, status, backtest and mail.
"""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from strainwatch.config.settings import AthleteSettings
from strainwatch.domain import Injury, Run, Shoe
from strainwatch.metrics.history import AthleteFacts
from strainwatch.store import models
from strainwatch.store.overrides import Override, overrides_of


def run_of(
    activity: models.Activity,
    zone: ZoneInfo,
    pain_notes: tuple[str, ...] = (),
    override: Override | None = None,
) -> Run:
    text = " \n".join(
        t for t in (activity.name, activity.description, activity.private_note, *pain_notes) if t
    )
    profile = tuple(sorted((int(k), float(v)) for k, v in activity.gap_profile.items()))
    run = Run(
        activity_id=activity.id,
        start=activity.start_time,
        local_date=activity.start_time.astimezone(zone).date(),
        sport_type=activity.sport_type,
        distance_m=activity.distance_m,
        moving_time_s=activity.moving_time_s,
        gap_s_per_km=activity.gap_s_per_km,
        ascent_m=activity.ascent_m,
        descent_m=activity.descent_m,
        avg_hr=activity.avg_hr,
        gap_profile=profile,
        text=text,
        gear=activity.gear,
        trainer=activity.trainer,
        manual=activity.manual,
    )
    return _overridden(run, override)


def _overridden(run: Run, override: Override | None) -> Run:
    """The runner's word over the sources' figures."""
    if override is None:
        return run
    distance = run.distance_m if override.distance_m is None else override.distance_m
    return replace(run, distance_m=distance, counted=override.running)


def facts_of(session: Session, athlete: AthleteSettings) -> AthleteFacts:
    injuries = session.scalars(select(models.Injury).where(models.Injury.athlete_id == athlete.id))
    return AthleteFacts(
        birth_year=athlete.birth_year,
        injuries=tuple(Injury(i.id, i.start, i.part, i.closed, i.note) for i in injuries),
        shoes=tuple(Shoe(s.name, tuple(s.tags), s.since) for s in athlete.shoes),
        load=athlete.load,
        hr_rest=athlete.hr_rest,
        hr_max=athlete.hr_max,
        female=athlete.sex == "female",
    )


_RUN_COLUMNS = (
    models.Activity.id,
    models.Activity.start_time,
    models.Activity.sport_type,
    models.Activity.distance_m,
    models.Activity.moving_time_s,
    models.Activity.gap_s_per_km,
    models.Activity.ascent_m,
    models.Activity.descent_m,
    models.Activity.avg_hr,
    models.Activity.gap_profile,
    models.Activity.name,
    models.Activity.description,
    models.Activity.private_note,
    models.Activity.gear,
    models.Activity.trainer,
    models.Activity.manual,
    models.Activity.source,
    models.Activity.external_id,
)


def load_runs(session: Session, athlete: AthleteSettings) -> list[Run]:
    """Only the columns a Run needs (not the raw payloads: ten years of them cost more to
    decode than everything else)."""
    activities = session.scalars(
        select(models.Activity)
        .options(load_only(*_RUN_COLUMNS))
        .where(
            models.Activity.athlete_id == athlete.id,
            models.Activity.deleted.is_(False),
            models.Activity.duplicate_of.is_(None),
        )
    )
    notes: dict[int, tuple[str, ...]] = {}
    for note in session.scalars(select(models.PainNote).where(models.PainNote.athlete_id == athlete.id)):
        notes[note.activity_id] = (*notes.get(note.activity_id, ()), note.note)
    words = overrides_of(session, athlete.id)
    return [
        run_of(a, athlete.zone, notes.get(a.id, ()), words.get((a.source, a.external_id))) for a in activities
    ]


def load_light_runs(session: Session, athlete: AthleteSettings) -> list[Run]:
    """Runs with only what the load series and the ceilings read (no words, pace profile or
    gear), as plain rows: the overview's ten years in a fraction of `load_runs`' time. Enough
    for History.build and the guidance; not for the rules."""
    zone = athlete.zone
    rows = session.connection().execute(  # Core rows: no ORM bookkeeping for 3,000 tuples
        select(
            models.Activity.id,
            models.Activity.start_time,
            models.Activity.sport_type,
            models.Activity.distance_m,
            models.Activity.moving_time_s,
            models.Activity.gap_s_per_km,
            models.Activity.avg_hr,
            models.Activity.trainer,
            models.Activity.manual,
            models.Activity.source,
            models.Activity.external_id,
        ).where(
            models.Activity.athlete_id == athlete.id,
            models.Activity.deleted.is_(False),
            models.Activity.duplicate_of.is_(None),
        )
    )
    words = overrides_of(session, athlete.id)
    return [
        _overridden(
            Run(
                activity_id=id_,
                start=start,
                local_date=start.astimezone(zone).date(),
                sport_type=sport,
                distance_m=metres,
                moving_time_s=moving,
                gap_s_per_km=gap,
                avg_hr=hr,
                trainer=trainer,
                manual=manual,
            ),
            words.get((source, key)),
        )
        for id_, start, sport, metres, moving, gap, hr, trainer, manual, source, key in rows
    ]
