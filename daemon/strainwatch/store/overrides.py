"""The runner's word about an activity: its distance, whether it was a run, which run it
duplicates. Stored apart from what sources bring (`activity_overrides`, keyed by source and
external id), so a re-import, a re-sync or an upgrade never undoes it; applied wherever the
history is read (store.runs), and the day it changes is evaluated again on the next pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from strainwatch.errors import StrainwatchError
from strainwatch.safe_text import clean_line
from strainwatch.store.models import Activity, ActivityOverride, Athlete


@dataclass(frozen=True, slots=True)
class Override:
    distance_m: float | None = None
    running: bool | None = None
    crop_from: datetime | None = None
    crop_to: datetime | None = None


def _evaluate_again(session: Session, activity: Activity) -> None:
    """The next pass replays from before the run's day (two days before its UTC date: its
    local date in any time zone), so its alerts follow the runner's word."""
    athlete = session.get(Athlete, activity.athlete_id)
    day = activity.start_time.date() - timedelta(days=2)
    if athlete is not None and athlete.evaluated_on is not None and athlete.evaluated_on > day:
        athlete.evaluated_on = day


def overrides_of(session: Session, athlete_id: str) -> dict[tuple[str, str], Override]:
    rows = session.scalars(select(ActivityOverride).where(ActivityOverride.athlete_id == athlete_id))
    return {(r.source, r.external_id): Override(r.distance_m, r.running) for r in rows}


def crops_of(session: Session, athlete_id: str) -> dict[tuple[str, str], tuple[float, float]]:
    """The runner's crops of recordings, by source and external id (epoch seconds)."""
    rows = session.scalars(
        select(ActivityOverride).where(
            ActivityOverride.athlete_id == athlete_id, ActivityOverride.crop_from.is_not(None)
        )
    )
    return {
        (r.source, r.external_id): (r.crop_from.timestamp(), r.crop_to.timestamp())
        for r in rows
        if r.crop_from is not None and r.crop_to is not None
    }


def cannot_crop(activity: Activity) -> str | None:
    """Why `activity` has no recording to crop, in words; None when it has one (a file, or
    a Strava or intervals.icu run whose streams can be asked for again)."""
    if activity.file is not None:
        return None
    if activity.manual:
        return "a manual entry: it has no recording to crop"
    if activity.raw.get("file") is not None or activity.streams_state == "none":
        return "without a recording strainwatch can read again"
    return None


def crop(session: Session, activity: Activity, start: datetime, stop: datetime, now: datetime) -> None:
    """Only [start, stop] of the recording was the run: the file is read again, or the
    source's streams fetched again, on the next pass with everything else left out."""
    row = correct(session, activity, now)
    row.crop_from, row.crop_to = start, stop
    _read_again(activity)


def _read_again(activity: Activity) -> None:
    if activity.file is not None:
        activity.file.mtime_ns, activity.file.sha256 = 0, "recheck"
    elif activity.streams_state is not None and activity.streams_state != "none":
        # an API source's run: its streams are asked for again, and cleaned with the crop
        activity.streams_state = None
        activity.raw = {k: v for k, v in activity.raw.items() if k != "streams_pending_since"}


def override_of(session: Session, activity: Activity) -> ActivityOverride | None:
    return session.scalars(
        select(ActivityOverride).where(
            ActivityOverride.source == activity.source, ActivityOverride.external_id == activity.external_id
        )
    ).one_or_none()


