"""The 12-week chart: HTML/CSS bars that every mail client shows (no images to fetch), and
the same figures as text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from strainwatch.metrics.history import History

WEEKS = 12
BAR_PX = 150  # the widest bar: with its labels, a row fits a 390 px phone (issue 23)


@dataclass(frozen=True, slots=True)
class WeekBar:
    label: str  # "2026-W47"
    km: float
    longest_km: float
    current: bool
    spike: bool


@dataclass(frozen=True, slots=True)
class Chart:
    weeks: tuple[WeekBar, ...]
    acwr: float | None
    last_run: date | None = None  # set when the chart ends there: no run in the 12 weeks to today

    @property
    def title(self) -> str:
        if self.last_run is None:
            return f"Last {len(self.weeks)} weeks"
        return f"The {len(self.weeks)} weeks to your last run ({self.last_run.isoformat()})"


def weekly_chart(h: History, today: date, spike_days: frozenset[date] = frozenset()) -> Chart:
    """The 12 weeks to today; for a history that ended longer ago than that (an old export, a
    long break), the 12 weeks to the last run, so the chart shows running, not zeros."""
    last_run = h.runs[-1].local_date if h.runs else None
    ended = last_run is not None and last_run < today - timedelta(weeks=WEEKS)
    if ended and last_run is not None:
        today = last_run
    monday = today - timedelta(days=today.weekday())
    bars = []
    for back in range(WEEKS - 1, -1, -1):
        start = monday - timedelta(weeks=back)
        end = start + timedelta(days=6)
        runs = [r for r in h.runs_between(start, end) if r.is_running]
        iso = start.isocalendar()
        bars.append(
            WeekBar(
                label=f"{iso.year}-W{iso.week:02d}",
                km=sum(r.distance_m for r in runs) / 1000,
                longest_km=max((r.distance_m for r in runs), default=0.0) / 1000,
                current=back == 0,
                spike=any(start <= d <= end for d in spike_days),
            )
        )
    i = h.index(today)
    ratio = h.ratio[i] if h.runs and 0 <= i < len(h.ratio) else None
    return Chart(tuple(bars), ratio, last_run if ended else None)


@dataclass(frozen=True, slots=True)
class ChartRow:
    """One week as both mail bodies draw it: a bar of `hashes` in text, `width` px in HTML."""

    label: str
    km: float
    longest_km: float
    hashes: int
    mark: str  # " <- this week", " (spike)"
    width: int
    colour: str  # this week in blue, a spike week in orange
    weight: str


@dataclass(frozen=True, slots=True)
class ChartView:
    title: str
    rows: tuple[ChartRow, ...]
    acwr: float | None
    band_colour: str  # green inside the usual band, red outside


def chart_view(chart: Chart) -> ChartView:
    top = max((w.km for w in chart.weeks), default=0.0) or 1.0
    rows = []
    for w in chart.weeks:
        mark = " <- this week" if w.current and chart.last_run is None else ""
        mark += " (spike)" if w.spike else ""
        rows.append(ChartRow(
            label=w.label, km=w.km, longest_km=w.longest_km, hashes=round(w.km / top * 30), mark=mark,
            width=max(1, round(w.km / top * BAR_PX)),
            colour="#e8590c" if w.spike else ("#1c7ed6" if w.current else "#adb5bd"),
            weight="bold" if w.current or w.spike else "normal",
        ))  # fmt: skip
    inside = chart.acwr is not None and 0.8 <= chart.acwr <= 1.3
    return ChartView(chart.title, tuple(rows), chart.acwr, "#2b8a3e" if inside else "#c92a2a")
