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
    """Total climb and drop in metres, or None when no altitude was recorded.

    A zig-zag filter: a peak or a valley counts once the altitude has turned back from it by
    `HYSTERESIS_M`, and the climb is summed between the first sample, those turning points
    and the last sample. It treats a profile and its reverse alike (the ascent of one is the
    descent of the other) and ascent minus descent is exactly the net change, which a
    threshold anchored at the first sample is not: it may see none of a ±2 m ripple forwards
    and all of it backwards.
    """
    ascent = descent = 0.0
    first = last = math.nan
    turn = math.nan  # the last confirmed turning point (the first sample to begin with)
    extreme = math.nan  # the highest (rising) or lowest (falling) altitude since `turn`
    low = high = math.nan  # before the first turn: the range seen so far
    rising: bool | None = None
    for a in smoothed:
        if a != a:
            continue
        last = a
        if first != first:
            first = turn = low = high = a
            continue
        if rising is None:
            if a - low >= HYSTERESIS_M:  # the lowest point so far was a valley
                descent += turn - low
                turn, extreme, rising = low, a, True
            elif high - a >= HYSTERESIS_M:  # the highest point so far was a peak
                ascent += high - turn
                turn, extreme, rising = high, a, False
            else:
                low, high = min(low, a), max(high, a)
        elif rising:
            if a > extreme:
                extreme = a
            elif extreme - a >= HYSTERESIS_M:
                ascent += extreme - turn
                turn, extreme, rising = extreme, a, False
        elif a < extreme:
            extreme = a
        elif a - extreme >= HYSTERESIS_M:
            descent += turn - extreme
            turn, extreme, rising = extreme, a, True
    if first != first:
        return None
    if rising is not None:  # the leg under way, then the last sample's step back from it
        if rising:
            ascent += extreme - turn
        else:
            descent += turn - extreme
        turn = extreme
    if last > turn:
        ascent += last - turn
    else:
        descent += turn - last
    return ascent, descent
