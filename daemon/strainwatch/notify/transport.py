"""The channels the config asks for, through the registry of channel kinds
(notify/channels/registry.py): email is every athlete's default channel, and each
`[[athletes.channels]]` table adds one of its kind (push, webhook).

`channels_for` says where an athlete's messages go (no secret is read); `deliver_all` sends
what is due on every channel, each on its own: one channel failing, or one that cannot even
be built, never holds another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from strainwatch.config.settings import AthleteSettings, Settings
from strainwatch.errors import StrainwatchError
from strainwatch.notify.channels.base import Route, sender_of
from strainwatch.notify.channels.registry import routes_for
from strainwatch.notify.outbox import DeliveryReport, deliver_due
from strainwatch.store.db import unit_of_work
from strainwatch.store.models import Outbox

__all__ = ["channels_for", "deliver_all", "route_named", "sender_of", "shared_routes"]

log = logging.getLogger(__name__)


def channels_for(settings: Settings, athlete: AthleteSettings) -> list[Route]:
    """The shared channel first (it takes everything), then the athlete's own in config order."""
    return routes_for(settings, athlete)


def shared_routes(settings: Settings) -> list[Route]:
    """The channels every athlete shares (one mail server): delivered once for all."""
    seen: dict[str, Route] = {}
    for athlete in settings.athletes:
        for route in routes_for(settings, athlete):
            if route.athlete_id is None:
                seen.setdefault(route.name, route)
    return list(seen.values())


def route_named(settings: Settings, athlete: AthleteSettings, name: str | None) -> Route:
    """One of the athlete's routes by name; None: the first (the shared default)."""
    from strainwatch.errors import ConfigError

    routes = routes_for(settings, athlete)
    chosen = [r for r in routes if name is None or r.name == name]
    if not chosen:
        known = ", ".join(r.name for r in routes)
        raise ConfigError(f"athlete {athlete.id!r} has no channel {name!r} (configured: {known})")
    return chosen[0]


def deliver_all(
    settings: Settings,
    sessions: sessionmaker[Session],
    now: datetime,
    on_message: Callable[[], None] | None = None,
) -> DeliveryReport:
    """Send what is due on every channel. A channel that cannot be built (an extra not
    installed, an unreadable secret, a URL its service cannot use) is reported in `problems`
    (a shared one's also in `blocked`: it holds back everyone's messages); its rows wait."""
    report = DeliveryReport()
    for route in shared_routes(settings):
        report.shared.add(route.name)
        try:
            report.merge(deliver_due(sessions, route.build(), now, on_message))
        except StrainwatchError as exc:
            report.problems.append(f"{route.name}: {exc}")
            report.blocked.append(str(exc))
            log.error("%s not delivered: %s", route.name, exc)
    report.parked += park_unconfigured(settings, sessions, now)
    for athlete in settings.athletes:
        for route in routes_for(settings, athlete):
            if route.athlete_id is None:
                continue
            try:
                channel = route.build()
            except StrainwatchError as exc:
                report.problems.append(f"{athlete.id} {route.name}: {exc}")
                log.error("channel %s of %s not delivered: %s", route.name, athlete.id, exc)
                continue
            report.merge(deliver_due(sessions, channel, now, on_message, athlete_id=athlete.id))
    return report


def park_unconfigured(settings: Settings, sessions: sessionmaker[Session], now: datetime) -> list[str]:
    """Rows of an athlete's channel that is no longer in the config would wait for ever: they
    are parked with that reason (listed by `outbox` and `doctor`; `outbox retry` after the
    channel is configured again sends them)."""
    shared = {route.name for route in shared_routes(settings)}
    configured = {(a.id, r.name) for a in settings.athletes for r in routes_for(settings, a)}
    parked = []
    with sessions() as session, unit_of_work(session):
        due = select(Outbox).where(
            Outbox.status == "pending", Outbox.channel.not_in(shared), Outbox.next_attempt_at <= now
        )
        for row in session.scalars(due):
            if (row.athlete_id, row.channel) not in configured:
                row.status = "parked"
                row.last_error = f"channel {row.channel!r} of {row.athlete_id} is no longer configured"
                parked.append(f"{row.subject}: {row.last_error}")
                log.error("parked %s via %s: %s", row.kind, row.channel, row.last_error)
    return parked
