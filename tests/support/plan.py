"""Training plans for the plan tests: iCalendar files in real exporters' shapes and CSV plans,
dated relative to the suite's clock."""

from __future__ import annotations

from datetime import date, timedelta

BERLIN_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""


def ics_day(day: date) -> str:
    return day.strftime("%Y%m%d")


def exported_calendar(today: date) -> bytes:
    """A plan app's export: an all-day long run with its distance in the title (TrainingPeaks
    style), a weekly easy run at a local time with its duration in the text (VTIMEZONE,
    RRULE), a UTC-timed run late at night (the next day in Berlin), a timed session whose
    length is its only duration, a ride, and a run with no distance or duration."""
    long_day, easy_day = today + timedelta(days=5), today + timedelta(days=1)
    late_day, slot_day, vague_day = (
        today + timedelta(days=2),
        today + timedelta(days=3),
        today + timedelta(days=4),
    )
    events = [
        f"BEGIN:VEVENT\r\nUID:long-1@plan.example\r\nDTSTAMP:20200101T000000Z\r\n"
        f"DTSTART;VALUE=DATE:{ics_day(long_day)}\r\nDTEND;VALUE=DATE:{ics_day(long_day + timedelta(days=1))}\r\n"
        f"SUMMARY:Run: Long run 28 km\r\nDESCRIPTION:Keep it easy\\, last 5 km steady\r\nEND:VEVENT",
        f"BEGIN:VEVENT\r\nUID:easy-weekly@plan.example\r\nDTSTAMP:20200101T000000Z\r\n"
        f"DTSTART;TZID=Europe/Berlin:{ics_day(easy_day)}T070000\r\nDTEND;TZID=Europe/Berlin:{ics_day(easy_day)}T074500\r\n"
        f"RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Easy run\r\nDESCRIPTION:45 min easy\r\nEND:VEVENT",
        f"BEGIN:VEVENT\r\nUID:late@plan.example\r\nDTSTAMP:20200101T000000Z\r\n"
        f"DTSTART:{ics_day(late_day - timedelta(days=1))}T233000Z\r\nDURATION:PT1H\r\n"
        f"SUMMARY:Tempo 10 km\r\nEND:VEVENT",
        f"BEGIN:VEVENT\r\nUID:slot@plan.example\r\nDTSTAMP:20200101T000000Z\r\n"
        f"DTSTART;TZID=Europe/Berlin:{ics_day(slot_day)}T180000\r\nDTEND;TZID=Europe/Berlin:{ics_day(slot_day)}T190000\r\n"
        f"SUMMARY:Run with the club\r\nEND:VEVENT",
        f"BEGIN:VEVENT\r\nUID:ride@plan.example\r\nDTSTAMP:20200101T000000Z\r\n"
        f"DTSTART;VALUE=DATE:{ics_day(slot_day)}\r\nSUMMARY:Bike 90 min\r\nEND:VEVENT",
        f"BEGIN:VEVENT\r\nUID:vague@plan.example\r\nDTSTAMP:20200101T000000Z\r\n"
        f"DTSTART;VALUE=DATE:{ics_day(vague_day)}\r\nSUMMARY:Hill reps\r\nEND:VEVENT",
    ]
    body = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Plan Example//EN",
            BERLIN_VTIMEZONE.replace("\n", "\r\n"),
            *events,
            "END:VCALENDAR",
        ]
    )
    return (body + "\r\n").encode()


def csv_plan(rows: list[tuple[date, str, str, str, str]]) -> str:
    """`date,distance_km,duration_min,kind,note` lines."""
    lines = ["date,distance_km,duration_min,kind,note"]
    lines += [f"{day.isoformat()},{km},{minutes},{kind},{note}" for day, km, minutes, kind, note in rows]
    return "\n".join(lines) + "\n"
