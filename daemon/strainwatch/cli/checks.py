"""`strainwatch doctor`: a checklist of everything that must work, in the order to fix it.

It reads secrets, the schema and the store through the functions the passes use, so a
check passes exactly when the real thing would work; each source kind adds its own checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from strainwatch import clock
from strainwatch.config.settings import Settings
from strainwatch.errors import StrainwatchError
from strainwatch.sources.base import Check, probe

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


def checks(settings: Settings) -> list[Check]:
    from strainwatch.pipeline.plans import PLAN_KINDS
    from strainwatch.pipeline.sources import KINDS
    from strainwatch.store.db import open_database

    database = probe("database", lambda: _database(settings))
    results = [Check("config", True, str(settings.source_file)), database, *_secret_checks(settings)]
    sessions = open_database(settings.database_url, migrate=False) if database.ok else None
    for kind in KINDS:
        results.extend(kind.doctor(settings, sessions))
    for plan_kind in PLAN_KINDS:
        results.extend(plan_kind.doctor(settings, clock.now()))
    results.append(_watch(settings))
    if sessions is not None:
        results.extend(_health_checks(settings, sessions))
    results.extend(_channel_checks(settings))
    if sessions is not None:
        results.extend(_channel_status(settings, sessions))
        results.append(_outbox(sessions))
        if (workers := _workers(settings)) is not None:
            results.append(workers)
    return results


def _watch(settings: Settings) -> Check:
    """How the daemon notices new files: inotify, polling (network mounts), or not at all."""
    from strainwatch.runtime.watch import plan_watch

    if not settings.watch.enabled:
        return Check("watch", True, "off ([watch] enabled = false): new files wait for the next pass")
    plan = plan_watch(settings)
    detail = plan.describe()
    if plan.polled:
        detail += f"; polled every {settings.watch.poll_interval:g} s"
    missing = "watchfiles not installed" in (plan.why_polled or "") and settings.watch.mode != "poll"
    return Check("watch", not missing, detail, warning=missing)


def _workers(settings: Settings) -> Check | None:
    """PostgreSQL installs with `strainwatch worker`: workers alive, queue depth, oldest job."""
    from strainwatch.store.db import create_db_engine
    from strainwatch.store.job_queue import queue_overview

    engine = create_db_engine(settings.database_url)
    try:
        overview = queue_overview(engine, settings.workers.stalled_after)
    finally:
        engine.dispose()
    if overview is None:
        return None
    ok = overview.healthy(settings.workers.tick)
    hint = "" if ok else " (start one: systemctl start strainwatch-worker, or `strainwatch worker`)"
    return Check("workers", ok, overview.line() + hint)


def _database(settings: Settings) -> str:
    from strainwatch.store.db import MIGRATIONS, check_schema, create_db_engine, head_revision, safe_url

    current = check_schema(create_db_engine(settings.database_url))
    head = head_revision()
    if current != head:
        raise StrainwatchError(
            f"schema at {current}, code expects {head}", hint="run: strainwatch db upgrade"
        )
    return f"{safe_url(settings.database_url)}, schema {current} ({MIGRATIONS.name} up to date)"


def _secret_checks(settings: Settings) -> list[Check]:
    """Each secret file a kind reads, read as the kind reads it."""
    from strainwatch.config.secret_files import read_secret
    from strainwatch.kinds import kind_configs

    wanted = [secret for config in kind_configs() for secret in config.secrets_of(settings)]
    out = []
    for name, file in wanted:

        def secret(name: str = name, file: Path | None = file) -> str:
            read_secret(name, file)
            return f"{file} (mode 0600)" if file is not None else f"$CREDENTIALS_DIRECTORY/{name}"

        out.append(probe(f"secret {name}", secret))
    return out


def _health_checks(settings: Settings, sessions: sessionmaker[Session]) -> list[Check]:
    """What the passes recorded per athlete and source: failing when the last error is newer
    than the last success (a broken rule, a source Strava refuses, a message not rendered)."""
    from strainwatch.store.health import health_of

    configured = {athlete.id for athlete in settings.athletes}
    with sessions() as session:
        rows = [h for h in health_of(session) if h.athlete in configured]
    return [Check(f"{h.source} of {h.athlete}", not h.failing, h.line()) for h in rows]


def _channel_checks(settings: Settings) -> list[Check]:
    """Each kind of channel's own checks, without sending (a channel of no known kind is
    refused when the config is read)."""
    from strainwatch.notify.channels.registry import KINDS

    return [check for kind in KINDS for check in kind.doctor(settings)]


def _channel_status(settings: Settings, sessions: sessionmaker[Session]) -> list[Check]:
    """What each channel delivered: sent (and when last), waiting, parked, the last error."""
    from strainwatch.notify.channels.registry import KINDS

    ids = [a.id for a in settings.athletes]
    with sessions() as session:
        found = [s for kind in KINDS if (s := kind.status(settings, session, ids)) is not None]
    return [
        Check(f"{status.title.lower()} channel", line not in status.problems, line)
        for status in found
        for line in status.lines
    ]


def _outbox(sessions: sessionmaker[Session]) -> Check:
    from sqlalchemy import func, select

    from strainwatch.store.models import Outbox

    with sessions() as session:
        counts = dict(session.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all())
    parked, pending = counts.get("parked", 0), counts.get("pending", 0)
    detail = f"{pending} pending, {parked} parked, {counts.get('sent', 0)} sent"
    if parked:
        return Check("outbox", False, detail + " (see `strainwatch outbox`, then `strainwatch outbox retry`)")
    return Check("outbox", True, detail)
