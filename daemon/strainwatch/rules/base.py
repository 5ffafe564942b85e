"""What a rule is, how evidence is phrased, and what every alert says at the end."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from strainwatch.domain import Finding, Run, Severity
from strainwatch.metrics.history import History
from strainwatch.units import distance_mark

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


class Thresholds(Mapping[str, Mapping[str, Any]]):
    """One athlete's effective settings: for every rule, its defaults overlaid by the global
    `[rules.<id>]` and then by `[athletes.rules.<id>]`.

    As a mapping it holds the enabled rules only (what a pass evaluates); `of()` gives any
    rule's values, enabled or not, so a rule that reuses another rule's signal (a spike, a
    speed session, a modifier) measures it exactly as that rule would for this athlete.
    """

    __slots__ = ("_enabled", "_values")

    def __init__(self, values: Mapping[str, Mapping[str, Any]], enabled: frozenset[str]) -> None:
        self._values = {rule_id: dict(v) for rule_id, v in values.items()}
        self._enabled = tuple(r for r in self._values if r in enabled)

    def of(self, rule_id: str) -> Settings:
        return self._values[rule_id]

    def __getitem__(self, rule_id: str) -> Mapping[str, Any]:
        if rule_id not in self._enabled:
            raise KeyError(rule_id)
        return self._values[rule_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._enabled)

    def __len__(self) -> int:
        return len(self._enabled)

    def __repr__(self) -> str:
        return f"Thresholds({self._values!r}, enabled={self._enabled!r})"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    grade: str  # A, A-, B, C, C/D, D, "C, contested"
    citation: str
    why: str  # one line: why it matters
    defaults: Mapping[str, float | tuple[str, ...]]
    evaluate: Callable[[History, date, Thresholds], list[Finding]]  # reads t.of(id) and shared signals
    needs: str  # the history it needs before it may fire, for "warming up"
    kind: str = "activity"  # "activity": about a run; "period": about the state on a day
    # what a setting means where its name does not say it: the example config and
    # docs/configuration.md are written from `defaults` and these
    notes: Mapping[str, str] = field(default_factory=dict)
    # when it fires, in words: `{key}` is a default, `{key_pct}` a fraction as a percentage
    fires: str = ""

    def fires_text(self) -> str:
        """`fires` with the defaults in it (the README's table of rules)."""
        values: dict[str, str] = {}
        for key, value in self.defaults.items():
            if isinstance(value, int | float):
                values[key], values[f"{key}_pct"] = f"{value:g}", f"{value * 100:g}"
        return self.fires.format(**values)

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
    """A distance in a rule's sentence, spelt in the athlete's units where it is shown."""
    return distance_mark(metres)


def about_run(
    rule: str,
    severity: Severity,
    day: date,
    run: Run,
    *,
    title: str,
    summary: str,
    advice: str,
    numbers: Mapping[str, float | int | str | None],
    modifiers: Sequence[str] = (),
) -> Finding:
    """A finding about one run: the run is its period (one alert per run) and its activity."""
    return Finding(
        rule=rule,
        severity=severity,
        day=day,
        period=f"activity:{run.activity_id}",
        title=title,
        summary=summary,
        advice=advice,
        numbers=numbers,
        activity_ids=(run.activity_id,),
        modifiers=tuple(modifiers),
    )


def in_episode(
    rule: str,
    severity: Severity,
    day: date,
    since: date,
    *,
    title: str,
    summary: str,
    advice: str,
    numbers: Mapping[str, float | int | str | None],
    activity_ids: Sequence[int] = (),
    modifiers: Sequence[str] = (),
) -> Finding:
    """A finding about an episode that began on `since`: one alert for as long as it lasts."""
    return Finding(
        rule=rule,
        severity=severity,
        day=day,
        period=f"since:{since.isoformat()}",
        title=title,
        summary=summary,
        advice=advice,
        numbers=numbers,
        activity_ids=tuple(activity_ids),
        modifiers=tuple(modifiers),
    )
