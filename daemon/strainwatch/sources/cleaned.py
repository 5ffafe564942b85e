"""What an API source stores from its streams' metrics when cleaning left something out:
the summary's distance and time include the car ride, the cleaned streams do not."""

from __future__ import annotations

from typing import Any

from strainwatch.domain import ActivityMetrics
from strainwatch.metrics.activity import pace_s_per_km


def cleaned_values(
    metrics: ActivityMetrics, distance_m: float | None, moving_time_s: float | None
) -> dict[str, Any]:
    """The columns to take from cleaned streams over the source's summary: the summary's own
    figures (`distance_m`, `moving_time_s`) when nothing was left out, as the device measured
    them (so a crop forgotten, or streams fetched again, never leaves the cropped figures)."""
    removed = [c for c in metrics.corrections if c.kind != "device-timer"]
    if not removed:
        if not distance_m and not moving_time_s:
            return {"corrections": None}
        distance, moving = float(distance_m or 0.0), float(moving_time_s or 0.0)
        return {
            "distance_m": distance,
            "moving_time_s": moving,
            "pace_s_per_km": pace_s_per_km(moving, distance),
            "corrections": None,
        }
    return {
        "distance_m": metrics.distance_m,
        "moving_time_s": metrics.moving_time_s,
        "pace_s_per_km": metrics.pace_s_per_km,
        "corrections": [c.to_json() for c in metrics.corrections],
    }
