"""Distances and durations in a plan's free text: "Long run 28 km", "45 min easy", "6 mi",
"1h30 long run", "1:15:00 steady". Pure."""

from __future__ import annotations

import re

KM_PER_MILE = 1.609344
_NUMBER = r"(\d{1,3}(?:[.,]\d{1,2})?)"
_DISTANCE = re.compile(_NUMBER + r"\s?(km|k|kilomet(?:er|re)s?|mi|miles?)(?![a-z])", re.IGNORECASE)
_METRES = re.compile(r"(?<![\d.,x×])(\d{4,5})\s?m(?![a-z])", re.IGNORECASE)  # "5000 m", not "10x400 m"
_HOURS_MINUTES = re.compile(
    r"(\d{1,2})\s?(?:h|hrs?|hours?)\s?(?:(\d{1,2})\s?(?:m|min|mins|minutes)?)?(?![a-z])", re.IGNORECASE
)
_DECIMAL_HOURS = re.compile(r"(\d{1,2}[.,]\d{1,2})\s?(?:h|hrs?|hours?)(?![a-z])", re.IGNORECASE)
_MINUTES = re.compile(r"(?<![\d:.,])(\d{1,3})\s?(?:min|mins|minutes|')(?![a-z/])", re.IGNORECASE)
_CLOCK = re.compile(r"(?<![\d:])(\d{1,2}):([0-5]\d)(?::([0-5]\d))?(?![\d:/])")


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def distance_m(text: str) -> float | None:
    """The longest distance named (a long run "28 km with the last 5 km at race pace" is
    28 km); None when there is none."""
    found = [
        _number(n) * (KM_PER_MILE if unit.lower().startswith("mi") else 1.0) * 1000
        for n, unit in _DISTANCE.findall(text)
    ]
    found += [float(m) for m in _METRES.findall(text)]
    found = [d for d in found if 0 < d <= 200_000]
    return max(found) if found else None


def duration_s(text: str) -> float | None:
    """The first duration named: "1h30", "1.5 h", "45 min", "1:15:00" (h:mm:ss) or "1:15"
    (h:mm); None when there is none."""
    if m := _DECIMAL_HOURS.search(text):
        return _number(m.group(1)) * 3600
    if m := _HOURS_MINUTES.search(text):
        return int(m.group(1)) * 3600 + int(m.group(2) or 0) * 60
    if m := _MINUTES.search(text):
        return int(m.group(1)) * 60.0
    if m := _CLOCK.search(text):
        hours, minutes, seconds = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        return hours * 3600 + minutes * 60 + seconds if m.group(3) or hours <= 4 else None
    return None


NOT_RUNNING = re.compile(
    r"\b(rest day|day off|rest|off|ride|bike|cycling|swim|swimming|strength|gym|yoga|pilates|"
    r"cross[- ]?training|mobility|walk)\b",
    re.IGNORECASE,
)
RUNNING = re.compile(
    r"\b(run|running|jog|tempo|intervals?|fartlek|strides|race|parkrun|long|easy|"
    r"recovery|threshold|marathon|10k|5k|trail)\b",
    re.IGNORECASE,
)


def is_running(text: str) -> bool:
    """A run unless the words say otherwise: "Rest", "Bike 60 min" and "Yoga" are not load on
    the legs the rules count; "Easy run + strides" and "Long run" are."""
    return bool(RUNNING.search(text)) or not NOT_RUNNING.search(text)
