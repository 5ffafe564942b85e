"""The system page: each source's last pass per athlete, the outbox, and what each kind of
source and channel says of itself (a link, a quota, deliveries), handed in by the caller.

`outbox` rows use the keys of `strainwatch outbox --json`; `sources` those of `status --json`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from strainwatch.kind_status import KindStatus
from strainwatch.store.health import health_of
from strainwatch.store.models import Outbox
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


def system_json(
    session: Session, athlete_ids: Collection[str], kinds: Sequence[KindStatus] = ()
) -> dict[str, Any]:
    """Only what concerns `athlete_ids` (a login sees its own athletes). `kinds`: each kind's
    status for them, under its name (a kind's data shared by every athlete, like Strava's
    quota, holds no athlete's data) and listed in `kinds` for the page."""
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
    return {
        "athletes": ids,
        "sources": sources,
        "outbox_counts": {str(k): int(v) for k, v in counts.items()},
        "outbox": [outbox_json(r) for r in recent],
        **{kind.name: kind.data for kind in kinds},
        "kinds": [
            {"name": k.name, "title": k.title, "lines": k.lines, "problems": k.problems} for k in kinds
        ],
    }
