"""An alert's numbers and a rule's settings in the runner's words and units, never as keys.

The keys stay in the JSON contracts (`numbers`, `settings`); every page, mail and terminal
line shows these labels instead, each value spelt by strainwatch.units in the athlete's units.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strainwatch.units import climb_text, distance_text, pace_text

NUMBER_LABELS = {
    "distance_km": "this run",
    "reference_km": "your longest run before it",
    "increase_pct": "increase",
    "next_run_ceiling_km": "next run at most",
    "next_week_ceiling_km": "next 7 days at most",
    "last_7_days_km": "last 7 days",
    "previous_weekly_mean_km": "weekly mean of the 2 weeks before",
    "first_run_km": "first run back",
    "typical_run_km": "typical run before the break",
    "week_so_far_km": "since coming back",
    "typical_week_km": "typical week before the break",
    "gap_days": "days off",
    "descent_m": "descent",
    "recent_max_descent_m": "most descent in a recent run",
    "p90_descent_m": "your 90th-percentile descent",
    "threshold_s_per_km": "fast pace from",
    "easy_s_per_km": "easy pace",
    "fast_minutes": "minutes that fast",
    "shoe_km_7d": "on this shoe, last 7 days",
    "week_km": "this week",
    "shoe_km": "on this shoe",
    "threshold_km": "noted at",
    "acwr": "acute:chronic ratio",
    "ctl": "fitness",
    "atl": "fatigue",
    "tsb": "form",
    "ctl_ramp_per_week": "fitness rise this week",
    "ctl_ramp_previous_week": "fitness rise the week before",
    "consecutive_days": "days in a row",
    "strain_p90": "your 90th-percentile strain",
    "days_since_injury": "days since the injury",
    "days_since_note": "days since the note",
    "injury_id": "injury",
    "words": "pain words",
}

SETTING_LABELS = {
    "caution": "a caution from",
    "high": "high from",
    "warning": "a warning from",
    "info": "noted from",
    "low": "low below",
    "min_increase_km": "only when longer by at least",
    "window_days": "compared with the last",
    "min_history_days": "needs history of",
    "next_run_factor": "next run at most",
    "next_week_factor": "next 7 days at most",
    "min_baseline_km": "needs a weekly mean of at least",
    "gap_days": "a break is",
    "first_run": "first run back at most",
    "first_week": "first week back at most",
    "baseline_days": "baseline of",
    "factor": "noted above",
    "min_descent_m": "only from a descent of",
    "percentile": "and above your percentile",
    "exit_margin": "ends inside the band by",
    "min_days_out": "out of band for at least",
    "min_runs_out": "with at least (runs out of band)",
    "min_acute_runs": "runs in the last 7 days, at least",
    "min_chronic_runs": "runs in the last 28 days, at least",
    "words": "pain words watched",
    "run_again_days": "running again within",
    "spike_days": "or a spike within",
    "new_share": "a new shoe's share of the week at most",
    "new_days": "a shoe is new for",
    "minimalist_km": "a minimalist shoe's week at most",
    "check_km": "check a shoe at",
    "midsole_km": "check the midsole at",
    "streak_days": "days in a row from",
    "monotony": "monotony from",
    "strain_percentile": "strain above your percentile",
    "ramp_info": "fitness rise noted from",
    "ramp_caution": "a caution from a fitness rise of",
    "tsb_caution": "a caution when form falls below",
    "faster": "faster than easy pace by",
    "min_minutes": "for at least",
    "novel_days": "none in the previous",
}

# settings that are fractions of a reference, said as a percentage ("+10 %", "75 %")
_INCREASES = {"caution", "high", "warning", "info", "faster"}
_SHARES = {"first_run", "first_week", "new_share"}
_FACTORS = {
    "next_run_factor": "the window's longest run",
    "next_week_factor": "the recent weekly mean",
    "factor": "the most descent in a recent run",
}
_RATIOS = {"low", "exit_margin"}


def _fallback(key: str) -> str:
    for tail in ("_km", "_pct", "_m", "_s_per_km"):
        key = key.removesuffix(tail)
    return key.replace("_", " ")


def number_value(key: str, value: object, units: str) -> str:
    """One of an alert's numbers, spelt by what its key says it holds."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "yes" if value is True else "no" if value is False else "-" if value is None else str(value)
    if key.endswith("_km") or key == "shoe_km_7d":
        return distance_text(value * 1000, units)
    if key.endswith("_s_per_km"):
        return pace_text(value, units)
    if key.endswith("_m"):
        return climb_text(value, units)
    if key.endswith("_pct"):
        return f"{value:+.0f} %"
    return f"{value:g}"


