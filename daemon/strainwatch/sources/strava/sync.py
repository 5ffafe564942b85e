"""One athlete's Strava sync inside the pass: list (incrementally, with a 48-hour overlap),
store every activity, fetch detail and streams for runs in the analysis window, name the
gear, mark deletions, and stop cleanly when the quota or Strava says so.

Request budget: a pass with nothing new costs one list request per athlete (token refreshes
aside); a backfill of N activities costs ceil((N+1)/200) list requests (the listing ends at
the first page shorter than 200) plus two per run in the last 42 days plus one per new shoe;
nothing is fetched twice (detail and streams are recorded per activity; empty streams are
asked for again on later passes for a day).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from strainwatch.config.secret_files import read_secret
from strainwatch.config.settings import AthleteSettings, Settings
from strainwatch.domain import (
    NAN,
    RUNNING_SPORT_TYPES,
    Deletion,
    DeviceSummary,
    Recording,
    SourceBatch,
    Track,
)
from strainwatch.errors import ConfigError, SourceError
from strainwatch.metrics.activity import compute_metrics, pace_s_per_km
from strainwatch.sources.base import Notice
from strainwatch.sources.cleaned import cleaned_values
from strainwatch.sources.strava.client import (
    Quota,
    StravaClient,
    StravaDeferred,
    StravaGone,
    StravaInactive,
    StravaMalformed,
    StravaQuotaKept,
    StravaRateLimited,
    StravaRefused,
    StravaRevoked,
    StravaUnavailable,
    Tokens,
    window_start,
)
from strainwatch.sources.strava.settings import StravaSettings, app_of, link_of
from strainwatch.sources.strava.tables import StravaAccount, StravaAppState, StravaGear
from strainwatch.store import overrides, repository
from strainwatch.store.apply import apply_batch
from strainwatch.store.db import unit_of_work
from strainwatch.store.dedup import KnownActivities
from strainwatch.store.models import Activity
from strainwatch.store.quota import SharedQuota

log = logging.getLogger(__name__)

SOURCE = "strava"
PAGE = 200
OVERLAP = timedelta(hours=48)
ANALYSIS_WINDOW = timedelta(days=42)
STREAMS_PATIENCE = timedelta(days=1)
STREAM_KEYS = "time,distance,altitude,velocity_smooth,grade_smooth,heartrate,cadence"
RETRY_FIRST = timedelta(minutes=15)  # an activity Strava refused: asked again after this, doubling
RETRY_MOST = timedelta(days=1)
OUTAGE = 3  # this many activities in a row answered 5xx: Strava's trouble, not theirs


@dataclass(slots=True)
class StravaReport:
    athlete: str
    requests: int = 0
    new: int = 0
    updated: int = 0
    deleted: int = 0
    deferred: str | None = None
    problem: str | None = None  # revoked | inactive, first time only
    message: str | None = None
    skipped: str | None = None
    error: str | None = None  # the source failed as a whole this pass (an unexpected answer)
    trouble: str | None = None  # Strava unreachable or failing (not the quota): deferred, and unhealthy
    gone: list[str] = field(default_factory=list)  # activities Strava no longer has
    held_back: list[str] = field(default_factory=list)  # "id: reason", asked again on a later pass
    notice: Notice | None = None  # a problem only the runner can mend: mailed once

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated or self.deleted)

    @property
    def failure(self) -> str | None:
        """What keeps this athlete's Strava source from being healthy, for `doctor`/`status`."""
        if self.error or self.message or self.skipped or self.trouble:
            return self.error or self.message or self.skipped or self.trouble
        if self.held_back:
            return f"{len(self.held_back)} activity(ies) held back: " + "; ".join(self.held_back[:3])
        return None

    def item_lines(self) -> list[str]:
        """Nothing item by item: its summary line says what went wrong."""
        return []

    def summary(self) -> str:
        if self.skipped:
            return f"strava {self.athlete}: {self.skipped}"
        text = (
            f"strava {self.athlete}: {self.new} new, {self.updated} updated, {self.deleted} deleted, "
            f"{self.requests} requests"
        )
        if self.deferred:
            text += f"; deferred: {self.deferred}"
        if self.error:
            text += f"; failed: {self.error}"
        if self.gone:
            text += f"; gone from Strava: {', '.join(self.gone)}"
        for held in self.held_back:
            text += f"; held back {held}"
        if self.message:
            text += f"; {self.message}"
        return text


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def summary_values(item: Mapping[str, Any], gear_names: Mapping[str, str]) -> dict[str, Any]:
    """Projected columns from a list item (SummaryActivity); streams may refine them later."""
    distance = float(item.get("distance") or 0.0)
    moving = float(item.get("moving_time") or 0.0)
    pace = pace_s_per_km(moving, distance)
    sport = str(item.get("sport_type") or item.get("type") or "Workout")
    return {
        "sport_type": sport,
        "name": item.get("name"),
        "start_time": _when(str(item["start_date"])),
        "distance_m": distance,
        "moving_time_s": moving,
        "elapsed_time_s": float(item.get("elapsed_time") or moving),
        "pace_s_per_km": pace,
        "ascent_m": item.get("total_elevation_gain"),
        "avg_hr": item.get("average_heartrate"),
        "max_hr": item.get("max_heartrate"),
        "avg_cadence": item.get("average_cadence"),
        "trainer": bool(item.get("trainer")),
        "manual": bool(item.get("manual")),
        "has_gps": bool((item.get("map") or {}).get("summary_polyline")),
        "gear": gear_names.get(str(item.get("gear_id"))) if item.get("gear_id") else None,
    }


