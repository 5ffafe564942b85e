"""What a rule is, how evidence is phrased, and what every alert says at the end."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from strainwatch.domain import Finding
from strainwatch.rules.history import History

Settings = Mapping[str, float | Sequence[str]]

GRADE_PHRASES = {
    "A": "linked to more injuries in a large study of runners",
    "B": "some evidence suggests",
    "C": "inferred, not shown in runners",
    "D": "rule of thumb",
}
DISCLAIMER = (
    "Association, not prediction: most flagged runs end without injury. This is not a "
    "diagnosis; see a clinician for pain that changes how you walk or run, a sudden 'pop', "
    "or swelling."
)
PAIN_ADVICE = (
    "With pain: rest, ice, compression, elevation; do not run through it; return gradually, "
    "walking before jogging; heel raises only once the pain has settled."
)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    grade: str  # A, A-, B, C, C/D, D, "C, contested"
    citation: str
    why: str  # one line: why it matters
    defaults: Mapping[str, float | tuple[str, ...]]
    evaluate: Callable[[History, date, Settings], list[Finding]]
    needs: str  # the history it needs before it may fire, for "warming up"
    kind: str = "activity"  # "activity": about a run; "period": about the state on a day

    @property
    def phrase(self) -> str:
        return GRADE_PHRASES[self.grade[0]]


def number(settings: Settings, key: str) -> float:
    value = settings[key]
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"{key} is not a number")


def pct(value: float) -> str:
    return f"{value * 100:+.0f} %"


def km(metres: float) -> str:
    return f"{metres / 1000:.1f} km"
