"""`strainwatch doctor`: a checklist of everything that must work, in the order to fix it."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from strainwatch import clock
from strainwatch.config import Settings
from strainwatch.errors import StrainwatchError


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    warning: bool = False  # worth knowing, not broken

    def line(self) -> str:
        mark = "ok  " if self.ok else ("warn" if self.warning else "FAIL")
        return f"[{mark}] {self.name}: {self.detail}"


def _run(name: str, probe: Callable[[], str]) -> Check:
    try:
        return Check(name, True, probe())
    except StrainwatchError as error:
        return Check(name, False, str(error) + (f" ({error.hint})" if error.hint else ""))
    except Exception as error:  # a checklist reports, it does not crash
        return Check(name, False, f"{type(error).__name__}: {error}")


def checks(settings: Settings) -> list[Check]:
    from strainwatch.store.db import MIGRATIONS, create_db_engine, open_database, safe_url

    results = [Check("config", True, str(settings.source_file))]

    def database() -> str:
        from alembic.script import ScriptDirectory

        from strainwatch.store.db import _alembic_config, check_schema

        engine = create_db_engine(settings.database_url)
        head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
        current = check_schema(engine)
        if current != head:
            raise StrainwatchError(
                f"schema at {current}, code expects {head}", hint="run: strainwatch db upgrade"
            )
        return f"{safe_url(settings.database_url)}, schema {current} ({MIGRATIONS.name} up to date)"

    results.append(_run("database", database))
    results.extend(_secret_checks(settings))
    for athlete in settings.athletes:
        for path in athlete.files.paths:
            readable = path.exists() and os.access(path, os.R_OK | (os.X_OK if path.is_dir() else 0))
            detail = f"{path} readable" if readable else f"{path} missing or not readable"
            results.append(Check(f"files of {athlete.id}", readable, detail))
    sessions = None
    if results[1].ok:
        sessions = open_database(settings.database_url, migrate=False)
        results.extend(_strava_checks(settings, sessions))
        results.extend(_health_checks(settings, sessions))
    results.append(_run("mail", lambda: _mail(settings)))
    if sessions is not None:
        results.append(_outbox(sessions))
    return results


def _secret_checks(settings: Settings) -> list[Check]:
    from strainwatch.secret_files import check_private

    out = []
    wanted: list[tuple[str, Path | None]] = []
    if settings.smtp is not None and settings.smtp.username:
        wanted.append(("smtp-password", settings.smtp.password_file))
    if settings.strava is not None:
        wanted.append(("strava-client-secret", settings.strava.client_secret_file))
    for name, file in wanted:

        def probe(name: str = name, file: Path | None = file) -> str:
            if file is not None:
                check_private(file)
                return f"{file} (mode 0600)"
            directory = os.environ.get("CREDENTIALS_DIRECTORY")
            if directory and (Path(directory) / name).is_file():
                return f"$CREDENTIALS_DIRECTORY/{name}"
            raise StrainwatchError(f"no {name} file configured", hint="set the *_file key or LoadCredential=")

        out.append(_run(f"secret {name}", probe))
    return out


def _strava_checks(settings: Settings, sessions: object) -> list[Check]:
    from strainwatch.store.models import StravaAccount, StravaAppState

    if settings.strava is None:
        return []
    out = []
    now = clock.now()
    with sessions() as session:  # type: ignore[operator]
        state = session.get(StravaAppState, 1)
        for athlete in settings.athletes:
            if athlete.strava is None or not athlete.strava.enabled:
                continue
            account = session.get(StravaAccount, athlete.id)
            if account is None:
                out.append(Check(f"strava {athlete.id}", False, "not linked: run `strainwatch strava auth`"))
                continue
            if account.problem:
                out.append(
                    Check(f"strava {athlete.id}", False, f"{account.problem}: run `strainwatch strava auth`")
                )
                continue
            scopes = account.scopes or "unknown"
            full = account.scopes is None or "activity:read_all" in account.scopes
            when = (
                "expired, refreshed on the next sync"
                if account.expires_at < now
                else f"valid until {account.expires_at:%H:%M} UTC"
            )
            out.append(
                Check(f"strava {athlete.id}", full, f"token {when}, scopes {scopes}", warning=not full)
            )
        if state is not None and state.limits:
            shown = ", ".join(f"{n} {u}/{lim}" for n, (lim, u) in sorted(state.limits.items()))
            out.append(Check("strava quota", True, f"last seen {state.seen_at:%Y-%m-%d %H:%M} UTC: {shown}"))
    return out


def _health_checks(settings: Settings, sessions: object) -> list[Check]:
    """What the passes recorded per athlete and source: failing when the last error is newer
    than the last success (a broken rule, a source Strava refuses, a message not rendered)."""
    from strainwatch.health import health_of

    configured = {athlete.id for athlete in settings.athletes}
    with sessions() as session:  # type: ignore[operator]
        rows = [h for h in health_of(session) if h.athlete in configured]
    return [Check(f"{h.source} of {h.athlete}", not h.failing, h.line()) for h in rows]


def _mail(settings: Settings) -> str:
    from strainwatch.notify.channels.email import SmtpChannel
    from strainwatch.notify.transport import transport_for

    transport = transport_for(settings)
    if isinstance(transport, SmtpChannel):
        return transport.check()
    path = settings.mbox_path
    folder = path.parent if path.parent.exists() else path.parent.parent
    if not os.access(folder, os.W_OK):
        raise StrainwatchError(f"cannot write {path}")
    return f"no [smtp]: mail goes to {path}"


def _outbox(sessions: object) -> Check:
    from strainwatch.store.models import Outbox

    with sessions() as session:  # type: ignore[operator]
        counts = dict(session.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all())
    parked, pending = counts.get("parked", 0), counts.get("pending", 0)
    detail = f"{pending} pending, {parked} parked, {counts.get('sent', 0)} sent"
    if parked:
        return Check("outbox", False, detail + " (see `strainwatch outbox`, then `strainwatch outbox retry`)")
    return Check("outbox", True, detail)
