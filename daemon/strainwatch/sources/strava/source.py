"""The Strava source: an athlete's `[athletes.strava]` link, synced on every pass.

Its cursor is the account's `synced_until` and the stored activities' Strava ids (see
sync.py); stravalib is imported only when a pass actually syncs (a third of a second).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from strainwatch import clock
from strainwatch.config.compose import KindConfig
from strainwatch.sources.base import Check, Notice, PassHooks
from strainwatch.sources.strava.settings import (
    TABLE,
    AthleteStravaSettings,
    StravaSettings,
    app_of,
    link_of,
    needs_an_app,
    secrets,
)

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from sqlalchemy.orm import Session, sessionmaker

    from strainwatch.config.settings import AthleteSettings, Settings
    from strainwatch.kind_status import KindStatus
    from strainwatch.sources.base import SourceReport
    from strainwatch.sources.strava.sync import StravaReport
    from strainwatch.sources.strava.tables import StravaAccount

SUBJECTS = {"revoked": "Strava access needs renewing", "inactive": "Strava refuses the application"}


@dataclass(frozen=True, slots=True)
class StravaSource:
    settings: Settings
    athlete: AthleteSettings
    name: str = "strava"

    def sync(self, sessions: sessionmaker[Session], hooks: PassHooks) -> StravaReport:
        from strainwatch.sources.strava.sync import sync_strava

        report = sync_strava(
            sessions,
            self.settings,
            self.athlete,
            hooks.now,
            should_stop=hooks.should_stop,
            on_request=hooks.on_progress,
        )
        if report.problem:
            subject = SUBJECTS.get(report.problem, "Strava needs attention")
            key = f"strava:{report.problem}:{self.athlete.id}:{hooks.now:%Y-%m-%d}"
            report.notice = Notice(subject, report.message or subject, key)
        return report


class StravaKind:
    name = TABLE
    config = KindConfig(
        TABLE, top=StravaSettings, athlete=AthleteStravaSettings, check=needs_an_app, secrets=secrets
    )

    def configured(self, settings: Settings, athlete: AthleteSettings) -> StravaSource | None:
        link = link_of(athlete)
        if app_of(settings) is None or link is None or not link.enabled:
            return None
        return StravaSource(settings, athlete)

    def doctor(self, settings: Settings, sessions: sessionmaker[Session] | None) -> list[Check]:
        """Each linked athlete's token and scopes, and the last quota Strava reported."""
        from strainwatch.sources.strava.tables import StravaAccount, StravaAppState

        if app_of(settings) is None or sessions is None:
            return []
        out = []
        now = clock.now()
        with sessions() as session:
            state = session.get(StravaAppState, 1)
            for athlete in settings.athletes:
                if self.configured(settings, athlete) is not None:
                    out.append(_account_check(athlete.id, session.get(StravaAccount, athlete.id), now))
            if state is not None and state.limits:
                shown = ", ".join(f"{n} {u}/{lim}" for n, (lim, u) in sorted(state.limits.items()))
                seen = f"last seen {state.seen_at:%Y-%m-%d %H:%M} UTC: {shown}"
                out.append(Check("strava quota", True, seen))
        return out

    def status(self, settings: Settings, session: Session, athlete_ids: Collection[str]) -> KindStatus | None:
        return _status(session, athlete_ids)

    def watched(self, athlete: AthleteSettings) -> list[Path]:
        return []  # nothing to watch: a pass asks the service

    def takes_file(self, name: str) -> bool:
        return False

    def tables(self) -> list[type]:
        from strainwatch.sources.strava.tables import StravaAccount, StravaAppState, StravaGear

        return [StravaAccount, StravaAppState, StravaGear]

    def totals(self, reports: Sequence[SourceReport], dry_run: bool) -> None:
        """None: each athlete's own line says what it brought."""
        return


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _status(session: Session, athlete_ids: Collection[str]) -> KindStatus:
    """The application's quota (shared by every athlete, no athlete's data) and each of these
    athletes' link."""
    from sqlalchemy import select

    from strainwatch.kind_status import KindStatus
    from strainwatch.sources.strava.tables import StravaAccount, StravaAppState

    app = session.scalars(select(StravaAppState).order_by(StravaAppState.id.desc()).limit(1)).first()
    accounts = session.scalars(
        select(StravaAccount)
        .where(StravaAccount.athlete_id.in_(sorted(athlete_ids)))
        .order_by(StravaAccount.athlete_id)
    ).all()
    lines, problems = [], []
    if app is not None and app.limits:
        shown = ", ".join(f"{n} {u}/{lim}" for n, (lim, u) in sorted(app.limits.items()))
        blocked = f", blocked until {app.blocked_until:%Y-%m-%d %H:%M} UTC" if app.blocked_until else ""
        lines.append(f"quota seen {app.seen_at:%Y-%m-%d %H:%M} UTC: {shown}{blocked}")
    for a in accounts:
        last = f"{a.last_sync_at:%Y-%m-%d %H:%M} UTC" if a.last_sync_at else "never"
        line = f"{a.athlete_id}: last sync {last}" + (f", {a.problem}" if a.problem else "")
        lines.append(line)
        if a.problem:
            problems.append(line)
    data = {
        "quota": None
        if app is None
        else {
            "limits": app.limits,
            "seen_at": _iso(app.seen_at),
            "blocked_until": _iso(app.blocked_until),
        },
        "accounts": [
            {
                "athlete": a.athlete_id,
                "last_sync_at": _iso(a.last_sync_at),
                "problem": a.problem,
                "scopes": a.scopes,
            }
            for a in accounts
        ],
    }
    return KindStatus(TABLE, "Strava", lines, data, problems)


def _account_check(athlete_id: str, account: StravaAccount | None, now: datetime) -> Check:
    name = f"strava {athlete_id}"
    if account is None:
        return Check(name, False, "not linked: run `strainwatch strava auth`")
    if account.problem:
        return Check(name, False, f"{account.problem}: run `strainwatch strava auth`")
    scopes = account.scopes or "unknown"
    full = account.scopes is None or "activity:read_all" in account.scopes
    when = (
        "expired, refreshed on the next sync"
        if account.expires_at < now
        else f"valid until {account.expires_at:%H:%M} UTC"
    )
    return Check(name, full, f"token {when}, scopes {scopes}", warning=not full)


STRAVA = StravaKind()
