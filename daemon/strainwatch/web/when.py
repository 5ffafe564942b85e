"""Times as a runner reads them on a phone: in the athlete's time zone and in words ("today
06:41", "yesterday 18:02", "3 days ago, Thu 07:15", "Mon 2 Nov 06:41", "2 Nov 2025 06:41"),
with the exact instant kept in the page's <time datetime>. Pure: `now` is passed in."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from markupsafe import Markup, escape

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_words(day: date, today: date) -> str:
    back = (today - day).days
    if back == 0:
        return "today"
    if back == 1:
        return "yesterday"
    if back == -1:
        return "tomorrow"
    if 2 <= back <= 6:
        return f"{back} days ago, {WEEKDAYS[day.weekday()]}"
    if day.year == today.year:
        return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def moment_words(moment: datetime, now: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{day_words(local.date(), now.astimezone(zone).date())} {local:%H:%M}"


def time_tag(value: datetime | str | None, now: datetime, zone: tzinfo) -> Markup:
    """`value` (an aware datetime or its ISO text) as a <time> element; "never" for None."""
    if value is None or value == "":
        return Markup("never")
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except ValueError:
        return escape(value)
    if moment.tzinfo is None:
        return escape(value)
    exact = moment.astimezone(zone)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        exact.isoformat(timespec="seconds"), f"{exact:%Y-%m-%d %H:%M %Z}", moment_words(moment, now, zone)
    )
