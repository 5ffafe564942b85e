"""One sync pass: pull every configured source into the store, then evaluate the rules for
every athlete whose data changed. The CLI's `sync` and the daemon both call it; email and
Strava join this same pass.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from strainwatch.config.settings import AthleteSettings, Settings
from strainwatch.errors import StrainwatchError
from strainwatch.notify.dispatch import queue_notifications
from strainwatch.notify.outbox import DeliveryReport
from strainwatch.notify.transport import deliver_all
from strainwatch.pipeline.evaluate import EvaluationResult, evaluate_athlete
from strainwatch.pipeline.plan_check import PlanCheck, check_and_mail, has_plan
from strainwatch.pipeline.sources import KINDS, sources_of
from strainwatch.sources.base import Notice, PassHooks, Source, SourceReport
from strainwatch.store.db import sandbox, store_error, unit_of_work
from strainwatch.store.models import Athlete

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Failure:
    """One athlete's source (files, strava, intervals, rules, mail) that failed in a pass."""

    athlete: str
    source: str
    text: str

    def __str__(self) -> str:
        return f"{self.athlete} {self.source}: {self.text}"


@dataclass(slots=True)
class PassReport:
    started_at: datetime
    dry_run: bool
    sources: list[tuple[str, SourceReport]] = field(default_factory=list)  # (source name, its report)
    evaluations: list[EvaluationResult] = field(default_factory=list)
    athletes: int = 0
    queued: list[str] = field(default_factory=list)  # subjects of the mail queued this pass
    delivery: DeliveryReport | None = None
    mail_problem: str | None = None
    failures: list[Failure] = field(default_factory=list)  # the rest of the pass went on
    parked: list[str] = field(default_factory=list)  # messages that could not be rendered

    @property
    def failed(self) -> list[str]:
        """ "athlete source: reason" for each failure."""
        return [str(f) for f in self.failures]

    def of(self, source: str) -> list[SourceReport]:
        """The reports of every athlete's source of that name, in athlete order."""
        return [report for name, report in self.sources if name == source]

    def item_lines(self) -> list[str]:
        """Each item a source names once (a file that failed), every athlete's."""
        return [line for _, report in self.sources for line in report.item_lines()]

    def summary(self) -> str:
        parts = [f"sync: {self.athletes} athlete(s)"]
        for kind in KINDS:
            if (part := kind.totals(self.of(kind.name), self.dry_run)) is not None:
                parts.append(part)
        return "; ".join(parts) + (
            f"; alerts: {sum(e.created for e in self.evaluations)} new, "
            f"{sum(e.escalated for e in self.evaluations)} escalated, "
            f"{sum(e.resolved for e in self.evaluations)} resolved; {self._mail_summary()}"
            + (f"; failed: {self._failed_names()}" if self.failures else "")
        )

    def lines(self) -> list[str]:
        """What `sync` prints: the summary (which names a failed source), a line per source
        (which says why it failed), and a line for each failure no source line has said, so
        each reason is said once."""
        said = [line for _, source in self.sources if (line := source.summary())]
        out = [self.summary(), *(f"  {line}" for line in said)]
        out += [f"  {line}" for line in self.item_lines()]
        out += [f"  failed: {f}" for f in self.failures if not any(f.text in line for line in said)]
        out += [f"  {'would send' if self.dry_run else 'queued'}: {subject}" for subject in self.queued]
        if self.delivery:
            out += [f"  delivery problem: {line}" for line in self.delivery.parked + self.delivery.retrying]
        return out

    def _failed_names(self) -> str:
        """The failed sources by name only: each reason is said once, on its own line."""
        return ", ".join(f"{f.athlete} {f.source}" for f in self.failures)

    def _mail_summary(self) -> str:
        if self.dry_run:
            return f"mail: {len(self.queued)} would be sent"
        if self.mail_problem:
            return f"mail: not delivered ({self.mail_problem})"
        return self.delivery.summary() if self.delivery else "mail: nothing due"


