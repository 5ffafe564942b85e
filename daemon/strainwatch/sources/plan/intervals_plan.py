"""intervals.icu's planned workouts: the calendar's WORKOUT events of the athlete's running
types, with their planned distance, moving time and load (the account of
`[athletes.intervals]`). A workout already paired with a recorded activity is done: the
activity is in the history, the plan no longer counts it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from strainwatch.alerts.forecast import PlannedRun, Unparsed
from strainwatch.errors import SourceError
from strainwatch.sources.base import Check, probe
from strainwatch.sources.plan import text
from strainwatch.sources.plan.base import PlanReading, reading_line

if TYPE_CHECKING:
    from strainwatch.config.settings import AthleteSettings, Settings
    from strainwatch.sources.intervals.settings import AthleteIntervalsSettings

NAME = "intervals"


def _positive(value: object) -> float | None:
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else None
    )


def parse_events(
    events: Sequence[Mapping[str, Any]], types: Sequence[str], first: date, last: date
) -> PlanReading:
    """Planned runs from the API's event objects. Pure."""
    out = PlanReading()
    for event in events:
        if event.get("category") != "WORKOUT":
            continue
        where = f"event {str(event.get('id'))[:20]}"
        try:
            day = date.fromisoformat(str(event.get("start_date_local", ""))[:10])
        except ValueError:
            out.unparsed.append(Unparsed(NAME, where, "no start_date_local"))
            continue
        if not first <= day <= last:
            continue
        if event.get("type") not in types:
            out.not_runs += 1
            continue
        if event.get("paired_activity_id"):
            continue  # done: the activity is in the history
        name = str(event.get("name") or "").strip()
        words = f"{name}\n{event.get('description') or ''}"
        metres = (
            _positive(event.get("distance"))
            or _positive(event.get("distance_target"))
            or text.distance_m(words)
        )
        seconds = (
            _positive(event.get("moving_time"))
            or _positive(event.get("time_target"))
            or text.duration_s(words)
        )
        if metres is None and seconds is None:
            out.unparsed.append(Unparsed(NAME, f"{day} {name[:60]!r}", "no planned distance or moving time"))
            continue
        out.planned.append(
            PlannedRun(
                f"{NAME}:{event.get('id')}",
                day,
                metres,
                seconds,
                NAME,
                title=name[:100],
                load=_positive(event.get("icu_training_load")),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class IntervalsPlan:
    athlete: AthleteSettings
    link: AthleteIntervalsSettings
    types: tuple[str, ...]
    name: str = NAME

    def read(self, first: date, last: date, now: datetime) -> PlanReading:
        from strainwatch.config.secret_files import read_secret
        from strainwatch.logsetup import redactor
        from strainwatch.sources.intervals.client import IntervalsClient

        key = read_secret(f"intervals-{self.athlete.id}", self.link.api_key_file)
        redactor.add([key])
        client = IntervalsClient(self.link.base_url, key, timeout=self.link.timeout, now=now)
        try:
            events = client.events(self.link.athlete_id, first, last)
        except SourceError as error:
            raise SourceError(f"intervals.icu planned workouts: {error}") from None
        finally:
            client.close()
        return parse_events(events, self.types, first, last)


class IntervalsPlanKind:
    name = NAME

    def configured(self, settings: Settings, athlete: AthleteSettings) -> IntervalsPlan | None:
        from strainwatch.sources.intervals.settings import account_of
        from strainwatch.sources.plan.settings import plan_of

        plan, link = plan_of(athlete), account_of(athlete)
        if plan is None or plan.intervals is None or link is None or not link.enabled:
            return None
        return IntervalsPlan(athlete, link, tuple(plan.intervals.types))

    def doctor(self, settings: Settings, now: datetime) -> list[Check]:
        """The next 14 days' planned workouts asked for now (one request per athlete)."""
        from datetime import timedelta

        out = []
        for athlete in settings.athletes:
            if (source := self.configured(settings, athlete)) is None:
                continue

            def work(source: IntervalsPlan = source) -> str:
                today = now.astimezone(source.athlete.zone).date()
                reading = source.read(today, today + timedelta(days=14), now)
                return reading_line(f"{source.link.base_url}, athlete {source.link.athlete_id}", reading)

            out.append(probe(f"plan intervals {athlete.id}", work))
        return out


INTERVALS_PLAN = IntervalsPlanKind()
