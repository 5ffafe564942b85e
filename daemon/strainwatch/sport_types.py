"""Map the sport names files use onto Strava's sport types, our common vocabulary."""

from __future__ import annotations

import re

from strainwatch.domain import SPORT_TYPES

_BY_KEY = {t.casefold(): t for t in SPORT_TYPES}
_ALIASES = {
    "running": "Run",
    "street_running": "Run",
    "road_running": "Run",
    "track_running": "Run",
    "treadmill_running": "Run",
    "indoor_running": "Run",
    "trail_running": "TrailRun",
    "trail": "TrailRun",
    "virtual_running": "VirtualRun",
    "cycling": "Ride",
    "biking": "Ride",
    "road_biking": "Ride",
    "bike": "Ride",
    "mountain_biking": "MountainBikeRide",
    "gravel_cycling": "GravelRide",
    "indoor_cycling": "VirtualRide",
    "walking": "Walk",
    "hiking": "Hike",
    "swimming": "Swim",
    "lap_swimming": "Swim",
    "open_water_swimming": "Swim",
    "rowing": "Rowing",
    "cross_country_skiing": "NordicSki",
    "alpine_skiing": "AlpineSki",
    "training": "Workout",
    "fitness_equipment": "Workout",
    "strength_training": "WeightTraining",
    "generic": "Workout",
    "other": "Workout",
    "transition": "Transition",
    # Strava's own GPX export writes numeric activity types
    "1": "Ride",
    "4": "Hike",
    "9": "Run",
    "10": "Walk",
}


def normalize_sport(value: str | None) -> str | None:
    """'running', 'Trail Running', 'TrailRun', '9' -> a Strava sport type; None if unknown."""
    if not value:
        return None
    key = re.sub(r"[\s\-]+", "_", value.strip()).casefold()
    return _BY_KEY.get(key.replace("_", "")) or _ALIASES.get(key)
