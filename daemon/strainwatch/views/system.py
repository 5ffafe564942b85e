"""The system page: each source's last pass per athlete, the outbox, the Strava quota.

`outbox` rows use the keys of `strainwatch outbox --json`; `sources` those of `status --json`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from strainwatch.store.health import health_of
from strainwatch.store.models import Outbox, StravaAccount, StravaAppState
from strainwatch.views.activity import iso_utc

RECENT_MESSAGES = 30


def outbox_json(r: Outbox) -> dict[str, object]:
    """The `outbox --json` contract: keys are only ever added."""
    return {
        "id": r.id,
        "alert_id": r.alert_id,
        "athlete": r.athlete_id,
        "kind": r.kind,
        "status": r.status,
        "attempts": r.attempts,
        "next_attempt_at": iso_utc(r.next_attempt_at),
        "last_error": r.last_error,
        "message_id": r.message_id,
        "subject": r.subject,
        "created_at": iso_utc(r.created_at),
        "sent_at": iso_utc(r.sent_at) if r.sent_at else None,
        "channel": r.channel,
    }


def system_json(session: Session, athlete_ids: Collection[str]) -> dict[str, Any]:
    """Only what concerns `athlete_ids` (a login sees its own athletes); the Strava quota is
    the application's, shared by every athlete, and holds no athlete's data."""
    ids = sorted(athlete_ids)
    sources = {a: {h.source: h.as_json() for h in health_of(session, a)} for a in ids}
    counts = dict(
        session.execute(
            select(Outbox.status, func.count()).where(Outbox.athlete_id.in_(ids)).group_by(Outbox.status)
        ).all()
    )
    recent = session.scalars(
        select(Outbox).where(Outbox.athlete_id.in_(ids)).order_by(Outbox.id.desc()).limit(RECENT_MESSAGES)
    )
    app = session.scalars(select(StravaAppState).order_by(StravaAppState.id.desc()).limit(1)).first()
    accounts = session.scalars(select(StravaAccount).where(StravaAccount.athlete_id.in_(ids)))
    return {
        "athletes": ids,
        "sources": sources,
        "outbox_counts": {str(k): int(v) for k, v in counts.items()},
        "outbox": [outbox_json(r) for r in recent],
        "strava": {
            "quota": None if app is None else {
                "limits": app.limits, "seen_at": iso_utc(app.seen_at),
                "blocked_until": iso_utc(app.blocked_until) if app.blocked_until else None,
            },
            "accounts": [
                {"athlete": a.athlete_id, "last_sync_at": iso_utc(a.last_sync_at) if a.last_sync_at else None,
                 "problem": a.problem, "scopes": a.scopes}
                for a in accounts
            ],
        },
    }  # fmt: skip
