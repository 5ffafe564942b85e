"""What `doctor` and `status` say about `strainwatch worker`: the workers alive, the queue's
depth and its oldest waiting job, read from procrastinate's tables (PostgreSQL installs that
ran `strainwatch worker init`; None elsewhere). Ages use the database's clock, like the
workers' heartbeats."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text


@dataclass(frozen=True, slots=True)
class QueueOverview:
    workers: int  # heartbeat within `stalled_after`
    silent_workers: int  # registered, but silent for longer: dead, their jobs are taken over
    waiting: int  # due jobs not started yet
    running: int
    oldest_waiting_s: float | None  # how long the oldest due job has waited
    failed: int

    def line(self) -> str:
        oldest = "" if self.oldest_waiting_s is None else f", oldest waiting {_age(self.oldest_waiting_s)}"
        silent = f", {self.silent_workers} silent" if self.silent_workers else ""
        failed = f", {self.failed} failed" if self.failed else ""
        return (
            f"{self.workers} worker(s) alive{silent}; {self.waiting} job(s) waiting, "
            f"{self.running} running{oldest}{failed}"
        )

    def healthy(self, tick_s: int) -> bool:
        """Workers alive, and nothing waiting much longer than a few ticks."""
        stuck = self.oldest_waiting_s is not None and self.oldest_waiting_s > max(300, 10 * tick_s)
        return self.workers > 0 and not stuck


def queue_overview(engine: Engine, stalled_after_s: int) -> QueueOverview | None:
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        present = connection.execute(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar()
        if not present:
            return None
        alive, silent = connection.execute(
            text(
                "SELECT count(*) FILTER (WHERE last_heartbeat >= now() - make_interval(secs => :s)), "
                "count(*) FILTER (WHERE last_heartbeat < now() - make_interval(secs => :s)) "
                "FROM procrastinate_workers"
            ),
            {"s": stalled_after_s},
        ).one()
        waiting, running, failed = connection.execute(
            text(
                "SELECT count(*) FILTER (WHERE status = 'todo' "
                "AND (scheduled_at IS NULL OR scheduled_at <= now())), "
                "count(*) FILTER (WHERE status = 'doing'), count(*) FILTER (WHERE status = 'failed') "
                "FROM procrastinate_jobs"
            )
        ).one()
        oldest = connection.execute(
            text(
                "SELECT extract(epoch FROM now() - min(e.at)) FROM procrastinate_jobs j "
                "JOIN procrastinate_events e ON e.job_id = j.id AND e.type = 'deferred' "
                "WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())"
            )
        ).scalar()
    age = None if oldest is None else float(oldest)
    return QueueOverview(int(alive), int(silent), int(waiting), int(running), age, int(failed))


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
