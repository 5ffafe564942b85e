"""One athlete's intervals.icu sync inside the pass.

Listing is by local date range: the first pass reaches `backfill_days` back, later passes
start 48 hours before the newest activity seen (late uploads and edits), and anything
stored from that window but no longer listed was deleted there. Streams are fetched once
for runs of the last 42 days (again after an edit). Request budget: a pass with nothing
new costs ONE listing request; a backfill one listing plus one per recent run.

intervals.icu's own troubles never raise: a refused key (401/403) stops every request
until the configured key changes, with one notice; 429, 5xx and timeouts defer the whole
source to a later pass, waiting longer after each failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from strainwatch.config.secret_files import read_secret
from strainwatch.config.settings import AthleteSettings
from strainwatch.domain import RUNNING_SPORT_TYPES, Deletion, Recording, SourceBatch
from strainwatch.errors import ConfigError
from strainwatch.sources.base import Notice
from strainwatch.sources.intervals.client import (
    IntervalsClient,
    IntervalsDeferred,
    IntervalsGone,
    IntervalsMalformed,
    IntervalsRefused,
    key_fingerprint,
)
from strainwatch.sources.intervals.mapping import is_strava_stub, start_of, stream_values, summary_values
from strainwatch.sources.intervals.settings import AthleteIntervalsSettings, account_of
from strainwatch.sources.intervals.tables import IntervalsAccount
from strainwatch.store import overrides, repository
from strainwatch.store.apply import apply_batch
from strainwatch.store.db import unit_of_work
from strainwatch.store.dedup import KnownActivities
from strainwatch.store.models import Activity

log = logging.getLogger(__name__)

SOURCE = "intervals"
OVERLAP = timedelta(hours=48)
ANALYSIS_WINDOW = timedelta(days=42)
BACKOFF_FIRST = timedelta(minutes=5)
BACKOFF_MOST = timedelta(hours=6)
EDITABLE = (
    "start_date",
    "start_date_local",
    "type",
    "name",
    "description",
    "distance",
    "icu_distance",
    "moving_time",
    "elapsed_time",
    "total_elevation_gain",
    "average_heartrate",
    "max_heartrate",
    "average_cadence",
    "trainer",
    "source",
    "gear",
)  # what the runner or the device can change: a difference is an edit
STUB_NOTE = (
    "intervals.icu does not hand out through its API the activities it received from Strava "
    "({count} skipped, e.g. {example}). Add [athletes.strava] (a Strava API application), or "
    "import Strava's bulk export zip through [athletes.files], to have them counted."
)


@dataclass(slots=True)
class IntervalsReport:
    athlete: str
    requests: int = 0
    new: int = 0
    updated: int = 0
    deleted: int = 0
    stubs: int = 0
    skipped: str | None = None  # no request made: refused key still configured, or backing off
    deferred: str | None = None  # asked this pass, answered 429/5xx/nothing
    refused: str | None = None
    error: str | None = None
    stub_note: str | None = None
    held_back: list[str] = field(default_factory=list)
    notice: Notice | None = None

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated or self.deleted)

    @property
    def failure(self) -> str | None:
        return self.refused or self.error or self.deferred or self.skipped

    def item_lines(self) -> list[str]:
        """Nothing item by item: its summary line says what went wrong."""
        return []

    def summary(self) -> str:
        text = f"intervals {self.athlete}: "
        if self.skipped:
            return text + self.skipped
        text += f"{self.new} new, {self.updated} updated, {self.deleted} deleted, {self.requests} requests"
        if self.stubs:
            text += f"; {self.stubs} from Strava skipped (not given out by intervals.icu's API)"
        for problem in (self.refused, self.deferred, self.error):
            if problem:
                text += f"; {problem}"
        for held in self.held_back:
            text += f"; held back {held}"
        return text


def _account(session: Session, athlete_id: str, now: datetime) -> IntervalsAccount:
    account = session.get(IntervalsAccount, athlete_id)
    if account is None:
        account = IntervalsAccount(athlete_id=athlete_id, failures=0, updated_at=now)
        session.add(account)
        session.flush()
    return account


def sync_intervals(
    sessions: sessionmaker[Session],
    athlete: AthleteSettings,
    now: datetime,
    *,
    should_stop: Callable[[], bool] | None = None,
    on_request: Callable[[], None] | None = None,
) -> IntervalsReport:
    """One athlete's intervals.icu pass; reports trouble instead of raising it."""
    config = account_of(athlete)
    if config is None:
        raise ConfigError(f"athlete {athlete.id} has no [athletes.intervals] table")
    report = IntervalsReport(athlete.id)
    key = read_secret(f"intervals-{athlete.id}", config.api_key_file)
    from strainwatch.logsetup import redactor

    redactor.add([key])
    fingerprint = key_fingerprint(f"{config.base_url} {config.athlete_id} {key}")
    with sessions() as session, unit_of_work(session):
        repository.ensure_athlete(session, athlete.id, athlete.name, now)
        account = _account(session, athlete.id, now)
        refused, blocked = account.refused_key, account.blocked_until
    if refused == fingerprint:
        report.skipped = "the API key was refused; no requests until it changes in the config"
        return report
    if blocked is not None and now < blocked:
        report.skipped = f"deferred until {blocked:%Y-%m-%d %H:%M} UTC after trouble at intervals.icu"
        return report
    client = IntervalsClient(config.base_url, key, timeout=config.timeout, now=now, on_request=on_request)
    try:
        with sessions() as session:
            stop = should_stop or (lambda: False)
            _Sync(session, athlete, config, client, now=now, report=report, should_stop=stop).run()
        outcome: tuple[str | None, datetime | None, bool] = (None, None, False)
    except IntervalsRefused as error:
        report.refused = f"{error.what}: check api_key_file and athlete_id in [athletes.intervals]"
        report.notice = Notice(
            "intervals.icu refused the API key",
            f"intervals.icu answered that the API key of athlete {athlete.id} is not valid for "
            f"{config.athlete_id} ({error.what}). strainwatch makes no further requests until the "
            "key or athlete id in [athletes.intervals] changes. Create a key in intervals.icu under "
            "Settings, Developer Settings, and write it to the configured api_key_file.",
            key=f"intervals:refused:{athlete.id}:{fingerprint[:12]}",
        )
        outcome = (fingerprint, None, False)
    except IntervalsDeferred as error:
        report.deferred = error.what
        outcome = (None, error.retry_at, True)
    except IntervalsMalformed as error:
        report.error = error.what
        outcome = (None, None, True)
    finally:
        report.requests = client.requests
        client.close()
    refused_key, retry_at, failed = outcome
    with sessions() as session, unit_of_work(session):
        account = _account(session, athlete.id, now)
        account.refused_key = refused_key
        account.failures = account.failures + 1 if failed else 0
        if failed:
            backoff = min(BACKOFF_FIRST * 2 ** (account.failures - 1), BACKOFF_MOST)
            account.blocked_until = max(retry_at or now, now + backoff)
            log.warning(
                "intervals.icu for %s deferred until %s UTC: %s",
                athlete.id,
                f"{account.blocked_until:%H:%M}",
                report.deferred or report.error,
            )
        else:
            account.blocked_until = None
        account.last_sync_at, account.updated_at = now, now
    return report


