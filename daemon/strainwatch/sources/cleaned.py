"""What an API source stores from its streams' metrics when cleaning left something out:
the summary's distance and time include the car ride, the cleaned streams do not."""

from __future__ import annotations

from typing import Any

from strainwatch.domain import ActivityMetrics


def cleaned_values(metrics: ActivityMetrics) -> dict[str, Any]:
    """The columns to take from cleaned streams over the source's summary: none when nothing
    was left out (the summary stands, as the device measured it)."""
    removed = [c for c in metrics.corrections if c.kind != "device-timer"]
    if not removed:
        return {}
    return {
        "distance_m": metrics.distance_m,
        "moving_time_s": metrics.moving_time_s,
        "pace_s_per_km": metrics.pace_s_per_km,
        "corrections": [c.to_json() for c in metrics.corrections],
    }
