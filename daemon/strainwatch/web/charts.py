"""SVG charts drawn on the server: plain geometry from the views' numbers, laid out by the
templates as <rect>, <polyline> and <text> (no script, no inline style: the CSP forbids both).
Pure: numbers in, coordinates out."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from strainwatch.alerts.weeks import Week
from strainwatch.units import FOOT, MILE_KM, distance_text
from strainwatch.views.overview import LoadPoint
from strainwatch.views.profile import ProfilePoint

WIDTH = 720.0  # the desk's chart; the stylesheet gives its text 14 units and caps it at 900 px
PHONE_WIDTH = 360.0  # the phone's (below 600 px): drawn near 1:1, so its 12-unit text is ~12 px
LEFT, RIGHT, TOP, BOTTOM = 44.0, 8.0, 10.0, 24.0


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    inner_y: float  # the week's longest run, drawn inside its bar
    inner_h: float
    label: str  # shown under every fourth bar ("" otherwise)
    title: str  # the tooltip: the figures as text


@dataclass(frozen=True, slots=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class Line:
    points: str  # "x,y x,y …" for <polyline>
    name: str


@dataclass(frozen=True, slots=True)
class Chart:
    width: float
    height: float
    bars: tuple[Bar, ...] = ()
    lines: tuple[Line, ...] = ()
    ticks: tuple[Tick, ...] = ()
    rule_y: float | None = None  # a horizontal reference (the next-run ceiling)
    rule_label: str = ""
    zero_y: float | None = None
    x_labels: tuple[tuple[float, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Responsive:
    """One chart drawn twice, for the desk and for the phone: an SVG scales its text with its
    width, so a 720-unit chart on a 358 px screen has 5 px labels. The stylesheet shows one."""

    wide: Chart
    narrow: Chart

    @property
    def variants(self) -> tuple[tuple[str, Chart], ...]:
        return (("wide", self.wide), ("narrow", self.narrow))


def _nice_step(top: float, count: int = 4) -> float:
    raw = top / count if top > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    return float(next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw))


PACE_STEPS = (15.0, 30.0, 60.0, 120.0, 300.0, 600.0)  # seconds: ticks on whole minutes and halves


def _scale(low: float, high: float, height: float, pace: bool = False) -> tuple[float, float, float]:
    """(step, bottom value, top value) so ticks fall on round numbers (for a pace: on round
    minutes and seconds)."""
    step = _nice_step(high - low)
    if pace:
        step = next((s for s in PACE_STEPS if s >= (high - low) / 4), PACE_STEPS[-1])
        while step > PACE_STEPS[0] and math.floor(low / step) * step <= 0:  # never a pace of 0:00
            step = PACE_STEPS[PACE_STEPS.index(step) - 1]
    bottom = math.floor(low / step) * step
    top = math.ceil(high / step) * step
    return step, bottom, (top if top > bottom else bottom + step)


def _fmt(value: float) -> str:
    return f"{value:g}" if abs(value) >= 1 or value == 0 else f"{value:.1f}"


def weekly_chart(
    weeks: Sequence[Week],
    ceiling_km: float | None,
    unit: str,
    per_km: float,
    *,
    height: float = 240.0,
    width: float = WIDTH,
) -> Chart:
    """Bars of weekly distance, the longest run inside each, the trailing-window longest as a
    line, and the next-run ceiling as a dashed rule. `per_km`: kilometres to the unit."""
    values = [w.km * per_km for w in weeks]
    ceiling = None if ceiling_km is None else ceiling_km * per_km
    high = max([*values, ceiling or 0.0, 1.0])
    step, _, top = _scale(0.0, high, height)
    plot_h = height - TOP - BOTTOM
    plot_w = width - LEFT - RIGHT
    slot = plot_w / max(1, len(weeks))

    def y(v: float) -> float:
        return round(TOP + plot_h * (1 - v / top), 1)

    bars, trail = [], []
    for i, (week, km) in enumerate(zip(weeks, values, strict=True)):
        x = LEFT + i * slot
        longest = week.longest_km * per_km
        bars.append(
            Bar(
                x=round(x + slot * 0.15, 1),
                y=y(km),
                w=round(slot * 0.7, 1),
                h=round(y(0) - y(km), 1),
                inner_y=y(longest),
                inner_h=round(y(0) - y(longest), 1),
                label=f"{week.start:%d %b}" if i % 4 == 0 or (i == len(weeks) - 1 and i % 4 >= 2) else "",
                title=f"{week.label} (from {week.start:%a %d %b}): {km:.1f} {unit}, "
                f"longest run {longest:.1f} {unit}",
            )
        )
        trail.append(f"{round(x + slot / 2, 1)},{y(week.window_longest_km * per_km)}")
    ticks = tuple(Tick(y(v), f"{_fmt(v)} {unit}" if v == top else _fmt(v)) for v in _range(0.0, top, step))
    return Chart(
        width,
        height,
        bars=tuple(bars),
        lines=(Line(" ".join(trail), "longest run, trailing window"),),
        ticks=ticks,
        rule_y=None if ceiling is None else y(ceiling),
        rule_label="" if ceiling is None else f"next run ≤ {ceiling:.1f} {unit}",
    )


def _range(low: float, high: float, step: float) -> list[float]:
    count = round((high - low) / step)
    return [round(low + k * step, 6) for k in range(count + 1)]


def load_chart(points: Sequence[LoadPoint], height: float = 170.0, width: float = WIDTH) -> Chart:
    """Fitness (CTL), fatigue (ATL) and form (TSB) by day."""
    if len(points) < 2:
        return Chart(width, height)
    series = {
        "fitness": [p.ctl for p in points],
        "fatigue": [p.atl for p in points],
        "form": [p.tsb for p in points],
    }
    low = min(min(v) for v in series.values())
    high = max(max(v) for v in series.values())
    step, bottom, top = _scale(min(low, 0.0), max(high, 1.0), height)
    plot_h, plot_w = height - TOP - BOTTOM, width - LEFT - RIGHT

    def y(v: float) -> float:
        return round(TOP + plot_h * (1 - (v - bottom) / (top - bottom)), 1)

    def x(i: int) -> float:
        return round(LEFT + plot_w * i / (len(points) - 1), 1)

    lines = tuple(
        Line(" ".join(f"{x(i)},{y(v)}" for i, v in enumerate(vals)), name) for name, vals in series.items()
    )
    labels = tuple((x(i), points[i].day.isoformat()) for i in (0, len(points) // 2, len(points) - 1))
    ticks = tuple(Tick(y(v), _fmt(v)) for v in _range(bottom, top, step))
    return Chart(width, height, lines=lines, ticks=ticks, zero_y=y(0.0), x_labels=labels)


def profile_chart(
    points: Sequence[ProfilePoint],
    field: str,
    units: str,
    *,
    height: float = 180.0,
    invert: bool = False,
    width: float = WIDTH,
) -> Chart:
    """One quantity along the run's distance (`invert`: smaller is drawn higher, for pace), in
    the athlete's units: pace per km or per mile, altitude in metres or feet."""
    per = {"pace_s_per_km": MILE_KM, "altitude_m": 1 / FOOT}.get(field, 1.0) if units == "mi" else 1.0
    known = [(p.km, v * per) for p in points if (v := getattr(p, field)) is not None]
    if len(known) < 2:
        return Chart(width, height)
    values = sorted(v for _, v in known)
    if field == "pace_s_per_km":  # a GPS jump or a stop is not the run's pace: the middle 90 %,
        low, high = values[len(values) // 20], values[-1 - len(values) // 20]
        middle = values[len(values) // 2]  # and within half to twice the median pace
        low, high = max(low, middle / 2), min(high, middle * 2)
        known = [(km, min(max(v, low), high)) for km, v in known]
        values = [low, high]
    step, bottom, top = _scale(min(values), max(values), height, pace=field == "pace_s_per_km")
    plot_h, plot_w = height - TOP - BOTTOM, width - LEFT - RIGHT
    distance = max(points[-1].km, 1e-9)

    def y(v: float) -> float:
        share = (v - bottom) / (top - bottom)
        return round(TOP + plot_h * (share if invert else 1 - share), 1)

    line = " ".join(f"{round(LEFT + plot_w * km / distance, 1)},{y(v)}" for km, v in known)
    label = _pace if field == "pace_s_per_km" else _fmt
    ticks = tuple(Tick(y(v), label(v)) for v in _range(bottom, top, step))
    labels = tuple(
        (round(LEFT + plot_w * f, 1), distance_text(distance * f * 1000, units)) for f in (0.0, 0.5, 1.0)
    )
    return Chart(width, height, lines=(Line(line, field),), ticks=ticks, x_labels=labels)


def _pace(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def plan_chart(
    days: Sequence[tuple[date, float]],
    ceiling_km: float | None,
    unit: str,
    per_km: float,
    *,
    warned: frozenset[date] = frozenset(),
    height: float = 170.0,
    width: float = WIDTH,
) -> Chart:
    """The plan's next days as bars (the template hatches them: planned, not run), the
    next-run ceiling as a rule; a day with a forecast is labelled with a "!"."""
    values = [km * per_km for _, km in days]
    ceiling = None if ceiling_km is None else ceiling_km * per_km
    step, _, top = _scale(0.0, max([*values, ceiling or 0.0, 1.0]), height)
    plot_h = height - TOP - BOTTOM
    slot = (width - LEFT - RIGHT) / max(1, len(days))

    def y(v: float) -> float:
        return round(TOP + plot_h * (1 - v / top), 1)

    bars = tuple(
        Bar(
            x=round(LEFT + i * slot + slot * 0.15, 1),
            y=y(km),
            w=round(slot * 0.7, 1),
            h=round(y(0) - y(km), 1),
            inner_y=y(0),
            inner_h=0.0,
            label=f"{day:%a}"[:2] + ("!" if day in warned else ""),
            title=f"{day:%a %d %b}: {km:.1f} {unit} planned" + (" (a forecast)" if day in warned else ""),
        )
        for i, ((day, _), km) in enumerate(zip(days, values, strict=True))
    )
    return Chart(
        width,
        height,
        bars=bars,
        ticks=tuple(Tick(y(v), _fmt(v)) for v in _range(0.0, top, step)),
        rule_y=None if ceiling is None else y(ceiling),
        rule_label="" if ceiling is None else f"next run ≤ {ceiling:.1f} {unit}",
    )


def responsive(draw: Callable[..., Chart], *args: Any, **kwargs: Any) -> Responsive:
    """`draw(*args, **kwargs)` at the desk's width and at the phone's."""
    return Responsive(draw(*args, **kwargs, width=WIDTH), draw(*args, **kwargs, width=PHONE_WIDTH))
