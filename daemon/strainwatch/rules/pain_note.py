"""pain-note: the runner's own words about pain, and running on soon after them.

The seed cases: pain that reappears the day after the first run back. "Never exercise when
you are experiencing significant pain."
"""

from __future__ import annotations

import re
from datetime import date

from strainwatch.domain import Finding, Run, Severity
from strainwatch.metrics.history import History
from strainwatch.rules.base import PAIN_ADVICE, Rule, Settings, Thresholds, about_run, number
from strainwatch.rules.signals import is_spike

WORDS = (
    "calf",
    "calves",
    "soleus",
    "achilles",
    "pain",
    "painful",
    "hurt",
    "hurts",
    "twinge",
    "tight",
    "tightness",
    "strain",
    "strained",
    "pulled",
    "niggle",
    "wade",
    "waden",
    "schmerz",
    "schmerzen",
    "zerrung",  # de
    "mollet",
    "douleur",
    "claquage",  # fr
    "gemelo",
    "dolor",
    "tirón",  # es
    "panturrilha",
    "dor",  # pt
    "polpaccio",
    "dolore",  # it
    "kuit",
    "pijn",  # nl
)
DEFAULTS: dict[str, float | tuple[str, ...]] = {
    "words": WORDS,
    "run_again_days": 3.0,
    "spike_days": 14.0,
}


def pain_words(run: Run, settings: Settings) -> list[str]:
    words = settings["words"]
    if isinstance(words, int | float | str):
        raise TypeError("words must be a list of strings")
    text = run.text.casefold()
    return [w for w in words if re.search(rf"(?<!\w){re.escape(w.casefold())}(?!\w)", text)]


def evaluate(h: History, day: date, t: Thresholds) -> list[Finding]:
    settings = t.of(RULE.id)
    findings = []
    for run in h.runs_on(day):
        words = pain_words(run, settings)
        if words:
            findings.append(
                about_run(
                    RULE.id,
                    Severity.CAUTION,
                    day,
                    run,
                    title=f"You wrote \u201c{words[0]}\u201d about this run",
                    summary=f"pain words in your notes: {', '.join(words)}",
                    advice=PAIN_ADVICE + " Log it with `strainwatch injury add` if it is a strain.",
                    numbers={"words": ", ".join(words)},
                )
            )
            continue
        for earlier in reversed(h.previous_runs(run, int(number(settings, "spike_days")))):
            noted = pain_words(earlier, settings)
            if not noted:
                continue
            gap = (run.local_date - earlier.local_date).days
            spiked = is_spike(h, run, t)
            if gap > number(settings, "run_again_days") and not spiked:
                break
            what = (
                "a distance spike"
                if spiked and gap > number(settings, "run_again_days")
                else f"a run {gap} day(s)"
            )
            findings.append(
                Finding(
                    rule=RULE.id,
                    severity=Severity.WARNING,
                    day=day,
                    period=f"activity:{run.activity_id}",
                    title=f"Running again {gap} day(s) after noting \u201c{noted[0]}\u201d",
                    summary=f"{what} after you wrote \u201c{', '.join(noted)}\u201d on {earlier.local_date}",
                    advice=PAIN_ADVICE,
                    numbers={"days_since_note": gap, "words": ", ".join(noted), "spike": spiked},
                    activity_ids=(earlier.activity_id, run.activity_id),
                )
            )
            break
    return findings


RULE = Rule(
    id="pain-note",
    title="Your own words: pain",
    grade="D",
    citation="The seed cases: pain that reappears the day after the first run back",
    why="Pain you noticed is the earliest sign there is; running through it turns a niggle into a tear.",
    defaults=DEFAULTS,
    evaluate=evaluate,
    needs="nothing",
    notes={
        "run_again_days": "running again within this many days of a pain note: warning",
        "spike_days": "a spike within this many days of a pain note: warning",
        "words": "words in several languages",
    },
    fires=(
        "pain words in a run's name, description or private note (caution); running again within "
        "{run_again_days} days or a spike after them (warning)"
    ),
)
