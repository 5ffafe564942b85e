"""Altitude smoothing, ascent and descent.

GPS altitude is noisy by several metres from one second to the next; summing the raw
differences can double the climb of a flat run. We smooth with a centred moving
average over +/- `SMOOTHING_WINDOW_S` seconds, then count a climb or a drop only once the
smoothed altitude has moved `HYSTERESIS_M` away from the last turning point.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence

SMOOTHING_WINDOW_S = 10.0
HYSTERESIS_M = 2.0


def smooth_altitude(time: Sequence[float], altitude: Sequence[float]) -> array[float]:
    """Centred moving average over a time window; NaN samples are skipped, not zeroed.

    A sample with no recorded altitude inside a window of NaN stays NaN.
    """
    n = len(altitude)
    out = array("d", bytes(8 * n))
    time, altitude = list(time), list(altitude)  # a list's floats exist, an array makes them
    lo = hi = 0
    total = 0.0
    count = 0
    for i in range(n):
        t = time[i]
        while hi < n and time[hi] <= t + SMOOTHING_WINDOW_S:
            a = altitude[hi]
            if a == a:  # not NaN
                total += a
                count += 1
            hi += 1
        while time[lo] < t - SMOOTHING_WINDOW_S:
            a = altitude[lo]
            if a == a:
                total -= a
                count -= 1
            lo += 1
        out[i] = total / count if count else math.nan
    return out


def ascent_descent(smoothed: Sequence[float]) -> tuple[float, float] | None:
    """Total climb and drop in metres, or None when no altitude was recorded."""
    ascent = descent = 0.0
    ref = math.nan
    for a in smoothed:
        if a != a:
            continue
        if ref != ref:
            ref = a
            continue
        diff = a - ref
        if diff >= HYSTERESIS_M:
            ascent += diff
            ref = a
        elif diff <= -HYSTERESIS_M:
            descent -= diff
            ref = a
    if ref != ref:
        return None
    return ascent, descent
