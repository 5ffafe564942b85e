"""The 12-week chart of a mail: HTML/CSS bars that every mail client shows (no images to
fetch), and the same figures as text. The weeks are the overview's (alerts.weeks), spelt in
the athlete's units; the ACWR band is the athlete's effective acwr thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from strainwatch.alerts.weeks import Week, chart_end, weeks_to
from strainwatch.metrics.history import History
from strainwatch.rules.base import Thresholds, number
from strainwatch.units import distance_text, unit_name

WEEKS = 12
BAR_PX = 150  # the widest bar: with its labels, a row fits a 390 px phone
INSIDE, OUTSIDE = "#2b8a3e", "#c92a2a"


@dataclass(frozen=True, slots=True)
class WeekBar:
    week: Week
    current: bool
    spike: bool


@dataclass(frozen=True, slots=True)
class Chart:
    weeks: tuple[WeekBar, ...]
    acwr: float | None
    band: tuple[float, float]  # the acwr rule's low and high in effect for the athlete
    last_run: date | None = None  # set when the chart ends there: no run in the 12 weeks to today

    @property
    def title(self) -> str:
        if self.last_run is None:
            return f"Last {len(self.weeks)} weeks"
        return f"The {len(self.weeks)} weeks to your last run ({self.last_run.isoformat()})"


def weekly_chart(h: History, today: date, t: Thresholds, spike_days: frozenset[date] = frozenset()) -> Chart:
    """The 12 weeks to today; for a history that ended longer ago than that (an old export, a
    long break), the 12 weeks to the last run, so the chart shows running, not zeros."""
    ended = chart_end(h, today, WEEKS)
    end = ended or today
    bars = tuple(
        WeekBar(w, current=i == WEEKS - 1, spike=any(0 <= (d - w.start).days < 7 for d in spike_days))
        for i, w in enumerate(weeks_to(h, end, WEEKS, t, today))
    )
    i = h.index(end)
    ratio = h.ratio[i] if h.runs and 0 <= i < len(h.ratio) else None
    acwr = t.of("acwr")
    return Chart(bars, ratio, (number(acwr, "low"), number(acwr, "high")), ended)


@dataclass(frozen=True, slots=True)
class ChartRow:
    """One week as both mail bodies draw it: a bar of `hashes` in text, `width` px in HTML."""

    label: str  # the week's Monday: "Mon 17 Nov"
    distance: str  # "24.6 mi"
    longest: str
    hashes: int
    mark: str  # " <- this week", " (spike)"
    width: int
    colour: str  # this week in blue, a spike week in orange
    weight: str


@dataclass(frozen=True, slots=True)
class ChartView:
    title: str
    axis: str  # what the bars measure: "weekly distance (mi); the longest run of each week beside it"
    rows: tuple[ChartRow, ...]
    acwr: float | None
    band: str  # "0.8-1.5"
    band_colour: str  # green inside the band, red outside


def chart_view(chart: Chart, units: str) -> ChartView:
    top = max((b.week.km for b in chart.weeks), default=0.0) or 1.0
    rows = []
    for b in chart.weeks:
        w = b.week
        mark = " <- this week" if b.current and chart.last_run is None else ""
        mark += " (spike)" if b.spike else ""
        rows.append(
            ChartRow(
                label=f"{w.start:%a %d %b}",
                distance=distance_text(w.km * 1000, units),
                longest=distance_text(w.longest_km * 1000, units),
                hashes=round(w.km / top * 30),
                mark=mark,
                width=max(1, round(w.km / top * BAR_PX)),
                colour="#e8590c" if b.spike else ("#1c7ed6" if b.current else "#adb5bd"),
                weight="bold" if b.current or b.spike else "normal",
            )
        )
    low, high = chart.band
    inside = chart.acwr is not None and low <= chart.acwr <= high
    axis = f"distance ({unit_name(units)}) of each week from the Monday shown; its longest run beside it"
    colour = INSIDE if inside else OUTSIDE
    return ChartView(chart.title, axis, tuple(rows), chart.acwr, f"{low:g}-{high:g}", colour)


def sample_chart(today: date, band: tuple[float, float] = (0.8, 1.5)) -> Chart:
    """Twelve made-up weeks to `today`, the last a spike: for `notify test` and previews."""
    monday = today - timedelta(days=today.weekday())
    bars = []
    for i in range(WEEKS):
        start = monday - timedelta(weeks=WEEKS - 1 - i)
        iso = start.isocalendar()
        week = Week(f"{iso.year}-W{iso.week:02d}", start, 30.0 + i, 10.0, 10.0)
        bars.append(WeekBar(week, current=i == WEEKS - 1, spike=i == WEEKS - 1))
    return Chart(tuple(bars), 1.1, band)
