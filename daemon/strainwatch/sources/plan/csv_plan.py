"""A plan kept by hand: a CSV file `date,distance_km,duration_min,kind,note`, one planned
session a line (a header line first). A line with neither distance nor duration, nor a
distance or duration in its note, is listed as unparsed; rest days and other sports are
read and left out."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from strainwatch.alerts.forecast import PlannedRun, Unparsed
from strainwatch.sources.base import Check, probe
from strainwatch.sources.plan import text
from strainwatch.sources.plan.base import PlanReading, read_plan_file, reading_line
from strainwatch.sources.plan.settings import plan_of

if TYPE_CHECKING:
    from pathlib import Path

    from strainwatch.config.settings import AthleteSettings, Settings

COLUMNS = ("date", "distance_km", "duration_min", "kind", "note")
NAME = "csv"


def _number(value: str, what: str, limit: float) -> float | None:
    value = value.strip().replace(",", ".")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{what} is not a number: {value[:20]!r}") from None
    if not 0 <= number <= limit:  # also refuses NaN
        raise ValueError(f"{what} out of range: {value[:20]!r}")
    return number


def parse_csv(data: str, first: date, last: date) -> PlanReading:
    """The planned runs dated first..last. Pure."""
    out = PlanReading()
    rows = csv.reader(io.StringIO(data))
    header = [h.strip().lower() for h in next(rows, [])]
    if header[:2] != ["date", "distance_km"]:
        out.unparsed.append(Unparsed(NAME, "line 1", f"the header must be {','.join(COLUMNS)}"))
        return out
    seen: dict[date, int] = {}
    for number, row in enumerate(rows, start=2):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        where = f"line {number}"
        try:
            day = date.fromisoformat(cells.get("date", ""))
            distance_km = _number(cells.get("distance_km", ""), "distance_km", 200)
            minutes = _number(cells.get("duration_min", ""), "duration_min", 24 * 60)
        except ValueError as error:
            out.unparsed.append(
                Unparsed(NAME, where, str(error).replace("Invalid isoformat string", "not a date"))
            )
            continue
        if not first <= day <= last:
            continue
        kind, note = cells.get("kind", ""), cells.get("note", "")
        words = f"{kind} {note}".strip()
        if (kind and not text.is_running(kind)) or (not kind and words and not text.is_running(words)):
            out.not_runs += 1
            continue
        metres = distance_km * 1000 if distance_km is not None else text.distance_m(note)
        seconds = minutes * 60 if minutes is not None else text.duration_s(note)
        if not metres and not seconds:
            if distance_km == 0 or minutes == 0:
                out.not_runs += 1  # "0 km": a rest day written as a run
            else:
                out.unparsed.append(Unparsed(NAME, where, "no distance or duration"))
            continue
        seen[day] = seen.get(day, 0) + 1
        out.planned.append(
            PlannedRun(
                f"{NAME}:{day.isoformat()}:{seen[day]}",
                day,
                metres or None,
                seconds or None,
                NAME,
                title=(kind + (f": {note}" if note else "")) or "run",
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class CsvPlan:
    path: Path
    name: str = NAME

    def read(self, first: date, last: date, now: datetime) -> PlanReading:
        return parse_csv(read_plan_file(self.path).decode("utf-8-sig", errors="replace"), first, last)


class CsvPlanKind:
    name = NAME

    def configured(self, settings: Settings, athlete: AthleteSettings) -> CsvPlan | None:
        plan = plan_of(athlete)
        return CsvPlan(plan.csv.path) if plan is not None and plan.csv is not None else None

    def doctor(self, settings: Settings, now: datetime) -> list[Check]:
        out = []
        for athlete in settings.athletes:
            if (source := self.configured(settings, athlete)) is None:
                continue

            def work(source: CsvPlan = source) -> str:
                reading = parse_csv(
                    read_plan_file(source.path).decode("utf-8-sig", "replace"), date.min, date.max
                )
                return reading_line(str(source.path), reading)

            out.append(probe(f"plan csv {athlete.id}", work))
        return out


CSV_PLAN = CsvPlanKind()
