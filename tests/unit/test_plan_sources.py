"""The three plan sources' readers, on the shapes their real counterparts produce."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from strainwatch.errors import SourceError
from strainwatch.sources.plan.csv_plan import parse_csv
from strainwatch.sources.plan.ical_plan import parse_ical
from strainwatch.sources.plan.intervals_plan import parse_events
from tests.support import clock
from tests.support.plan import csv_plan, exported_calendar

pytestmark = pytest.mark.clock  # swept by --clock-sweep

BERLIN = ZoneInfo("Europe/Berlin")


def test_csv_reads_runs_leaves_out_rest_days_and_lists_what_it_cannot_read() -> None:
    today = clock.now().date()
    d = [today + timedelta(days=i) for i in range(8)]
    text = (
        csv_plan(
            [
                (d[1], "8", "", "easy", ""),
                (d[2], "", "", "rest", ""),
                (d[3], "", "45", "easy", ""),
                (d[4], "", "", "long", "Long run 28 km"),
                (d[5], "", "", "", "tempo session"),
                (d[6], "ten", "", "easy", ""),
                (d[7], "", "", "", "Bike 60 min"),
            ]
        )
        + "2021-02-30,5,,,\n"
    )
    reading = parse_csv(text, today, today + timedelta(days=14))
    assert [(p.day, p.distance_m, p.duration_s) for p in reading.planned] == [
        (d[1], 8000, None),
        (d[3], None, 2700),
        (d[4], 28_000, None),
    ]
    assert [(u.where, u.reason) for u in reading.unparsed] == [
        ("line 6", "no distance or duration"),
        ("line 7", "distance_km is not a number: 'ten'"),
        ("line 9", "day is out of range for month"),
    ]
    assert reading.not_runs == 2
    assert len({p.uid for p in reading.planned}) == 3


def test_csv_keeps_a_planned_runs_uid_when_its_distance_changes() -> None:
    day = clock.now().date() + timedelta(days=3)
    before = parse_csv(csv_plan([(day, "28", "", "long", "")]), day, day).planned
    after = parse_csv(csv_plan([(day, "18", "", "long", "")]), day, day).planned
    assert before[0].uid == after[0].uid and after[0].distance_m == 18_000


def test_csv_without_its_header_is_one_unparsed_line() -> None:
    reading = parse_csv("2026-01-01,8\n", clock.now().date(), clock.now().date())
    assert reading.planned == [] and reading.unparsed[0].where == "line 1"


def test_ical_export_recurrence_all_day_time_zones_and_text_only_distances() -> None:
    today = clock.now().date()
    reading = parse_ical(exported_calendar(today), today, today + timedelta(days=14), BERLIN)
    got = sorted((p.day - today, p.distance_m, p.duration_s, p.title) for p in reading.planned)
    assert got == [
        (timedelta(days=1), None, 2700, "Easy run"),
        (timedelta(days=2), 10_000, None, "Tempo 10 km"),  # 23:30 UTC the day before: Berlin's next day
        (timedelta(days=3), None, 3600, "Run with the club"),  # its own hour is its duration
        (timedelta(days=5), 28_000, None, "Run: Long run 28 km"),
        (
            timedelta(days=8),
            None,
            2700,
            "Easy run",
        ),  # the weekly recurrence, expanded (its third is past the end)
    ]
    unparsed = [(u.where.split(" ", 1)[1], u.reason) for u in reading.unparsed]
    assert unparsed == [("'Hill reps'", "no distance or duration in it")]
    assert reading.not_runs == 1  # the ride


def test_a_broken_ical_file_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="not an iCalendar file"):
        parse_ical(b"BEGIN:VCALENDAR\r\nthis is not ical", clock.now().date(), clock.now().date(), BERLIN)


def test_intervals_workouts_of_running_types_not_yet_done() -> None:
    today = clock.now().date()
    day = (today + timedelta(days=2)).isoformat()
    events = [
        {
            "id": 101,
            "category": "WORKOUT",
            "type": "Run",
            "start_date_local": f"{day}T00:00:00",
            "name": "Long run",
            "distance": 28000.0,
            "moving_time": 9600,
            "icu_training_load": 180,
        },
        {
            "id": 102,
            "category": "WORKOUT",
            "type": "Run",
            "start_date_local": f"{day}T00:00:00",
            "name": "Easy 45 min",
            "distance": None,
            "moving_time": None,
        },
        {
            "id": 103,
            "category": "WORKOUT",
            "type": "Ride",
            "start_date_local": f"{day}T00:00:00",
            "name": "Endurance ride",
            "moving_time": 7200,
        },
        {
            "id": 104,
            "category": "WORKOUT",
            "type": "Run",
            "start_date_local": f"{day}T00:00:00",
            "name": "Done already",
            "distance": 8000.0,
            "paired_activity_id": "i555",
        },
        {"id": 105, "category": "NOTE", "start_date_local": f"{day}T00:00:00", "name": "Holiday"},
        {
            "id": 106,
            "category": "WORKOUT",
            "type": "Run",
            "start_date_local": f"{day}T00:00:00",
            "name": "Drills",
        },
    ]
    reading = parse_events(events, ["Run", "TrailRun"], today, today + timedelta(days=14))
    assert [(p.uid, p.distance_m, p.duration_s, p.load) for p in reading.planned] == [
        ("intervals:101", 28000.0, 9600.0, 180.0),
        ("intervals:102", None, 2700.0, None),
    ]
    assert reading.not_runs == 1
    assert [u.reason for u in reading.unparsed] == ["no planned distance or moving time"]


def test_ical_exceptions_and_moved_instances_and_a_google_style_utc_export() -> None:
    """A weekly run with one week cancelled (EXDATE) and one moved a day later and made longer
    (RECURRENCE-ID), in a Google-style export: UTC times, the zone only in X-WR-TIMEZONE."""
    today = clock.now().date()
    first = today + timedelta(days=1)

    def utc(day: date, hour: int = 7, minute: int = 0) -> str:
        """A Berlin wall-clock time as Google writes it: in UTC, so 06:00Z in winter and
        05:00Z in summer for the same 07:00 run (the weeks may cross a change of clocks)."""
        return datetime.combine(day, time(hour, minute), BERLIN).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    cancelled, moved_from, moved_to = (first + timedelta(days=d) for d in (7, 14, 15))
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
        "X-WR-TIMEZONE:Europe/Berlin\r\n"
        f"BEGIN:VEVENT\r\nUID:weekly@google.com\r\nDTSTAMP:20200101T000000Z\r\nDTSTART:{utc(first)}\r\n"
        f"DTEND:{utc(first, 8)}\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE:{utc(cancelled)}\r\n"
        "SUMMARY:Steady run 10 km\r\nEND:VEVENT\r\n"
        f"BEGIN:VEVENT\r\nUID:weekly@google.com\r\nDTSTAMP:20200101T000000Z\r\nRECURRENCE-ID:{utc(moved_from)}\r\n"
        f"DTSTART:{utc(moved_to)}\r\nDTEND:{utc(moved_to, 8, 30)}\r\nSUMMARY:Steady run 14 km\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    reading = parse_ical(text.encode(), today, today + timedelta(days=30), BERLIN)
    assert [(p.day - today, p.distance_m) for p in reading.planned] == [
        (timedelta(days=1), 10_000),
        (timedelta(days=16), 14_000),
        (timedelta(days=22), 10_000),
    ]
    assert len({p.uid for p in reading.planned}) == 3