def correct(
    session: Session,
    activity: Activity,
    now: datetime,
    *,
    distance_m: float | None = None,
    running: bool | None = None,
) -> ActivityOverride:
    """Record the runner's correction (None leaves a value as it was); the run's day is
    evaluated again on the next pass."""
    row = override_of(session, activity)
    if row is None:
        row = ActivityOverride(
            athlete_id=activity.athlete_id,
            source=activity.source,
            external_id=activity.external_id,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
    if distance_m is not None:
        row.distance_m = distance_m
    if running is not None:
        row.running = running
    row.updated_at = activity.updated_at = now
    _evaluate_again(session, activity)
    return row


def carry(session: Session, old: Activity, key: tuple[str, str]) -> None:
    """`old`'s corrections of distance and running now also hold for the recording `key`
    (another, better recording of the same run); a crop belongs to `old`'s samples alone."""
    row = override_of(session, old)
    if row is None or (row.distance_m is None and row.running is None):
        return
    session.add(
        ActivityOverride(
            athlete_id=row.athlete_id,
            source=key[0],
            external_id=key[1],
            distance_m=row.distance_m,
            running=row.running,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
    )


def mark_duplicate(session: Session, activity: Activity, of: Activity, now: datetime) -> None:
    """The runner says `activity` is another recording of `of`: it stops counting."""
    activity.duplicate_of, activity.updated_at = of.id, now
    _evaluate_again(session, activity)
    for row in session.scalars(select(Activity).where(Activity.duplicate_of == activity.id)):
        row.duplicate_of = of.id


def reset(session: Session, activity: Activity, now: datetime) -> bool:
    """Forget the runner's corrections of `activity` (and a duplicate link they made): the
    sources' figures stand again. False when there was nothing to forget."""
    row = override_of(session, activity)
    changed = row is not None or activity.duplicate_of is not None
    if row is not None:
        if row.crop_from is not None:
            _read_again(activity)  # uncropped again
        session.delete(row)
    activity.duplicate_of = None
    if changed:
        activity.updated_at = now
        _evaluate_again(session, activity)
    return changed


@dataclass(frozen=True, slots=True)
class Word:
    """What the runner says about one run, from `strainwatch activity ID` or the run page's form:
    both go through `say_word`, so they accept and refuse the same things in the same words."""

    distance_m: float | None = None
    running: bool | None = None
    crop: str | None = None  # "HH:MM-HH:MM", local time on the day the recording started
    duplicate_of: int | None = None
    reset: bool = False

    def says_nothing(self) -> bool:
        return (
            not self.reset
            and self.distance_m is None
            and self.running is None
            and not self.crop
            and self.duplicate_of is None
        )


def say_word(session: Session, row: Activity, word: Word, zone: tzinfo, now: datetime) -> list[str]:
    """Store the runner's word about `row`; what was done, one phrase each. A word that
    cannot hold (reset with something else, a crop of a manual entry, a duplicate of a run
    that is not theirs) raises before anything is stored."""
    if word.reset and word != Word(reset=True):
        raise StrainwatchError("reset forgets every correction: give it alone")
    said: list[str] = []
    window = crop_window(word.crop, row.start_time.astimezone(zone)) if word.crop else None
    if window is not None and (why := cannot_crop(row)) is not None:
        name = clean_line(row.name) or row.sport_type
        local = row.start_time.astimezone(zone)
        raise StrainwatchError(
            f"cannot crop #{row.id} ({local:%Y-%m-%d %H:%M} {name[:40]}), {why}: "
            f"say what you ran instead with `strainwatch activity {row.id} --distance KM`"
        )
    twin = None
    if word.duplicate_of is not None:
        twin = session.get(Activity, word.duplicate_of)
        if twin is None or twin.deleted or twin.athlete_id != row.athlete_id or twin.id == row.id:
            raise StrainwatchError(f"no other activity #{word.duplicate_of} of {row.athlete_id} to duplicate")
    if word.reset:
        said.append("your corrections forgotten" if reset(session, row, now) else "nothing to forget")
    if word.distance_m is not None or word.running is not None:
        correct(session, row, now, distance_m=word.distance_m, running=word.running)
        said.append("corrected")
    if window is not None:
        crop(session, row, *window, now)
        again = "the file is read again" if row.file else f"its {row.source} streams are fetched again"
        said.append(f"cropped to {word.crop}: {again} on the next pass")
    if twin is not None:
        mark_duplicate(session, row, twin, now)
        said.append(f"now a duplicate of #{twin.id}: not counted twice")
    return said


def crop_times(text: str) -> tuple[time, time]:
    """The two local times of `HH:MM-HH:MM`."""
    try:
        first, last = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise StrainwatchError(f"crop: not HH:MM-HH:MM: {text[:40]!r}") from None
    return first, last


def crop_window(text: str, start: datetime) -> tuple[datetime, datetime]:
    """`HH:MM-HH:MM` on the day the recording started, in its time zone (an end before the
    start is the next day)."""
    first, last = crop_times(text)
    begin = datetime.combine(start.date(), first, start.tzinfo)
    end = datetime.combine(start.date(), last, start.tzinfo)
    return begin, end + timedelta(days=1) if end <= begin else end
