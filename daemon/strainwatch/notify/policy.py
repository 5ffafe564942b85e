"""When mail may go: quiet hours, digest times, retry backoff. Pure: `now` comes in."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

BACKOFF_START = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet_until(local_now: datetime, quiet_hours: str | None) -> datetime | None:
    """The end of the quiet period `local_now` falls in, or None outside quiet hours.

    "22:00-07:00" spans midnight; "13:00-14:00" does not; equal ends mean no quiet hours.
    """
    if not quiet_hours:
        return None
    start_text, _, end_text = quiet_hours.partition("-")
    start, end = _clock(start_text), _clock(end_text)
    now = local_now.timetz().replace(tzinfo=None)
    today = local_now.date()

    def at(day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, local_now.tzinfo)

    if start == end:
        return None
    if start < end:
        return at(today, end) if start <= now < end else None
    if now >= start:
        return at(today + timedelta(days=1), end)
    if now < end:
        return at(today, end)
    return None


def digest_due(local_now: datetime, schedule: str, digest_time: str, last_digest_on: date | None) -> bool:
    """Daily: once a day from `digest_time`; weekly: on Mondays from `digest_time`."""
    if schedule == "off" or local_now.timetz().replace(tzinfo=None) < _clock(digest_time):
        return False
    today = local_now.date()
    if schedule == "weekly":
        return today.weekday() == 0 and last_digest_on != today
    return last_digest_on != today


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed attempt, capped at an hour."""
    delay: timedelta = BACKOFF_START * 2 ** max(0, attempts - 1)
    return min(delay, BACKOFF_CAP)