def stream_values(
    item: Mapping[str, Any], streams: Mapping[str, Any], keep: tuple[float, float] | None = None
) -> dict[str, Any] | None:
    """Per-sample metrics (grade-adjusted pace, descent, the pace profile) from streams;
    `keep`: the runner's crop (store.overrides), everything outside it left out."""

    def data(key: str) -> list[Any]:
        entry = streams.get(key)
        return list(entry.get("data") or []) if isinstance(entry, dict) else []

    times = data("time")
    if len(times) < 2:
        return None
    start = _when(str(item["start_date"])).timestamp()
    columns = {k: data(k) for k in ("distance", "altitude", "heartrate", "cadence")}
    track = Track()
    for i, t in enumerate(times):
        row = [float(c[i]) if i < len(c) and c[i] is not None else NAN for c in columns.values()]
        track.append(start + float(t), NAN, NAN, row[1], row[0], row[2], row[3])
    summary = DeviceSummary(item.get("distance"), item.get("moving_time"), item.get("elapsed_time"))
    sport = str(item.get("sport_type") or item.get("type") or "Run")
    m = compute_metrics(track, summary, sport_type=sport, keep=keep)
    return {
        "gap_s_per_km": m.gap_s_per_km,
        "descent_m": m.descent_m,
        "gap_profile": {str(k): v for k, v in m.gap_profile.items()},
        "avg_hr": m.avg_hr if m.avg_hr is not None else item.get("average_heartrate"),
        **cleaned_values(m, _number(item.get("distance")), _number(item.get("moving_time"))),
    }


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class _AthleteSync:
    def __init__(
        self,
        session: Session,
        athlete: AthleteSettings,
        account: StravaAccount,
        client: StravaClient,
        *,
        reserve: int,
        now: datetime,
        report: StravaReport,
    ) -> None:
        self.session, self.athlete, self.account = session, athlete, account
        self.client, self.now, self.report, self.reserve = client, now, report, reserve
        self.should_stop: Callable[[], bool] = lambda: False
        self.crops: dict[str, tuple[float, float]] = {}  # the runner's, by Strava id (store.overrides)
        with unit_of_work(session):
            self.known: KnownActivities = repository.known_activities(session, athlete.id)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, self.reserve, **params)

    def run(self) -> None:
        link = link_of(self.athlete)
        backfill_days = link.backfill_days if link else 120
        first = self.account.synced_until is None
        if self.account.synced_until is None:
            after = self.now - timedelta(days=backfill_days)
        else:
            after = self.account.synced_until - OVERLAP
        after = datetime.fromtimestamp(int(after.timestamp()), UTC)  # exactly what Strava is told
        listed: set[str] = set()
        page = 1
        while True:
            items = self.get("/athlete/activities", after=int(after.timestamp()), page=page, per_page=PAGE)
            if not isinstance(items, list):
                raise StravaMalformed("the activity list is not a list")
            gear = self._fetch_gear(
                {str(i["gear_id"]) for i in items if isinstance(i, dict) and i.get("gear_id")}
            )
            with unit_of_work(self.session):
                newest = self._store_page(items, listed, gear)
                if newest is not None and (
                    self.account.synced_until is None or newest > self.account.synced_until
                ):
                    self.account.synced_until = newest
                self.account.updated_at = self.now
            if len(items) < PAGE or self.should_stop():
                break
            page += 1
        with unit_of_work(self.session):
            self._mark_deleted(after, listed)
            if first and self.account.synced_until is None:
                self.account.synced_until = self.now  # nothing in the backfill window
        self._fetch_details()

    def _store_page(
        self, items: list[Any], listed: set[str], gear: Mapping[str, tuple[str, dict[str, Any] | None]]
    ) -> datetime | None:
        newest = None
        for gear_id, (name, raw) in gear.items():
            if raw is not None:  # fetched this pass
                distance = float(raw.get("distance") or 0.0)
                self.session.merge(
                    StravaGear(id=gear_id, name=name, distance_m=distance, raw=raw, updated_at=self.now)
                )
        gear_names = {gear_id: name for gear_id, (name, _raw) in gear.items() if name}
        recordings: list[Recording] = []
        for item in items:
            try:
                key = str(item["id"])
                values = summary_values(item, gear_names)
            except (KeyError, TypeError, ValueError) as error:
                log.warning(
                    "skipped a malformed Strava activity %s: %s",
                    getattr(item, "get", lambda _k: "?")("id"),
                    error,
                )
                continue
            listed.add(key)
            start = values["start_time"]
            newest = start if newest is None or start > newest else newest
            unrefined = {
                "gap_s_per_km": values["pace_s_per_km"],
                "descent_m": None,
                "gap_profile": {},
                "corrections": None,
                "streams_state": None,
            }
            recordings.append(
                Recording(key, {**values, **unrefined}, samples=values["has_gps"], summary=dict(item))
            )
        batch = SourceBatch(SOURCE, tuple(recordings), cursor=newest)
        result = apply_batch(self.session, self.athlete.id, batch, self.known, self.now)
        self.report.new += result.new
        self.report.updated += result.updated
        return batch.cursor

    def _fetch_gear(self, ids: set[str]) -> dict[str, tuple[str, dict[str, Any] | None]]:
        """Names of the page's gear: stored ones as they are, new ones asked once (outside any
        database transaction: no lock is held while waiting on the network)."""
        with unit_of_work(self.session):
            known = {
                g.id: g.name for g in self.session.scalars(select(StravaGear).where(StravaGear.id.in_(ids)))
            }
        found: dict[str, tuple[str, dict[str, Any] | None]] = {k: (v, None) for k, v in known.items()}
        for gear_id in sorted(ids - set(known)):
            try:
                gear = self.get(f"/gear/{gear_id}")
            except StravaGone as error:  # retired or someone else's: never asked again
                log.info("Strava gear %s: %s; the shoe stays unnamed", gear_id, error.what)
                found[gear_id] = ("", {"gone": error.status})
                continue
            except (StravaRefused, StravaMalformed, StravaUnavailable) as error:
                log.warning("Strava gear %s: %s; unnamed for now, asked again next pass", gear_id, error.what)
                continue
            if not isinstance(gear, dict):
                log.warning("Strava gear %s: not an object; unnamed for now", gear_id)
                continue
            found[gear_id] = (str(gear.get("name") or gear.get("nickname") or gear_id), gear)
        return found

    def _mark_deleted(self, after: datetime, listed: set[str]) -> None:
        """Stored activities after `after` that the listing no longer holds."""
        stored = repository.stored_since(self.session, self.athlete.id, SOURCE, after)
        deletions = tuple(Deletion(key) for key, start, _raw in stored if start > after and key not in listed)
        if deletions:
            batch = SourceBatch(SOURCE, deletions=deletions)
            applied = apply_batch(self.session, self.athlete.id, batch, self.known, self.now)
            self.report.deleted += len(applied.deleted)

    def _in_window(self, start: datetime) -> bool:
        return start >= self.now - ANALYSIS_WINDOW

    def _fetch_details(self) -> None:
        """Detail (description, private note) and streams for runs of the last 42 days."""
        with unit_of_work(self.session):
            candidates = self._candidates()
        outage = 0
        for activity in candidates:
            if self.should_stop():
                return
            held = activity.raw.get("held_back")
            if held and _when(held["until"]) > self.now:
                continue  # backing off: at most once a pass, and less often each time
            try:
                self._fetch_one(activity)
            except StravaGone as error:
                self._mark_gone(activity, error)
                outage = 0
            except StravaUnavailable as error:
                outage += 1
                if outage >= OUTAGE:
                    raise
                self._hold_back(activity, error.what)
            except (StravaRefused, StravaMalformed) as error:
                self._hold_back(activity, error.what)
                outage = 0
            else:
                outage = 0
                if "held_back" in activity.raw:
                    with unit_of_work(self.session):
                        activity.raw = {k: v for k, v in activity.raw.items() if k != "held_back"}

    def _mark_gone(self, activity: Activity, error: StravaGone) -> None:
        """404/410 for a run we listed earlier (its detail, not its streams): deleted (or made
        private) since. Never asked again, unless a later listing shows it edited."""
        log.info("Strava activity %s is gone (%s): marked deleted", activity.external_id, error.what)
        with unit_of_work(self.session):
            batch = SourceBatch(SOURCE, deletions=(Deletion(activity.external_id, gone=error.status),))
            apply_batch(self.session, self.athlete.id, batch, self.known, self.now)
        self.report.deleted += 1
        self.report.gone.append(activity.external_id)

    def _hold_back(self, activity: Activity, reason: str) -> None:
        """An answer we cannot use for this one activity: the others go on; this one is asked
        again on a later pass, waiting twice as long after each failure."""
        previous = activity.raw.get("held_back") or {}
        attempts = int(previous.get("attempts", 0)) + 1
        until = self.now + min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_MOST)
        log.warning(
            "Strava activity %s held back (attempt %d, next try after %s): %s",
            activity.external_id,
            attempts,
            f"{until:%Y-%m-%d %H:%M} UTC",
            reason,
        )
        with unit_of_work(self.session):
            activity.raw = {
                **activity.raw,
                "held_back": {"reason": reason, "attempts": attempts, "until": until.isoformat()},
            }
        self.report.held_back.append(f"{activity.external_id}: {reason}")

    def _candidates(self) -> list[Activity]:
        """Runs of the analysis window, and runs the runner cropped (their streams, whatever
        their age)."""
        self.crops = {
            k: v
            for (source, k), v in overrides.crops_of(self.session, self.athlete.id).items()
            if source == "strava"
        }
        recent = Activity.start_time >= self.now - ANALYSIS_WINDOW
        cropped = and_(Activity.external_id.in_(sorted(self.crops)), Activity.streams_state.is_(None))
        return list(
            self.session.scalars(
                select(Activity)
                .where(
                    Activity.athlete_id == self.athlete.id,
                    Activity.source == "strava",
                    Activity.deleted.is_(False),
                    or_(recent, cropped),
                    Activity.sport_type.in_(sorted(RUNNING_SPORT_TYPES)),
                )
                .order_by(Activity.start_time)
            )
        )

    def _fetch_one(self, activity: Activity) -> None:
        need_detail = "detail" not in activity.raw
        pending_since = activity.raw.get("streams_pending_since")
        need_streams = activity.streams_state is None or (
            activity.streams_state == "pending"
            and pending_since is not None
            and self.now - _when(pending_since) < STREAMS_PATIENCE
        )
        if need_detail:
            try:
                detail = self.get(f"/activities/{activity.external_id}", include_all_efforts="false")
            except StravaMalformed as error:
                log.warning("malformed detail for Strava activity %s", activity.external_id)
                raise StravaMalformed(f"malformed detail ({error.what})") from None
            if not isinstance(detail, dict):
                raise StravaMalformed("the detail is not an object")
            with unit_of_work(self.session):
                if isinstance(detail, dict):
                    activity.description = detail.get("description")
                    activity.private_note = detail.get("private_note")
                    activity.raw = {
                        **activity.raw,
                        "detail": {k: detail.get(k) for k in ("description", "private_note", "gear_id")},
                    }
                    activity.updated_at = self.now
                self._enrich_twin(activity)
        if need_streams and activity.manual:
            self._no_streams(activity, "a manual entry")  # typed in: Strava has no samples to give
        elif need_streams:
            try:
                streams = self.get(
                    f"/activities/{activity.external_id}/streams", keys=STREAM_KEYS, key_by_type="true"
                )
            except StravaMalformed as error:
                log.warning("malformed streams for Strava activity %s", activity.external_id)
                raise StravaMalformed(f"malformed streams ({error.what})") from None
            except StravaGone as error:  # what Strava answers for a manual entry's streams
                self._no_streams(activity, f"streams answered {error.status}")
                return
            keep = self.crops.get(activity.external_id)
            summary = activity.raw["summary"]
            refined = stream_values(summary, streams, keep) if isinstance(streams, dict) else None
            with unit_of_work(self.session):
                if refined is not None:
                    for name, value in refined.items():
                        setattr(activity, name, value)
                    activity.streams_state = "fetched"
                elif pending_since is not None and self.now - _when(pending_since) >= STREAMS_PATIENCE:
                    activity.streams_state = "none"
                else:
                    activity.streams_state = "pending"
                    activity.raw = {
                        **activity.raw,
                        "streams_pending_since": pending_since or self.now.isoformat(),
                    }
                activity.updated_at = self.now

    def _no_streams(self, activity: Activity, why: str) -> None:
        """A run without samples keeps its summary numbers and counts as running load: only a
        404 or 410 for the activity itself means it is gone."""
        log.info("Strava activity %s has no streams (%s): its summary stands", activity.external_id, why)
        with unit_of_work(self.session):
            activity.streams_state = "none"
            activity.raw = {**activity.raw, "no_streams": why}
            activity.updated_at = self.now

    def _enrich_twin(self, activity: Activity) -> None:
        """Strava's words about a run stored from a file: the pain-note rule reads them."""
        if activity.duplicate_of is None:
            return
        twin = self.session.get(Activity, activity.duplicate_of)
        if twin is None:
            return
        for field_name in ("description", "private_note", "gear"):
            if not getattr(twin, field_name) and getattr(activity, field_name):
                setattr(twin, field_name, getattr(activity, field_name))
                twin.updated_at = self.now


