"""The one path into the store: what a source found (a `SourceBatch`) applied for an athlete.

Every source (files, a Strava export, Strava, intervals.icu) hands its recordings and
deletions here, so they agree on what is new, what was edited, what is another recording
of a stored run (the one duplicate rule, store.dedup) and what is gone. The runner's
corrections stay apart (store.overrides, read over the sources' figures wherever runs are
read): an edit or a re-sync never touches them, and when a better recording of a corrected
run arrives, the correction moves to it, so the run the runner corrected keeps counting as
corrected.

The caller owns the transaction (one per batch) and the `KnownActivities` of the pass:
stored keys and runs in memory, so applying a batch costs one query for its stored
recordings and one INSERT per new one, never a query per recording.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from strainwatch.domain import Deletion, Recording, SourceBatch
from strainwatch.store import overrides, repository
from strainwatch.store.dedup import KnownActivities, KnownRun, recording_quality
from strainwatch.store.models import Activity

Outcome = Literal["new", "better", "duplicate", "updated", "unchanged", "foreign"]


@dataclass(slots=True)
class Applied:
    """What became of one recording."""

    external_id: str
    outcome: Outcome  # better: new, and counted in the place of `twin`, now its duplicate
    activity_id: int | None = None  # None: not stored (another athlete's key), or not flushed yet
    twin: KnownRun | None = None  # the stored recording of the same run (duplicate, better)
    owner: str | None = None  # foreign: the athlete the key belongs to


@dataclass(slots=True)
class _Pending:
    """A row added without its id yet (the transaction's flush gives it)."""

    applied: Applied
    activity: Activity
    key: tuple[str, str]
    added: int | None  # its run's index in `BatchResult.added`; None: a duplicate, no run


@dataclass(slots=True)
class BatchResult:
    source: str
    athlete_id: str
    applied: list[Applied] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)  # activity ids marked deleted
    added: list[tuple[tuple[str, str], KnownRun]] = field(default_factory=list)  # to `known`, in order
    replaced: list[KnownRun] = field(default_factory=list)  # taken out of `known.runs` (now duplicates)
    pending: list[_Pending] = field(default_factory=list)

    def count(self, *outcomes: Outcome) -> int:
        return sum(1 for a in self.applied if a.outcome in outcomes)

    @property
    def new(self) -> int:
        """New runs (a new recording of a stored run is not one)."""
        return self.count("new")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def changed(self) -> bool:
        return bool(self.deleted) or any(a.outcome != "unchanged" for a in self.applied)

    def settle(self, known: KnownActivities) -> None:
        """After the flush or the commit that gave the new rows their ids: `known` has them."""
        for pending in self.pending:
            activity_id = pending.activity.id
            pending.applied.activity_id = activity_id
            known.keys[pending.key] = (activity_id, self.athlete_id)
            if pending.added is not None:
                key, run = self.added[pending.added]
                stored = replace(run, activity_id=activity_id)
                known.swap(run, stored)
                self.added[pending.added] = (key, stored)
        self.pending = []

    def undo(self, known: KnownActivities, *, keep_unstored: bool) -> None:
        """The batch's transaction was rolled back: `known` as it was before, with its new
        runs kept without ids when `keep_unstored` (a dry run still sees "another file")."""
        known.forget(self.added, self.replaced, keep_unstored=keep_unstored)
        for applied in self.applied:
            if applied.outcome == "duplicate":
                known.keys.pop((self.source, applied.external_id), None)
        self.added, self.replaced, self.pending = [], [], []


def apply_batch(
    session: Session,
    athlete_id: str,
    batch: SourceBatch,
    known: KnownActivities,
    now: datetime,
    *,
    settle: bool = True,
) -> BatchResult:
    """Store `batch` for `athlete_id` inside the caller's transaction; `known` follows.

    New rows get their ids from the transaction's flush: with `settle`, one flush at the end
    of the batch; without, the caller calls `settle` on the result once its transaction has
    committed (a file's import: its record and activities in one flush, as one commit).
    """
    applier = _Applier(session, athlete_id, batch.source, known, now, BatchResult(batch.source, athlete_id))
    stored = applier.stored(r.external_id for r in batch.recordings)
    for recording in batch.recordings:
        owner = known.owner(batch.source, recording.external_id)
        if owner is not None and owner[1] != athlete_id:
            applier.result.applied.append(Applied(recording.external_id, "foreign", owner=owner[1]))
        elif owner is not None and owner[0] in stored:
            applier.result.applied.append(_update(stored[owner[0]], recording, now))
        else:
            applier.result.applied.append(applier.insert(recording))
    if batch.deletions:
        applier.delete(batch.deletions)
    if settle:
        applier.flush()
    return applier.result


def _edited(activity: Activity, recording: Recording) -> bool:
    if recording.summary is None:
        return True
    stored = activity.raw.get("summary") or {}
    keys = recording.edit_keys if recording.edit_keys is not None else tuple(recording.summary)
    return any(stored.get(k) != recording.summary.get(k) for k in keys)