def number_lines(numbers: Mapping[str, object], units: str) -> list[tuple[str, str]]:
    """(label, value) for each of an alert's numbers."""
    return [(NUMBER_LABELS.get(k, _fallback(k)), number_value(k, v, units)) for k, v in numbers.items()]


def numbers_sentence(numbers: Mapping[str, object], units: str) -> str:
    """ "this run 13.51 mi, increase +115 %, …" for a line of text."""
    return ", ".join(f"{label} {value}" for label, value in number_lines(numbers, units))


def setting_value(rule_id: str, key: str, value: Any, units: str) -> str:
    """One setting in words: "+10 %", "75 %", "1.1 x", "30 days", "0.6 mi", "32 words"."""
    if isinstance(value, tuple | list):
        return f"{len(value)} words"
    if not isinstance(value, int | float):
        return str(value)
    if rule_id == "acwr" and key in ("high", "low"):
        return f"a ratio of {value:g}"
    if key in _INCREASES:
        return f"+{value * 100:.0f} %"
    if key in _SHARES:
        return f"{value * 100:.0f} % of usual"
    if key in _FACTORS:
        return f"{value:g} x {_FACTORS[key]}"
    if key in _RATIOS:
        return f"{value:g}"
    if key.endswith("_km"):
        return distance_text(value * 1000, units)
    if key.endswith("_m"):
        return climb_text(value, units)
    if key.endswith("_days"):
        return f"{value:g} days"
    if key.endswith("percentile"):
        return f"{value:g}th"
    if key == "min_minutes":
        return f"{value:g} min"
    return f"{value:g}"


def setting_words(
    rule_id: str, settings: Mapping[str, Any], units: str, defaults: Mapping[str, Any] | None = None
) -> list[str]:
    """Each setting of a rule as "a warning from +100 %", with "(default +30 %)" beside a value
    that differs from `defaults` when they are given."""
    out = []
    for k, v in settings.items():
        said = f"{SETTING_LABELS.get(k, _fallback(k))} {setting_value(rule_id, k, v, units)}"
        if defaults is not None and k in defaults and defaults[k] != v:
            said += f" (default {setting_value(rule_id, k, defaults[k], units)})"
        out.append(said)
    return out


# form (TSB = fitness - fatigue, today) zones as intervals.icu draws them, highest first
FORM_ZONES = ((25.0, "transition"), (5.0, "fresh"), (-10.0, "grey zone"), (-30.0, "optimal"))
FORM_CONVENTION = (
    "form = today's fitness − fatigue (as intervals.icu shows it): transition above +25, "
    "fresh +5 to +25, grey zone −10 to +5, optimal −30 to −10, high risk below −30"
)


def form_zone(tsb: float | None) -> str:
    if tsb is None:
        return "-"
    return next((name for floor, name in FORM_ZONES if tsb > floor), "high risk")


def acwr_text(ratio: float | None, band: tuple[float, float]) -> str:
    """ "1.62, above your band of 0.8-1.5": the ratio against the acwr thresholds in effect."""
    if ratio is None:
        return "-"
    low, high = band
    where = "below" if ratio < low else "above" if ratio > high else "inside"
    return f"{ratio:.2f}, {where} your band of {low:g}-{high:g}"
