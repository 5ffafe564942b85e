"""What a mail says, as one content object per mail, and the Jinja2 templates
(notify/templates/) that lay it out as plain text and as HTML.

Both bodies come from the same object, so they cannot drift apart. HTML templates autoescape
every value: a run named "<script>" is shown, never run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from strainwatch.notify.chart import ChartView
from strainwatch.rules.base import DISCLAIMER, Rule

SEVERITY_COLOURS = {"warning": "#c92a2a", "caution": "#e67700"}


@dataclass(frozen=True, slots=True)
class FindingView:
    """One finding as the mail shows it."""

    rule_id: str
    severity: str
    colour: str
    title: str
    summary: str
    advice: str
    numbers: str  # "this run 26.0 km, your longest run before it 11.97 km": words, not keys
    modifiers: Sequence[str]
    activities: Sequence[str]
    also: Sequence[str]
    previous_severity: str | None
    rule: Rule | None  # why it matters, grade, citation
    url: str | None = None  # the alert's web page ([web] public_url)
    day: str = ""
    limits: Sequence[str] = ()  # the day's guidance: one answer on every surface
    history_url: str | None = None  # the athlete's alerts history, beside it


@dataclass(frozen=True, slots=True)
class MailView:
    kind: str  # alert | digest | notice: the templates <kind>.txt.j2 and <kind>.html.j2
    name: str  # whom we greet
    chart: ChartView | None = None
    findings: Sequence[FindingView] = ()
    period: str = ""  # digests: "2026-11-22" or "week 2026-W47"
    late: str = ""  # digests: "3 acwr, 1 long-run-spike"
    resolved: Sequence[str] = ()
    guidance: Sequence[str] = ()
    withdrawn: Sequence[str] = ()  # digests: alerts whose run the runner corrected away
    not_counted: Sequence[str] = ()  # digests: runs left out of running load, and why
    body: str = ""  # notices
    disclaimer: str = DISCLAIMER


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("strainwatch.notify", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
        undefined=StrictUndefined,  # a misspelt field fails the render (and parks it), not blank text
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_bodies(mail: MailView) -> tuple[str, str]:
    """The plain text and the HTML of a mail."""
    env = _environment()
    first = mail.findings[0] if mail.findings else None
    text = env.get_template(f"{mail.kind}.txt.j2").render(mail=mail, chart=mail.chart, f=first)
    html = env.get_template(f"{mail.kind}.html.j2").render(mail=mail, chart=mail.chart, f=first)
    return text, html