def _update(activity: Activity, recording: Recording, now: datetime) -> Applied:
    """The source's new figures over the stored ones: an edit there, a changed file, or a
    run listed again after it had left the listing (a run the source said is gone stays
    deleted unless it was edited since). Which run it duplicates stays as it was."""
    restored = activity.deleted and "gone" not in activity.raw
    if not restored and not _edited(activity, recording):
        return Applied(recording.external_id, "unchanged", activity.id)
    for name, value in recording.values.items():
        setattr(activity, name, value)
    if recording.summary is not None:
        activity.raw = {"summary": dict(recording.summary)}  # what was fetched for the old one goes
    activity.deleted, activity.updated_at = False, now
    return Applied(recording.external_id, "updated", activity.id)


@dataclass(slots=True)
class _Applier:
    session: Session
    athlete_id: str
    source: str
    known: KnownActivities
    now: datetime
    result: BatchResult

    def stored(self, external_ids: Iterable[str]) -> dict[int, Activity]:
        """The batch's already stored recordings, in one query."""
        owners = (self.known.owner(self.source, key) for key in external_ids)
        ids = [owner[0] for owner in owners if owner is not None]
        if not ids:
            return {}
        return {a.id: a for a in self.session.scalars(select(Activity).where(Activity.id.in_(ids)))}

    def insert(self, recording: Recording) -> Applied:
        """A new recording: a new run, another recording of a stored one (its duplicate), or
        the better recording of a stored one (counted in its place)."""
        values, known, result = recording.values, self.known, self.result
        key = (self.source, recording.external_id)
        start = recording.start_time.timestamp()
        end = start + float(values.get("elapsed_time_s") or 0.0)
        manual = bool(values.get("manual"))
        heart = values.get("avg_hr") is not None
        quality = recording_quality(manual=manual, heart_rate=heart, samples=recording.samples and not manual)
        distance = float(values.get("distance_m") or 0.0)
        twin = known.same_run(start, distance, end)
        if twin is not None and twin.activity_id is None and self._pending_run(twin):
            self.flush()  # another recording in this batch: linked by its id
            twin = known.same_run(start, distance, end)
        better = twin is not None and twin.activity_id is not None and quality > twin.quality
        activity = Activity(
            athlete_id=self.athlete_id,
            source=self.source,
            external_id=recording.external_id,
            deleted=False,
            created_at=self.now,
            updated_at=self.now,
            **values,
        )
        if recording.summary is not None:
            activity.raw = {"summary": dict(recording.summary)}
        activity.duplicate_of = twin.activity_id if twin is not None and not better else None
        self.session.add(activity)
        origin = f"{key[0]}: {key[1]}"
        if better and twin is not None and twin.activity_id is not None:
            self.flush(always=True)  # linked by its id
            run = KnownRun(start, distance, activity.id, origin, end, quality)
            repository.link_duplicate(self.session, activity.id, twin.activity_id)
            self._carry_correction(twin.activity_id, key)
            known.replace(twin, key, self.athlete_id, run)
            result.added.append((key, run))
            result.replaced.append(twin)
            return Applied(recording.external_id, "better", activity.id, twin)
        if twin is not None:  # a duplicate: its key is known (once it has an id), not its run
            applied = Applied(recording.external_id, "duplicate", None, twin)
            result.pending.append(_Pending(applied, activity, key, None))
            return applied
        run = KnownRun(start, distance, None, origin, end, quality)
        known.add(key, self.athlete_id, run)
        applied = Applied(recording.external_id, "new")
        result.pending.append(_Pending(applied, activity, key, len(result.added)))
        result.added.append((key, run))
        return applied

    def _pending_run(self, run: KnownRun) -> bool:
        return any(p.added is not None and self.result.added[p.added][1] is run for p in self.result.pending)

    def flush(self, *, always: bool = False) -> None:
        if self.result.pending or always:
            self.session.flush()
            self.result.settle(self.known)

    def _carry_correction(self, old_id: int, key: tuple[str, str]) -> None:
        """The runner corrected the recording that counted until now: the correction is about
        the run, so the recording counting from now on carries it (unless it has its own)."""
        old = self.session.get_one(Activity, old_id)
        corrected = self.known.corrected
        if (old.source, old.external_id) in corrected and key not in corrected:
            overrides.carry(self.session, old, key)
            corrected.add(key)

    def delete(self, deletions: tuple[Deletion, ...]) -> None:
        gone = {d.external_id: d.gone for d in deletions}
        rows = self.session.scalars(
            select(Activity).where(
                Activity.athlete_id == self.athlete_id,
                Activity.source == self.source,
                Activity.external_id.in_(list(gone)),
                Activity.deleted.is_(False),
            )
        )
        for activity in rows:
            heir = repository.mark_deleted(self.session, activity, self.now)
            self.known.drop(activity.id)
            if heir is not None:  # another recording of the run counts in its place
                self.known.add((heir.source, heir.external_id), self.athlete_id, repository.known_run(heir))
            status = gone[activity.external_id]
            if status is not None:
                activity.raw = {**activity.raw, "gone": {"status": status, "at": self.now.isoformat()}}
            self.result.deleted.append(activity.id)