def run_pass(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    dry_run: bool = False,
    on_planned: Callable[[int], None] | None = None,
    on_item: Callable[[bool], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_progress: Callable[[], None] | None = None,
    athlete_ids: Collection[str] | None = None,
    deliver: bool = True,
) -> PassReport:
    """Pull every athlete's sources into the store, evaluate, queue and deliver mail.

    `athlete_ids` limits the pull and the evaluation to those athletes (a watched folder's
    owner, a worker's job); delivery still sends everything due, unless `deliver` is False
    (workers deliver in a job of its own).

    Bad files are recorded, never fatal; so is a failing athlete, source, activity, rule or
    message (`failed`, and the source health). A dry run does the whole pass inside one
    database transaction that is rolled back at the end, so its report (what would be
    imported, found and sent) is exactly what the real pass would do, and nothing is sent.
    `on_progress` is called before each network request (the daemon's watchdog heartbeat).
    """
    report = PassReport(started_at=now, dry_run=dry_run)
    if not dry_run:
        _pass(
            settings,
            sessions,
            now,
            report,
            on_planned=on_planned,
            on_item=on_item,
            should_stop=should_stop,
            on_progress=on_progress,
            athlete_ids=athlete_ids,
        )
        if deliver:
            _deliver(settings, sessions, now, report, on_message=on_progress)
    else:
        with sandbox(sessions) as rolled_back:
            _pass(
                settings,
                rolled_back,
                now,
                report,
                on_planned=on_planned,
                on_item=on_item,
                athlete_ids=athlete_ids,
            )
    log.info("%s", report.summary())
    return report


def _pass(
    settings: Settings,
    sessions: sessionmaker[Session],
    now: datetime,
    report: PassReport,
    *,
    on_planned: Callable[[int], None] | None,
    on_item: Callable[[bool], None] | None,
    should_stop: Callable[[], bool] | None = None,
    on_progress: Callable[[], None] | None = None,
    athlete_ids: Collection[str] | None = None,
) -> None:
    """Each athlete, and each source of each athlete, on its own: a failure is recorded against
    that athlete and source (log, report, source health) and the pass goes on."""
    for athlete in settings.athletes:
        if athlete_ids is not None and athlete.id not in athlete_ids:
            continue
        if should_stop is not None and should_stop():
            return
        report.athletes += 1
        changed = False
        isolated = functools.partial(_isolated, sessions, report, athlete.id, now=now)
        hooks = PassHooks(now, on_planned, on_item, should_stop, on_progress)
        for source in sources_of(settings, athlete):
            done = isolated(source.name, functools.partial(_sync, sessions, settings, athlete, source, hooks))
            if done is not None:
                report.sources.append((source.name, done))
                changed = changed or done.changed
        if should_stop is not None and should_stop():
            return
        isolated(
            "rules",
            functools.partial(_evaluate_and_queue, sessions, settings, athlete, now, report, changed=changed),
        )
        if has_plan(settings, athlete):
            isolated("plan", functools.partial(_check_plan, sessions, settings, athlete, now, report))


def _sync(
    sessions: sessionmaker[Session],
    settings: Settings,
    athlete: AthleteSettings,
    source: Source,
    hooks: PassHooks,
) -> SourceReport:
    report = source.sync(sessions, hooks)
    if report.notice is not None:
        _send_notice(sessions, settings, athlete, report.notice, hooks.now)
    if report.failure:
        raise _Recorded(report, report.failure)
    return report


class _Recorded(Exception):  # not an error of the pass: a result with a failure in it
    """A source that ran but failed in part: its report is kept, its failure recorded."""

    def __init__(self, result: object, text: str) -> None:
        super().__init__(text)
        self.result, self.text = result, text


def _evaluate_and_queue(
    sessions: sessionmaker[Session],
    settings: Settings,
    athlete: AthleteSettings,
    now: datetime,
    report: PassReport,
    *,
    changed: bool,
) -> EvaluationResult:
    with sessions() as session, unit_of_work(session):
        evaluations = _evaluate_if_needed(session, settings, athlete, now=now, changed=changed)
        report.evaluations.extend(evaluations)
        queued = queue_notifications(session, settings, athlete, now)
    report.queued.extend(queued.subjects)
    for problem in queued.parked:
        report.parked.append(f"{athlete.id}: {problem}")
        report.failures.append(Failure(athlete.id, "mail", problem))
    _record(sessions, athlete.id, "mail", now, "; ".join(queued.parked) or None)
    result = evaluations[0] if evaluations else EvaluationResult(athlete.id, 0, 0, 0)
    if result.rule_failures:  # the other rules ran and their alerts are written: recorded, not raised
        failures = sorted(result.rule_failures.items())
        raise _Recorded(result, "; ".join(f"{rule}: {text}" for rule, text in failures))
    return result


def _check_plan(
    sessions: sessionmaker[Session],
    settings: Settings,
    athlete: AthleteSettings,
    now: datetime,
    report: PassReport,
) -> PlanCheck:
    """The plan's forecasts, mailed when news; an unreadable plan source is recorded against
    "plan" (the other plan sources still count)."""
    checked, subjects = check_and_mail(sessions, settings, athlete, now)
    report.queued.extend(subjects)
    if checked.problems:
        raise _Recorded(checked, "; ".join(checked.problems))
    return checked


def _isolated(
    sessions: sessionmaker[Session],
    report: PassReport,
    athlete_id: str,
    source: str,
    work: Callable[[], T],
    *,
    now: datetime,
) -> T | None:
    """`work()`, its success or failure recorded for `athlete_id` and `source`; None on failure."""
    try:
        result = work()
    except _Recorded as partial:
        log.warning("%s of %s failed: %s (the pass goes on)", source, athlete_id, partial.text)
        report.failures.append(Failure(athlete_id, source, partial.text))
        _record(sessions, athlete_id, source, now, partial.text)
        return partial.result  # type: ignore[return-value]
    except Exception as error:  # one athlete's or source's failure never stops the pass
        text = error_text(error)
        log.error(
            "%s of %s failed: %s (the pass goes on)",
            source,
            athlete_id,
            text,
            exc_info=not isinstance(error, StrainwatchError | SQLAlchemyError),
        )
        report.failures.append(Failure(athlete_id, source, text))
        _record(sessions, athlete_id, source, now, text)
        return None
    _record(sessions, athlete_id, source, now, None)
    return result


def error_text(error: BaseException) -> str:
    """One line for a log or a report: a StrainwatchError's text, a database error without its
    SQL, else the type and message of an unexpected exception."""
    if isinstance(error, SQLAlchemyError):
        return str(store_error(error, "in the pass"))
    if isinstance(error, StrainwatchError):
        return str(error)
    return f"{type(error).__name__}: {error}".splitlines()[0]


def _record(
    sessions: sessionmaker[Session], athlete_id: str, source: str, now: datetime, error: str | None
) -> None:
    from strainwatch.store.health import record

    try:
        record(sessions, athlete_id, source, now, error)
    except SQLAlchemyError as failure:  # the database itself is in trouble: the log says so
        log.error("cannot record the %s health of %s: %s", source, athlete_id, error_text(failure))


def _send_notice(
    sessions: sessionmaker[Session],
    settings: Settings,
    athlete: AthleteSettings,
    notice: Notice,
    now: datetime,
) -> None:
    """One notice per problem through each of the athlete's channels: never a retry storm."""
    from strainwatch.notify.dispatch import queue_notice

    with sessions() as session, unit_of_work(session):
        queue_notice(session, settings, athlete, notice.subject, notice.text, key=notice.key, now=now)


def _deliver(
    settings: Settings,
    sessions: sessionmaker[Session],
    now: datetime,
    report: PassReport,
    on_message: Callable[[], None] | None = None,
) -> None:
    """Send what is due on every channel; a channel's problem is reported, never fatal: its
    rows wait."""
    report.delivery = deliver_all(settings, sessions, now, on_message)
    if report.delivery.blocked:  # the channel every athlete shares could not even be built
        report.mail_problem = "; ".join(report.delivery.blocked)


def _evaluate_if_needed(
    session: Session, settings: Settings, athlete: AthleteSettings, *, now: datetime, changed: bool
) -> list[EvaluationResult]:
    """Only athletes with new or changed data, or whose day has turned since the last run."""
    stored = session.get(Athlete, athlete.id)
    today = now.astimezone(athlete.zone).date()
    if stored is None or (not changed and stored.evaluated_on == today):
        return []
    return [evaluate_athlete(session, athlete, settings.thresholds(athlete), now)]