def tokens_of(account: StravaAccount) -> Tokens:
    return Tokens(account.access_token, account.refresh_token, account.expires_at)


def strava_client(
    settings: Settings,
    sessions: sessionmaker[Session],
    athlete_id: str,
    tokens: Tokens | None,
    quota: Quota,
    *,
    clock: Callable[[], datetime] | None = None,
    on_request: Callable[[], None] | None = None,
) -> StravaClient:
    """A client whose token rotations are committed at once, before anything relies on them."""
    from strainwatch.logsetup import redactor

    app = strava_app(settings)
    secret = read_secret("strava-client-secret", app.client_secret_file)
    redactor.add([secret])

    def save(new: Tokens) -> None:
        redactor.add([new.access_token, new.refresh_token])
        with sessions() as session, unit_of_work(session):
            account = session.get(StravaAccount, athlete_id)
            if account is None:
                account = StravaAccount(
                    athlete_id=athlete_id,
                    created_at=datetime.now(UTC),
                    access_token="",
                    refresh_token="",
                    expires_at=new.expires_at,
                )
                session.add(account)
            account.access_token, account.refresh_token = new.access_token, new.refresh_token
            account.expires_at, account.updated_at = new.expires_at, datetime.now(UTC)
            account.problem = None

    if tokens is not None:
        redactor.add([tokens.access_token, tokens.refresh_token])
    return StravaClient(
        app, secret, tokens, quota, save, clock=clock or (lambda: datetime.now(UTC)), on_request=on_request
    )


