"""Every number as the runner reads it: distance in km or miles, climb in metres or feet, pace
per km or per mile. Pure; the one place a kilometre becomes a mile.

Rules write their sentences once, for every athlete: a quantity in them is a mark
(`[[distance:21740]]`, written by `distance_mark` and friends), and `say(text, units)` spells
the marks in the athlete's units at the edge (terminal, web page, mail, push, JSON). Text
stored before marks existed has none and reads as it always did.
"""

from __future__ import annotations

import math
import re
from typing import Literal

Units = Literal["km", "mi"]
KM = 1000.0
MILE = 1609.344
FOOT = 0.3048
MILE_KM = MILE / KM

_MARK = re.compile(r"\[\[(distance|climb|pace|speed):(-?\d+(?:\.\d+)?)(?::(\d))?\]\]")


def _number(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def distance_text(metres: float | None, units: str, digits: int = 1) -> str:
    """ "10.1 km" or "6.3 mi"; "-" for nothing."""
    if metres is None or not math.isfinite(metres):
        return "-"
    per = MILE if units == "mi" else KM
    return f"{_number(metres / per, digits)} {'mi' if units == 'mi' else 'km'}"


def distance_value(metres: float, units: str, digits: int = 1) -> float:
    """A distance as a bare number in the athlete's units (charts, JSON beside a unit key)."""
    return round(metres / (MILE if units == "mi" else KM), digits)


def climb_text(metres: float | None, units: str) -> str:
    """ "2,139 m" or "7,018 ft"."""
    if metres is None or not math.isfinite(metres):
        return "-"
    return f"{_number(metres / FOOT, 0)} ft" if units == "mi" else f"{_number(metres, 0)} m"


def duration_text(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "-"
    s = round(seconds)
    hours, rest = divmod(s, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def pace_text(s_per_km: float | None, units: str) -> str:
    """ "5:12/km" or "8:22/mi"."""
    if s_per_km is None or not math.isfinite(s_per_km):
        return "-"
    unit = "mi" if units == "mi" else "km"
    return f"{duration_text(s_per_km * (MILE / KM if unit == 'mi' else 1.0))}/{unit}"


def distance_mark(metres: float, digits: int = 1) -> str:
    return f"[[distance:{metres:.1f}:{digits}]]"


def climb_mark(metres: float) -> str:
    return f"[[climb:{metres:.0f}]]"


def pace_mark(s_per_km: float) -> str:
    return f"[[pace:{s_per_km:.1f}]]"


def speed_mark(m_per_s: float) -> str:
    return f"[[speed:{m_per_s:.2f}]]"


def speed_text(m_per_s: float, units: str) -> str:
    """A vehicle's speed: km/h, or mph for a miles athlete."""
    if units == "mi":
        return f"{m_per_s * 3600 / MILE:.0f} mph"
    return f"{m_per_s * 3.6:.0f} km/h"


def say(text: str, units: str) -> str:
    """`text` with its marks spelt in `units` ("km" or "mi")."""

    def spell(m: re.Match[str]) -> str:
        kind, value = m.group(1), float(m.group(2))
        if kind == "distance":
            return distance_text(value, units, int(m.group(3) or 1))
        if kind == "climb":
            return climb_text(value, units)
        if kind == "speed":
            return speed_text(value, units)
        return pace_text(value, units)

    return _MARK.sub(spell, text)


def unit_name(units: str) -> str:
    """The distance unit's short name, for a chart axis or a column head."""
    return "mi" if units == "mi" else "km"
