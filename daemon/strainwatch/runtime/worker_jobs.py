"""The work of `strainwatch worker`, as procrastinate tasks: one athlete's pass, the mail
delivery, one athlete's digest, and the tick that queues them.

Exclusion: a pass or digest holds its athlete's PostgreSQL advisory lock (store/locking.py),
which the server drops the moment a worker's connection dies, so a killed worker never
blocks its athletes; procrastinate's queueing locks keep at most one waiting job per athlete
and kind. Recovery: every tick also re-queues the running jobs of workers whose heartbeat is
older than `[workers] stalled_after`, so a killed worker's athlete runs again on another
worker at most `stalled_after + tick` seconds after the kill. An athlete whose pass never
finished stays due (its last pass is recorded only at the end), so the tick queues it again
whatever became of the job.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from strainwatch.config.settings import AthleteSettings, Settings
from strainwatch.store.locking import PassBusy, pass_lock
from strainwatch.store.models import Athlete, SourceHealth

if TYPE_CHECKING:
    from procrastinate import App
    from procrastinate.tasks import Task
    from sqlalchemy import Engine

log = logging.getLogger(__name__)

PASS_TASK = "strainwatch.pass"  # noqa: S105 (a task name)
DELIVER_TASK = "strainwatch.deliver"
DIGEST_TASK = "strainwatch.digest"
TICK_TASK = "strainwatch.tick"
# fetched first: a tick or a delivery never waits behind a backlog of passes
TICK_PRIORITY, DELIVER_PRIORITY, DIGEST_PRIORITY, PASS_PRIORITY = 30, 20, 10, 0


@dataclass(slots=True)
class WorkerContext:
    """What every job of one worker process shares."""

    settings: Settings
    sessions: sessionmaker[Session]
    lock_engine: Engine  # the advisory locks' connections
    clock: Callable[[], datetime]
    stopping: threading.Event


def due_athletes(ctx: WorkerContext, now: datetime) -> list[str]:
    """Athletes whose last pass (the rules' last success or error) is older than the interval."""
    last = func.max(func.coalesce(SourceHealth.last_success_at, SourceHealth.last_error_at))
    if ctx.sessions.kw["bind"].dialect.name == "postgresql":
        last = func.max(func.greatest(SourceHealth.last_success_at, SourceHealth.last_error_at))
    with ctx.sessions() as session:
        seen = dict(
            session.execute(
                select(SourceHealth.athlete_id, last)
                .where(SourceHealth.source == "rules")
                .group_by(SourceHealth.athlete_id)
            ).all()
        )
    horizon = now - timedelta(seconds=ctx.settings.daemon.interval)
    due = []
    for athlete in ctx.settings.athletes:
        at = seen.get(athlete.id)
        if at is None or _aware(at) <= horizon:
            due.append(athlete.id)
    return due


def digests_due(ctx: WorkerContext, now: datetime) -> list[str]:
    from strainwatch.notify.policy import digest_due

    with ctx.sessions() as session:
        last = dict(session.execute(select(Athlete.id, Athlete.last_digest_on)).all())
    notify = ctx.settings.notify
    return [
        a.id
        for a in ctx.settings.athletes
        if a.id in last and digest_due(now.astimezone(a.zone), notify.digest, notify.digest_time, last[a.id])
    ]


def _configured(ctx: WorkerContext, athlete_id: str) -> AthleteSettings | None:
    return next((a for a in ctx.settings.athletes if a.id == athlete_id), None)


def athlete_pass(ctx: WorkerContext, athlete_id: str) -> tuple[str, bool]:
    """One athlete's pass (pull and evaluate; mail is the delivery job's), under its lock:
    its summary, and whether it queued mail."""
    from strainwatch.pipeline.run_pass import run_pass

    if _configured(ctx, athlete_id) is None:
        return f"pass of {athlete_id}: no such athlete in the config any more", False
    try:
        with pass_lock(ctx.settings.database_url, athlete_id=athlete_id, engine=ctx.lock_engine):
            report = run_pass(
                ctx.settings,
                ctx.sessions,
                now=ctx.clock(),
                athlete_ids={athlete_id},
                deliver=False,
                should_stop=ctx.stopping.is_set,
            )
    except PassBusy as busy:
        return f"pass of {athlete_id} skipped: {busy.what}", False
    return f"pass of {athlete_id}: {report.summary()}", bool(report.queued)


def deliver(ctx: WorkerContext) -> str:
    from strainwatch.notify.transport import deliver_all

    return deliver_all(ctx.settings, ctx.sessions, ctx.clock()).summary()


def digest(ctx: WorkerContext, athlete_id: str) -> str:
    """Queue the athlete's digest when due; its date on the athlete's row and its idempotency
    key in the outbox make it once per period, the athlete's lock once at a time."""
    from strainwatch.notify.dispatch import queue_notifications
    from strainwatch.store.db import unit_of_work

    athlete = _configured(ctx, athlete_id)
    if athlete is None:
        return f"digest of {athlete_id}: no such athlete in the config any more"
    try:
        with (
            pass_lock(ctx.settings.database_url, athlete_id=athlete_id, engine=ctx.lock_engine),
            ctx.sessions() as session,
            unit_of_work(session),
        ):
            queued = queue_notifications(session, ctx.settings, athlete, ctx.clock())
    except PassBusy:
        return f"digest of {athlete_id}: its pass runs and queues the digest itself"
    return f"digest of {athlete_id}: {len(queued.subjects)} queued"


@dataclass(slots=True)
class Tasks:
    athlete_pass: Task[Any, Any, Any]
    deliver: Task[Any, Any, Any]
    digest: Task[Any, Any, Any]


def register(app: App, ctx: WorkerContext) -> Tasks:
    """The tasks and the periodic tick, bound to this process's context."""
    from procrastinate.exceptions import AlreadyEnqueued

    workers = ctx.settings.workers

    @app.task(name=PASS_TASK, queue="passes", priority=PASS_PRIORITY)
    async def pass_task(athlete_id: str) -> None:
        summary, queued = await asyncio.to_thread(athlete_pass, ctx, athlete_id)
        log.info("%s", summary)
        if queued:
            await _defer(deliver_task, "deliver")

    @app.task(name=DELIVER_TASK, queue="mail", priority=DELIVER_PRIORITY, lock="deliver")
    async def deliver_task() -> None:
        summary = await asyncio.to_thread(deliver, ctx)
        log.info("delivery: %s", summary)

    @app.task(name=DIGEST_TASK, queue="mail", priority=DIGEST_PRIORITY)
    async def digest_task(athlete_id: str) -> None:
        summary = await asyncio.to_thread(digest, ctx, athlete_id)
        log.info("%s", summary)
        await _defer(deliver_task, "deliver")

    async def _defer(task: Any, queueing_lock: str, **kwargs: Any) -> bool:
        try:
            await task.configure(queueing_lock=queueing_lock).defer_async(**kwargs)
        except AlreadyEnqueued:
            return False
        return True

    @app.periodic(cron=f"* * * * * */{workers.tick}", periodic_id="tick")
    @app.task(name=TICK_TASK, queue="ticks", priority=TICK_PRIORITY, queueing_lock="tick")
    async def tick_task(timestamp: int) -> None:
        now = ctx.clock()
        revived = await _revive_stalled(app, workers.stalled_after)
        waiting = await _waiting_locks(app)
        passes = await asyncio.to_thread(due_athletes, ctx, now)
        queued = 0
        for athlete_id in passes:
            if f"pass:{athlete_id}" not in waiting:
                queued += await _defer(pass_task, f"pass:{athlete_id}", athlete_id=athlete_id)
        digests = 0
        for athlete_id in await asyncio.to_thread(digests_due, ctx, now):
            if f"digest:{athlete_id}" not in waiting:
                digests += await _defer(digest_task, f"digest:{athlete_id}", athlete_id=athlete_id)
        await _defer(deliver_task, "deliver")
        if queued or digests or revived:
            log.info(
                "tick: %d pass(es) and %d digest(s) queued, %d stalled job(s) taken over",
                queued,
                digests,
                revived,
            )

    return Tasks(pass_task, deliver_task, digest_task)


async def _waiting_locks(app: App) -> set[str]:
    """The queueing locks of jobs waiting or running: those athletes are in hand already."""
    rows = await app.connector.execute_query_all_async(
        "SELECT queueing_lock FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
        "AND queueing_lock IS NOT NULL"
    )
    return {str(row["queueing_lock"]) for row in rows}


async def _revive_stalled(app: App, stalled_after: int) -> int:
    """Queue again the running jobs of dead workers (no heartbeat for `stalled_after` s)."""
    from procrastinate import jobs

    revived = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
        if job.task_name == TICK_TASK:  # the next tick is this one's successor
            await app.job_manager.finish_job(job, status=jobs.Status.FAILED, delete_job=False)
            continue
        try:
            await app.job_manager.retry_job(job)
        except Exception as error:  # a waiting job with its queueing lock covers it already
            log.info("stalled job %s of %s not retried (%s): closed", job.id, job.task_name, error)
            await app.job_manager.finish_job(job, status=jobs.Status.FAILED, delete_job=False)
            continue
        log.warning(
            "job %s (%s %s) of a dead worker queued again", job.id, job.task_name, _args(job.task_kwargs)
        )
        revived += 1
    return revived


def _args(kwargs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in kwargs.items())


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