def strava_app(settings: Settings) -> StravaSettings:
    app = app_of(settings)
    if app is None:
        raise ConfigError("no [strava] table in the config", hint="see `strainwatch config example`")
    return app


def _app_state(session: Session, now: datetime) -> StravaAppState:
    state = session.get(StravaAppState, 1)
    if state is None:
        state = StravaAppState(id=1, limits={}, seen_at=now)
        session.add(state)
    return state


def sync_strava(
    sessions: sessionmaker[Session],
    settings: Settings,
    athlete: AthleteSettings,
    now: datetime,
    *,
    should_stop: Callable[[], bool] | None = None,
    on_request: Callable[[], None] | None = None,
) -> StravaReport:
    """One athlete's Strava pass. Never raises for Strava's troubles: they are reported (one
    activity's trouble in `gone`/`held_back`, the source's in `deferred`/`error`/`problem`)."""
    report = StravaReport(athlete.id)
    app = strava_app(settings)
    with sessions() as session, unit_of_work(session):
        account = session.get(StravaAccount, athlete.id)
        state = _app_state(session, now)
        quota = Quota.restored(state.limits, state.seen_at, now)
        blocked = state.blocked_until
    quota.shared = SharedQuota(sessions, "strava", window_start)
    if account is None:
        report.skipped = "not linked yet: run `strainwatch strava auth`"
        return report
    if account.problem == "revoked":
        report.skipped = "access revoked: re-authorize with `strainwatch strava auth`"
        return report
    if (
        account.problem == "inactive"
        and account.last_sync_at
        and now - account.last_sync_at < timedelta(days=1)
    ):
        report.skipped = (
            "the Strava application is inactive (tried again daily); import the bulk export instead"
        )
        return report
    if blocked is not None and now < blocked:
        report.deferred = f"rate limited until {blocked:%H:%M} UTC"
        return report
    problem = None
    try:
        client = strava_client(
            settings,
            sessions,
            athlete.id,
            tokens_of(account),
            quota,
            clock=lambda: now,
            on_request=on_request,
        )
        client.ensure_fresh(now)
        with sessions() as session:
            with unit_of_work(session):
                account = session.get_one(StravaAccount, athlete.id)
            worker = _AthleteSync(
                session, athlete, account, client, reserve=app.quota_reserve, now=now, report=report
            )
            if should_stop is not None:
                worker.should_stop = should_stop
            worker.run()
    except StravaRateLimited as error:
        report.deferred, blocked = error.what, error.retry_at
    except StravaQuotaKept as error:
        report.deferred = error.what
    except StravaDeferred as error:
        report.deferred = report.trouble = error.what
    except StravaRevoked as error:
        problem, report.message = "revoked", f"{error.what}; {error.hint}"
    except StravaInactive as error:
        problem, report.message = "inactive", f"{error.what}; {error.hint}"
    except StravaMalformed as error:
        report.deferred = error.what
    except SourceError as error:  # an answer about the listing itself we have no rule for
        report.error = error.what
        log.error("Strava sync of %s failed: %s (trying again next pass)", athlete.id, error.what)
    finally:
        report.requests = quota.requests
        with sessions() as session, unit_of_work(session):
            state = _app_state(session, now)
            state.limits, state.seen_at, state.blocked_until = quota.limits, now, blocked
            stored = session.get(StravaAccount, athlete.id)
            if stored is not None:
                stored.last_sync_at = now
                if problem is not None and stored.problem != problem:
                    stored.problem = report.problem = problem
    return report
