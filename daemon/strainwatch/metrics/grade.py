"""Grade-adjusted effort after Minetti et al. 2002, J Appl Physiol 93:1039.

The energy cost of running on a gradient `i` (rise over run, decimal) is
Cr(i) = 155.4 i^5 - 30.4 i^4 - 43.3 i^3 + 46.3 i^2 + 19.5 i + 3.6 J/kg/m, measured for
-0.45 <= i <= 0.45; the flat cost is 3.6, so Cr(i)/3.6 converts a metre on the slope
into the flat metres that cost the same.
"""

from __future__ import annotations

MAX_GRADE = 0.45
FLAT_COST = 3.6


def cost_of_running(grade: float) -> float:
    """Minetti's cost of running in J/kg/m; the grade is clamped to the measured range."""
    i = max(-MAX_GRADE, min(MAX_GRADE, grade))
    return ((((155.4 * i - 30.4) * i - 43.3) * i + 46.3) * i + 19.5) * i + FLAT_COST


def grade_factor(grade: float) -> float:
    """Flat-equivalent metres per metre run on this grade (1.0 on the flat)."""
    return cost_of_running(grade) / FLAT_COST
