"""The SVG geometry of the web page's charts: heights in proportion, round ticks, the ceiling
where it belongs, pace drawn with faster higher and GPS outliers clipped."""

from __future__ import annotations

from datetime import date, timedelta

from strainwatch.alerts.weeks import Week
from strainwatch.views.profile import ProfilePoint
from strainwatch.web.charts import TOP, profile_chart, weekly_chart


def _weeks(kms: list[float]) -> list[Week]:
    start = date(2026, 1, 5)
    return [
        Week(f"2026-W{i + 2:02d}", start + timedelta(weeks=i), km, km / 3, 10.0) for i, km in enumerate(kms)
    ]


def test_bars_are_in_proportion_and_the_ceiling_sits_at_its_value() -> None:
    chart = weekly_chart(_weeks([10.0, 20.0, 40.0, 0.0]), 20.0, "km", 1.0)
    heights = [b.h for b in chart.bars]
    assert heights[1] * 2 == heights[2] and heights[3] == 0 and abs(heights[0] * 2 - heights[1]) <= 0.1
    assert [t.label for t in chart.ticks] == ["0", "10", "20", "30", "40 km"]  # the top tick names the unit
    twenty = next(t.y for t in chart.ticks if t.label == "20")
    assert chart.rule_y == twenty and chart.rule_label == "next run ≤ 20.0 km"
    assert all(b.inner_h * 3 - b.h < 0.5 for b in chart.bars)  # the longest run inside its week
    first = chart.bars[0]
    assert first.title.startswith("2026-W02 (from ") and first.title.endswith(
        "): 10.0 km, longest run 3.3 km"
    )
    assert first.label == f"{_weeks([1.0])[0].start:%d %b}"  # weeks are dated
    miles = weekly_chart(_weeks([16.09344]), None, "mi", 1 / 1.609344)
    assert "): 10.0 mi" in miles.bars[0].title and miles.rule_y is None


def test_pace_is_drawn_faster_higher_with_outliers_clipped() -> None:
    points = [
        ProfilePoint(km=i / 10, pace_s_per_km=300.0 + (i % 2) * 30, hr=None, altitude_m=None)
        for i in range(100)
    ]
    points[50] = ProfilePoint(km=5.0, pace_s_per_km=60.0, hr=None, altitude_m=None)  # a GPS jump
    chart = profile_chart(points, "pace_s_per_km", "km", invert=True)
    ys = [float(p.split(",")[1]) for p in chart.lines[0].points.split()]
    assert ys[0] < ys[1]  # 5:00/km is drawn above 5:30/km (SVG y grows downwards)
    assert min(ys) >= TOP  # the jump is clipped, not drawn off the chart
    assert all(":" in t.label and t.label.endswith(("00", "30", "15", "45")) for t in chart.ticks)
    assert profile_chart(points, "hr", "km").lines == ()  # no heart rate: no chart


def test_a_walk_or_a_stop_does_not_pull_the_pace_axis_to_zero() -> None:
    """The issue's run page: minutes of standing and GPS jumps made the axis run from 0:00."""
    paces = [250.0 + (i % 7) for i in range(80)] + [1800.0] * 15 + [40.0] * 10  # a stop, GPS jumps
    points = [ProfilePoint(km=i / 10, pace_s_per_km=v, hr=None, altitude_m=None) for i, v in enumerate(paces)]
    chart = profile_chart(points, "pace_s_per_km", "km", invert=True)
    labels = [t.label for t in chart.ticks]
    assert "0:00" not in labels and labels[0] >= "2:00" and labels[-1] <= "9:00", labels


def test_each_chart_is_drawn_for_the_desk_and_for_the_phone() -> None:
    from strainwatch.web.charts import PHONE_WIDTH, WIDTH, responsive

    both = responsive(weekly_chart, _weeks([10.0] * 26), 12.0, "km", 1.0)
    assert [size for size, _ in both.variants] == ["wide", "narrow"]
    assert both.wide.width == WIDTH and both.narrow.width == PHONE_WIDTH
    assert max(b.x + b.w for b in both.narrow.bars) <= PHONE_WIDTH - 8  # all 26 weeks fit the phone's
    assert [b.title for b in both.narrow.bars] == [b.title for b in both.wide.bars]
