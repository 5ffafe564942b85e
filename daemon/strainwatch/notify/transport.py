"""The channels the config asks for. Email (SMTP with [smtp], else the mbox file) is every
athlete's default channel; `[[athletes.channels]]` adds push channels through Apprise.

`channels_for` says where an athlete's messages go (no secret is read); `push_channel`
builds one push channel (reads its URL from the secret file); `deliver_all` sends what is
due on every channel, each on its own: one channel failing, or one that cannot even be
built, never holds another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from strainwatch.config.secret_files import read_secret
from strainwatch.config.settings import AthleteSettings, ChannelSettings, Settings
from strainwatch.errors import StrainwatchError
from strainwatch.notify.channels.base import Channel
from strainwatch.notify.channels.email import DEFAULT_SENDER, EMAIL, MboxChannel, SmtpChannel
from strainwatch.notify.outbox import DeliveryReport, deliver_due

if TYPE_CHECKING:
    from strainwatch.notify.channels.push import PushChannel

log = logging.getLogger(__name__)

# what the config calls a message -> the outbox's kind of row
KINDS = {"warning": "alert", "digest": "digest", "notice": "notice"}


def sender_of(settings: Settings) -> str:
    """The From address: [smtp] from, or the local default of the mbox."""
    return settings.smtp.sender if settings.smtp is not None else DEFAULT_SENDER


def transport_for(settings: Settings) -> Channel:
    """The email channel."""
    smtp = settings.smtp
    if smtp is None:
        return MboxChannel(settings.mbox_path)
    password = read_secret("smtp-password", smtp.password_file) if smtp.username else None
    if password:
        from strainwatch.logsetup import redactor

        redactor.add([password])
    return SmtpChannel(smtp, password)


@dataclass(frozen=True, slots=True)
class Route:
    """Where one athlete's messages go: a channel (its outbox name), what it takes, its quiet
    hours. `push` is None for email."""

    name: str
    kinds: frozenset[str]  # outbox kinds: alert, digest, notice
    quiet_hours: str | None
    push: ChannelSettings | None = None

    def takes(self, kind: str) -> bool:
        return kind in self.kinds


def channels_for(settings: Settings, athlete: AthleteSettings) -> list[Route]:
    """Email first (it takes everything), then the athlete's push channels in config order."""
    routes = [Route(EMAIL, frozenset(KINDS.values()), settings.notify.quiet_hours)]
    for channel in athlete.channels:
        quiet = settings.notify.quiet_hours if channel.quiet_hours is None else channel.quiet_hours
        routes.append(Route(channel.name, frozenset(KINDS[m] for m in channel.send), quiet, channel))
    return routes


def push_channel(channel: ChannelSettings) -> PushChannel:
    """The push channel of these settings: its Apprise URL from `url_file` or
    $CREDENTIALS_DIRECTORY/<name> (0600 enforced), Apprise imported now."""
    from strainwatch.notify.channels.push import PushChannel, load_apprise

    load_apprise()  # a clear error naming the extra before any secret is read
    url = read_secret(channel.name, channel.url_file)
    return PushChannel(channel.name, url, timeout=channel.timeout)


def deliver_all(
    settings: Settings, sessions: sessionmaker[Session], now: datetime,
    on_message: Callable[[], None] | None = None,
) -> DeliveryReport:  # fmt: skip
    """Send what is due on every channel. A channel that cannot be built (no Apprise, an
    unreadable secret, a URL Apprise cannot use) is reported in `problems`; its rows wait."""
    report = DeliveryReport()
    try:
        report.merge(deliver_due(sessions, transport_for(settings), now, on_message))
    except StrainwatchError as exc:
        report.problems.append(f"email: {exc}")
        log.error("mail not delivered: %s", exc)
    report.parked += park_unconfigured(settings, sessions, now)
    for athlete in settings.athletes:
        for channel in athlete.channels:
            try:
                push = push_channel(channel)
            except StrainwatchError as exc:
                report.problems.append(f"{athlete.id} {channel.name}: {exc}")
                log.error("channel %s of %s not delivered: %s", channel.name, athlete.id, exc)
                continue
            report.merge(deliver_due(sessions, push, now, on_message, athlete_id=athlete.id))
    return report


def park_unconfigured(settings: Settings, sessions: sessionmaker[Session], now: datetime) -> list[str]:
    """Rows of a push channel that is no longer in the config would wait for ever: they are
    parked with that reason (listed by `outbox` and `doctor`; `outbox retry` after the channel
    is configured again sends them)."""
    from sqlalchemy import select

    from strainwatch.store.db import unit_of_work
    from strainwatch.store.models import Outbox

    configured = {(a.id, c.name) for a in settings.athletes for c in a.channels}
    parked = []
    with sessions() as session, unit_of_work(session):
        due = select(Outbox).where(
            Outbox.status == "pending", Outbox.channel != EMAIL, Outbox.next_attempt_at <= now
        )
        for row in session.scalars(due):
            if (row.athlete_id, row.channel) not in configured:
                row.status = "parked"
                row.last_error = f"channel {row.channel!r} of {row.athlete_id} is no longer configured"
                parked.append(f"{row.subject}: {row.last_error}")
                log.error("parked %s via %s: %s", row.kind, row.channel, row.last_error)
    return parked
