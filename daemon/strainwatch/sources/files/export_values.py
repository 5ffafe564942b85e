"""Dates, numbers and durations as a Strava export writes them in the account's language.

activities.csv holds display text: "Jan 5, 2024, 7:30:12 AM", "5 janv. 2024, 07:30:12",
"05.01.2024, 07:30:12"; "10.02" or "10,02"; "3412" or "0:56:52". Dates are UTC.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime

_MONTHS = {
    1: ("jan", "janv", "ene", "gen", "jän", "janeiro", "januari"),
    2: ("feb", "fev", "fév", "fevr", "févr", "febr"),
    3: ("mar", "mars", "mär", "maart", "marz", "märz", "mrt"),
    4: ("apr", "avr", "abr"),
    5: ("may", "mai", "mayo", "mag", "mei", "maio"),
    6: ("jun", "juin", "giu", "juni", "junho"),
    7: ("jul", "juil", "lug", "juli", "julho"),
    8: ("aug", "aout", "août", "ago", "agosto"),
    9: ("sep", "sept", "set", "setembro"),
    10: ("oct", "okt", "ott", "out", "outubro"),
    11: ("nov",),
    12: ("dec", "déc", "dez", "dic", "dezembro"),
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_MONTH_OF = {_fold(name): month for month, names in _MONTHS.items() for name in names}


def _month(word: str) -> int | None:
    word = _fold(word).rstrip(".")
    if word in _MONTH_OF:
        return _MONTH_OF[word]
    for length in (4, 3):
        if word[:length] in _MONTH_OF:
            return _MONTH_OF[word[:length]]
    return None


def parse_export_date(text: str | None) -> datetime | None:
    """A date of activities.csv, in any of the export's languages, as aware UTC; None if unreadable."""
    if not text:
        return None
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except ValueError:
        pass
    clock = re.search(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?\s?m\.?)?", text, re.IGNORECASE)
    hour = minute = second = 0  # a date alone: the day's start
    if clock is not None:
        hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        marker = (clock[4] or "").lower().replace(".", "").replace(" ", "")
        if marker == "pm" and hour < 12:
            hour += 12
        elif marker == "am" and hour == 12:
            hour = 0
    day_part = text[: clock.start()] if clock is not None else text
    numbers = [int(n) for n in re.findall(r"\d+", day_part)]
    words = [w for w in re.findall(r"[^\W\d_]+\.?", day_part) if _month(w) is not None]
    try:
        if words and len(numbers) >= 2:
            month = _month(words[0]) or 0
            year = next(n for n in numbers if n > 31)
            day = next(n for n in numbers if n <= 31)
        elif len(numbers) >= 3:
            if numbers[0] > 31:  # 2024/01/05
                year, month, day = numbers[0], numbers[1], numbers[2]
            else:  # 05.01.2024, 05/01/2024: day first outside the US, whose export uses month names
                day, month, year = numbers[0], numbers[1], numbers[2]
        else:
            return None
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (StopIteration, ValueError):
        return None


def parse_number(text: str | None) -> float | None:
    """ "10.02", "10,02", "1,234.5", "1.234,5" -> a finite number; None for empty or text."""
    if text is None:
        return None
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in text:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def parse_seconds(text: str | None) -> float | None:
    """ "3412", "3412.0" or "0:56:52" -> seconds."""
    if text and ":" in text:
        parts = text.strip().split(":")
        try:
            values = [float(p) for p in parts]
        except ValueError:
            return None
        total = 0.0
        for value in values:
            total = total * 60 + value
        return total
    return parse_number(text)
