"""A plan app's iCalendar export (a URL or a file), read with `icalendar` and
`recurring-ical-events`: recurrences expanded, all-day and timed events, time zones (VTIMEZONE
or UTC; floating times are the athlete's). Distance and duration come from the event's text
("Long run 28 km", "45 min easy", "6 mi"), else the duration from the event's own start and
end; a run with neither is listed as unparsed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from strainwatch.alerts.forecast import PlannedRun, Unparsed
from strainwatch.errors import SourceError
from strainwatch.sources.base import Check, probe
from strainwatch.sources.plan import text
from strainwatch.sources.plan.base import MAX_PLAN_BYTES, PlanReading, read_plan_file, reading_line
from strainwatch.sources.plan.settings import plan_of

if TYPE_CHECKING:
    from strainwatch.config.settings import AthleteSettings, Settings
    from strainwatch.sources.plan.settings import PlanIcalSettings

NAME = "ical"
MIN_SLOT_S, MAX_SLOT_S = 10 * 60, 6 * 3600  # an event's own length taken as the run's duration


def _local_day(value: date | datetime, zone: ZoneInfo) -> date:
    if isinstance(value, datetime):
        return value.astimezone(zone).date() if value.tzinfo is not None else value.date()
    return value


def _slot_s(event: Any) -> float | None:
    """The timed event's own length, when it looks like a session's."""
    start, end = event.get("DTSTART"), event.get("DTEND")
    if start is None or not isinstance(start.dt, datetime):
        return None
    if end is not None and isinstance(end.dt, datetime):
        seconds = (end.dt - start.dt).total_seconds()
    elif (duration := event.get("DURATION")) is not None and isinstance(duration.dt, timedelta):
        seconds = duration.dt.total_seconds()
    else:
        return None
    return seconds if MIN_SLOT_S <= seconds <= MAX_SLOT_S else None


def parse_ical(data: bytes, first: date, last: date, zone: ZoneInfo) -> PlanReading:
    """The planned runs dated first..last (local days). Pure."""
    import icalendar
    import recurring_ical_events

    try:
        calendar = icalendar.Calendar.from_ical(data)
        events = recurring_ical_events.of(calendar).between(
            first - timedelta(days=1), last + timedelta(days=2)
        )
    except Exception as error:  # icalendar and the expander raise many kinds for a broken file
        raise SourceError(f"not an iCalendar file: {type(error).__name__}: {str(error)[:120]}") from None
    out = PlanReading()
    seen: set[str] = set()
    for event in sorted(events, key=lambda e: (str(e.get("DTSTART").dt), str(e.get("UID", "")))):
        start = event.get("DTSTART")
        if start is None:
            continue
        day = _local_day(start.dt, zone)
        if not first <= day <= last:
            continue
        summary = str(event.get("SUMMARY", "")).strip()
        words = f"{summary}\n{event.get('DESCRIPTION', '')}"
        if not text.is_running(summary or words):
            out.not_runs += 1
            continue
        uid = f"{NAME}:{event.get('UID', summary)}:{day.isoformat()}"
        if uid in seen:
            continue
        seen.add(uid)
        metres, seconds = text.distance_m(words), text.duration_s(words)
        if metres is None and seconds is None:
            seconds = _slot_s(event)
        if metres is None and seconds is None:
            out.unparsed.append(Unparsed(NAME, f"{day} {summary[:60]!r}", "no distance or duration in it"))
            continue
        out.planned.append(PlannedRun(uid, day, metres, seconds, NAME, title=summary[:100]))
    return out


def fetch(url: str, timeout: float) -> bytes:
    """The feed's bytes, at most MAX_PLAN_BYTES; any failure is a SourceError naming the host."""
    from urllib.parse import urlsplit

    import requests

    host = urlsplit(url).hostname or "?"  # the path may hold a private token: never logged
    try:
        with requests.get(url, timeout=timeout, stream=True, headers={"Accept": "text/calendar"}) as response:
            if response.status_code != 200:
                raise SourceError(f"the plan feed at {host} answered HTTP {response.status_code}")
            data = b""
            for chunk in response.iter_content(65536):
                data += chunk
                if len(data) > MAX_PLAN_BYTES:
                    raise SourceError(
                        f"the plan feed at {host} is larger than {MAX_PLAN_BYTES // 1_000_000} MB"
                    )
            return data
    except requests.RequestException as error:
        raise SourceError(f"the plan feed at {host} is unreachable ({type(error).__name__})") from None


@dataclass(frozen=True, slots=True)
class IcalPlan:
    config: PlanIcalSettings
    zone: ZoneInfo
    name: str = NAME

    def bytes(self) -> bytes:
        if self.config.path is not None:
            return read_plan_file(Path(self.config.path))
        assert self.config.url is not None  # noqa: S101 - the settings hold one of them
        return fetch(self.config.url, self.config.timeout)

    def read(self, first: date, last: date, now: datetime) -> PlanReading:
        return parse_ical(self.bytes(), first, last, self.zone)

    def where(self) -> str:
        from urllib.parse import urlsplit

        return (
            str(self.config.path)
            if self.config.path
            else f"feed at {urlsplit(self.config.url or '').hostname}"
        )


class IcalPlanKind:
    name = NAME

    def configured(self, settings: Settings, athlete: AthleteSettings) -> IcalPlan | None:
        plan = plan_of(athlete)
        return IcalPlan(plan.ical, athlete.zone) if plan is not None and plan.ical is not None else None

    def doctor(self, settings: Settings, now: datetime) -> list[Check]:
        """The file or feed read and parsed now (the next 14 days and the past year), nothing stored."""
        out = []
        for athlete in settings.athletes:
            if (source := self.configured(settings, athlete)) is None:
                continue

            def work(source: IcalPlan = source) -> str:
                today = now.astimezone(source.zone).date()
                year = timedelta(days=365)
                reading = parse_ical(source.bytes(), today - year, today + year, source.zone)
                return reading_line(source.where(), reading)

            out.append(probe(f"plan ical {athlete.id}", work))
        return out


ICAL_PLAN = IcalPlanKind()
