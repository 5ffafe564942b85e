"""The 12-week chart: HTML/CSS bars that every mail client shows (no images to fetch), and
the same figures as text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from strainwatch.metrics.history import History

WEEKS = 12
BAR_PX = 220


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


def chart_text(chart: Chart) -> str:
    top = max((w.km for w in chart.weeks), default=0.0) or 1.0
    lines = []
    for w in chart.weeks:
        mark = " <- this week" if w.current and chart.last_run is None else ""
        mark += " (spike)" if w.spike else ""
        lines.append(
            f"{w.label} {w.km:6.1f} km {'#' * round(w.km / top * 30):<30} longest {w.longest_km:.1f}{mark}"
        )
    if chart.acwr is not None:
        lines.append(f"ACWR {chart.acwr:.2f} (0.8-1.3 is the usual band)")
    return "\n".join(lines)


def chart_html(chart: Chart) -> str:
    """A table of bars: width by weekly km; this week in blue, a spike week in orange."""
    top = max((w.km for w in chart.weeks), default=0.0) or 1.0
    rows = []
    for w in chart.weeks:
        colour = "#e8590c" if w.spike else ("#1c7ed6" if w.current else "#adb5bd")
        width = max(1, round(w.km / top * BAR_PX))
        weight = "bold" if w.current or w.spike else "normal"
        rows.append(
            f'<tr><td style="font:12px sans-serif;color:#495057;padding:1px 6px 1px 0;white-space:nowrap">'
            f"{escape(w.label)}</td>"
            f'<td style="padding:1px 0"><div style="background:{colour};width:{width}px;height:12px;'
            f'border-radius:2px"></div></td>'
            f'<td style="font:12px sans-serif;font-weight:{weight};padding:1px 0 1px 6px;white-space:nowrap">'
            f"{w.km:.1f} km</td>"
            f'<td style="font:11px sans-serif;color:#868e96;padding:1px 0 1px 10px;white-space:nowrap">'
            f"longest {w.longest_km:.1f}</td></tr>"
        )
    band = ""
    if chart.acwr is not None:
        inside = 0.8 <= chart.acwr <= 1.3
        band = (
            f'<p style="font:12px sans-serif;color:{"#2b8a3e" if inside else "#c92a2a"};margin:6px 0 0">'
            f"Acute:chronic ratio {chart.acwr:.2f} (usual band 0.8-1.3)</p>"
        )
    return (
        '<table role="presentation" cellspacing="0" cellpadding="0" style="border-collapse:collapse">'
        + "".join(rows)
        + "</table>"
        + band
    )