class _Sync:
    def __init__(
        self,
        session: Session,
        athlete: AthleteSettings,
        config: AthleteIntervalsSettings,
        client: IntervalsClient,
        *,
        now: datetime,
        report: IntervalsReport,
        should_stop: Callable[[], bool],
    ) -> None:
        self.session, self.athlete, self.config, self.client = session, athlete, config, client
        self.now, self.report, self.should_stop = now, report, should_stop
        with unit_of_work(session):
            self.known: KnownActivities = repository.known_activities(session, athlete.id)

    def run(self) -> None:
        with unit_of_work(self.session):
            account = _account(self.session, self.athlete.id, self.now)
            since = account.synced_until
        start = self.now - timedelta(days=self.config.backfill_days) if since is None else since - OVERLAP
        zone = self.athlete.zone
        oldest = start.astimezone(zone).date()
        newest = (self.now + timedelta(days=1)).astimezone(zone).date()
        items = self.client.activities(self.config.athlete_id, oldest, newest)
        listed: set[str] = set()
        stubs: list[dict[str, Any]] = []
        with unit_of_work(self.session):
            newest_start = self._store(items, listed, stubs)
            self._mark_deleted(oldest.isoformat(), listed)
            account = _account(self.session, self.athlete.id, self.now)
            if newest_start is not None and (
                account.synced_until is None or newest_start > account.synced_until
            ):
                account.synced_until = newest_start
            elif account.synced_until is None:
                account.synced_until = self.now  # nothing in the backfill window
            if stubs:
                self._note_stubs(account, stubs)
        self._fetch_streams()

    def _store(
        self, items: list[dict[str, Any]], listed: set[str], stubs: list[dict[str, Any]]
    ) -> datetime | None:
        newest: datetime | None = None
        zone = self.athlete.zone
        recordings: list[Recording] = []
        for item in items:
            if is_strava_stub(item):
                stubs.append(item)
                continue
            try:
                key = str(item["id"])
                values = summary_values(item, zone)
            except (KeyError, TypeError, ValueError) as error:
                log.warning("skipped a malformed intervals.icu activity %s: %s", item.get("id", "?"), error)
                continue
            listed.add(key)
            start = values["start_time"]
            newest = start if newest is None or start > newest else newest
            # streams are asked for (again, after an edit) unless it was typed in
            unrefined = {
                "gap_s_per_km": values["pace_s_per_km"],
                "descent_m": None,
                "gap_profile": {},
                "corrections": None,
                "streams_state": "none" if values["manual"] else None,
            }
            recordings.append(
                Recording(
                    key, {**values, **unrefined}, samples=values["has_gps"], summary=item, edit_keys=EDITABLE
                )
            )
        batch = SourceBatch(SOURCE, tuple(recordings), cursor=newest)
        result = apply_batch(self.session, self.athlete.id, batch, self.known, self.now)
        self.report.new += result.new
        self.report.updated += result.updated
        self.report.stubs = len(stubs)
        return batch.cursor

    def _mark_deleted(self, oldest: str, listed: set[str]) -> None:
        """Stored activities of the listed window (by their local date, as intervals.icu
        lists them) that the listing no longer holds."""
        earliest = datetime.fromisoformat(oldest).replace(tzinfo=self.athlete.zone) - timedelta(days=1)
        deletions = []
        for key, start, raw in repository.stored_since(self.session, self.athlete.id, SOURCE, earliest):
            local_day = str(raw.get("summary", {}).get("start_date_local") or "")[:10]
            day = local_day or start.astimezone(self.athlete.zone).date().isoformat()
            if day >= oldest and key not in listed:
                deletions.append(Deletion(key))
        if deletions:
            batch = SourceBatch(SOURCE, deletions=tuple(deletions))
            applied = apply_batch(self.session, self.athlete.id, batch, self.known, self.now)
            self.report.deleted += len(applied.deleted)

    def _note_stubs(self, account: IntervalsAccount, stubs: list[dict[str, Any]]) -> None:
        example = (
            f"{stubs[0].get('type') or 'activity'} on {str(stubs[0].get('start_date_local') or '?')[:10]}"
        )
        self.report.stub_note = STUB_NOTE.format(count=len(stubs), example=example)
        if account.stubs_noted_at is None:  # said once, in the log and one mail; the summary counts them
            account.stubs_noted_at = self.now
            log.warning("intervals %s: %s", self.athlete.id, self.report.stub_note)
            self.report.notice = Notice(
                "Some activities in intervals.icu come from Strava",
                self.report.stub_note,
                key=f"intervals:strava-stubs:{self.athlete.id}",
            )

    def _fetch_streams(self) -> None:
        """Streams of the analysis window's runs, and of runs the runner cropped (whatever
        their age), cleaned with the crop."""
        with unit_of_work(self.session):
            crops = {
                k: v
                for (source, k), v in overrides.crops_of(self.session, self.athlete.id).items()
                if source == SOURCE
            }
            recent = Activity.start_time >= self.now - ANALYSIS_WINDOW
            candidates = list(
                self.session.scalars(
                    select(Activity)
                    .where(
                        Activity.athlete_id == self.athlete.id,
                        Activity.source == SOURCE,
                        Activity.deleted.is_(False),
                        Activity.streams_state.is_(None),
                        or_(recent, Activity.external_id.in_(sorted(crops))),
                        Activity.sport_type.in_(sorted(RUNNING_SPORT_TYPES)),
                    )
                    .order_by(Activity.start_time)
                )
            )
        for activity in candidates:
            if self.should_stop():
                return
            try:
                streams = self.client.streams(activity.external_id)
            except IntervalsGone:
                streams = {}
            except IntervalsMalformed as error:
                self.report.held_back.append(f"{activity.external_id}: {error.what}")
                continue
            with unit_of_work(self.session):
                summary = self._summary(activity)
                keep = crops.get(activity.external_id)
                refined = stream_values(activity.start_time, summary, streams, keep)
                for name, value in (refined or {}).items():
                    setattr(activity, name, value)
                activity.streams_state = "fetched" if refined is not None else "none"
                activity.updated_at = self.now

    def _summary(self, activity: Activity) -> dict[str, Any]:
        """The figures intervals.icu listed (not the stored ones: a crop or a cleaning may have
        changed those), for the streams' metrics."""
        listed = activity.raw.get("summary")
        values = summary_values(listed, self.athlete.zone) if isinstance(listed, dict) and listed else {}
        return {
            "distance_m": values.get("distance_m", activity.distance_m),
            "moving_time_s": values.get("moving_time_s", activity.moving_time_s),
            "elapsed_time_s": values.get("elapsed_time_s", activity.elapsed_time_s),
            "avg_hr": values.get("avg_hr", activity.avg_hr),
            "sport_type": activity.sport_type,
        }


__all__ = ["IntervalsReport", "start_of", "sync_intervals"]
