"""The intervals.icu source: an athlete's `[athletes.intervals]`, synced on every pass."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from strainwatch.config.compose import KindConfig
from strainwatch.sources.base import Check, PassHooks
from strainwatch.sources.intervals.settings import TABLE, AthleteIntervalsSettings, account_of

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session, sessionmaker

    from strainwatch.config.settings import AthleteSettings, Settings
    from strainwatch.kind_status import KindStatus
    from strainwatch.sources.base import SourceReport
    from strainwatch.sources.intervals.sync import IntervalsReport


@dataclass(frozen=True, slots=True)
class IntervalsSource:
    athlete: AthleteSettings
    name: str = "intervals"

    def sync(self, sessions: sessionmaker[Session], hooks: PassHooks) -> IntervalsReport:
        from strainwatch.sources.intervals.sync import sync_intervals

        return sync_intervals(
            sessions, self.athlete, hooks.now, should_stop=hooks.should_stop, on_request=hooks.on_progress
        )


class IntervalsKind:
    name = TABLE
    config = KindConfig(TABLE, athlete=AthleteIntervalsSettings)

    def configured(self, settings: Settings, athlete: AthleteSettings) -> IntervalsSource | None:
        account = account_of(athlete)
        if account is None or not account.enabled:
            return None
        return IntervalsSource(athlete)

    def doctor(self, settings: Settings, sessions: sessionmaker[Session] | None) -> list[Check]:
        """Each athlete's key readable and private, and whether intervals.icu refused it."""
        from strainwatch.config.secret_files import read_secret
        from strainwatch.errors import StrainwatchError
        from strainwatch.sources.intervals.client import key_fingerprint
        from strainwatch.sources.intervals.tables import IntervalsAccount

        out = []
        for athlete in settings.athletes:
            config = account_of(athlete)
            if config is None or not config.enabled:
                continue
            name = f"intervals {athlete.id}"
            try:
                key = read_secret(f"intervals-{athlete.id}", config.api_key_file)
            except StrainwatchError as error:
                out.append(Check(name, False, str(error) + (f" ({error.hint})" if error.hint else "")))
                continue
            account = None
            if sessions is not None:
                with sessions() as session:
                    account = session.get(IntervalsAccount, athlete.id)
            fingerprint = key_fingerprint(f"{config.base_url} {config.athlete_id} {key}")
            if account is not None and account.refused_key == fingerprint:
                out.append(
                    Check(name, False, "intervals.icu refused this API key: write a new one to the key file")
                )
            elif account is not None and account.synced_until is not None:
                until = f"{account.synced_until:%Y-%m-%d %H:%M} UTC"
                out.append(
                    Check(name, True, f"{config.base_url}, athlete {config.athlete_id}, synced up to {until}")
                )
            else:
                out.append(
                    Check(
                        name,
                        True,
                        f"{config.base_url}, athlete {config.athlete_id}, key readable; not synced yet",
                    )
                )
        return out

    def status(self, settings: Settings, session: Session, athlete_ids: Collection[str]) -> KindStatus | None:
        """Each of these athletes' cursor: the last sync, a refused key, a back-off."""
        from strainwatch.kind_status import KindStatus
        from strainwatch.sources.intervals.tables import IntervalsAccount

        linked = [a.id for a in settings.athletes if a.id in athlete_ids and account_of(a) is not None]
        if not linked:
            return None
        lines, problems, accounts = [], [], []
        for athlete_id in sorted(linked):
            account = session.get(IntervalsAccount, athlete_id)
            last = account.last_sync_at if account is not None else None
            refused = account is not None and account.refused_key is not None
            blocked = account.blocked_until if account is not None else None
            line = f"{athlete_id}: last sync " + (f"{last:%Y-%m-%d %H:%M} UTC" if last else "never")
            if refused:
                line += ", the API key was refused"
            if blocked is not None:
                line += f", waiting until {blocked:%Y-%m-%d %H:%M} UTC"
            lines.append(line)
            if refused:
                problems.append(line)
            accounts.append(
                {
                    "athlete": athlete_id,
                    "last_sync_at": last.isoformat() if last else None,
                    "key_refused": refused,
                    "blocked_until": blocked.isoformat() if blocked else None,
                }
            )
        return KindStatus(TABLE, "intervals.icu", lines, {"accounts": accounts}, problems)

    def watched(self, athlete: AthleteSettings) -> list[Path]:
        return []  # nothing to watch: a pass asks the service

    def takes_file(self, name: str) -> bool:
        return False

    def tables(self) -> list[type]:
        from strainwatch.sources.intervals.tables import IntervalsAccount

        return [IntervalsAccount]

    def totals(self, reports: Sequence[SourceReport], dry_run: bool) -> None:
        """None: each athlete's own line says what it brought."""
        return


INTERVALS = IntervalsKind()
