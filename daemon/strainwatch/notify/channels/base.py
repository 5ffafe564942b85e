"""What a channel is, and what a kind of channel is.

A `Channel` is one `send` that delivers a rendered notification or says why not. Failures
are sorted at this boundary: temporary ones (a server down or busy) are retried by the
outbox with backoff; permanent ones wait, parked, for the user and `outbox retry`.

A `ChannelKind` (email, push, webhook: one folder each, listed once in
notify/channels/registry.py) says, from the settings, where an athlete's messages go on it
(`routes`), how each message looks there (the route's `renderer`), how to build the channel
that delivers them (the route's `build`) and its lines in `doctor`. The outbox, dispatch,
the pass and the commands work through these alone and never name a kind.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from strainwatch.errors import StrainwatchError
from strainwatch.notify.notification import DEFAULT_SENDER, Notification, Recipient

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from strainwatch.config.compose import KindConfig
    from strainwatch.config.settings import AthleteSettings, ChannelSettings, Settings
    from strainwatch.kind_status import KindStatus
    from strainwatch.notify.chart import Chart
    from strainwatch.notify.render import AlertContent, DigestContent
    from strainwatch.sources.base import Check

# what the config calls a message -> the outbox's kind of row
MESSAGE_KINDS = {"warning": "alert", "digest": "digest", "notice": "notice"}


class DeliveryError(StrainwatchError):
    permanent = False


class TemporaryDeliveryError(DeliveryError):
    """Try again later: the server is down, busy, or said 4xx."""


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help until the user acts: 5xx, authentication, TLS trust."""

    permanent = True


class Channel(Protocol):
    name: str  # the outbox rows it delivers: the route's name
    sender: str
    lease: timedelta  # how long one send may take: a claim older than this was a crash

    def send(self, notification: Notification) -> str:
        """Deliver; return what the other side said (the receipt). Raises DeliveryError."""
        ...


class Renderer(Protocol):
    """How each message looks on a channel: all of it (a mail), or a phone's few lines."""

    def alert(
        self,
        content: AlertContent,
        recipient: Recipient,
        chart: Chart,
        *,
        sender: str,
        now: datetime,
        link: str | None,
    ) -> Notification: ...

    def digest(
        self,
        content: DigestContent,
        recipient: Recipient,
        chart: Chart,
        *,
        sender: str,
        now: datetime,
        link: str | None,
    ) -> Notification: ...

    def notice(
        self,
        recipient: Recipient,
        sender: str,
        subject: str,
        text: str,
        *,
        key: str,
        now: datetime,
        short: str | None = None,
    ) -> Notification:
        """`short`: the notice in a few lines, where the caller has one for a phone."""
        ...


@dataclass(frozen=True, slots=True)
class Route:
    """Where one athlete's messages go: a channel (its outbox name), what it takes, its quiet
    hours, how messages look there and how to build the channel that delivers them.

    `athlete_id` is None for a channel every athlete shares (the mail server): its rows are
    delivered together and it is never "no longer configured". `own_id`: the rows keep the
    notification's own id (mail's Message-ID); other channels' rows are told apart by name.
    """

    name: str
    kinds: frozenset[str]  # outbox kinds: alert, digest, notice
    quiet_hours: str | None
    renderer: Renderer
    build: Callable[[], Channel]
    athlete_id: str | None = None
    own_id: bool = False

    def takes(self, kind: str) -> bool:
        return kind in self.kinds


class ChannelKind(Protocol):
    """A kind of channel: where it takes each athlete's messages, and its lines in `doctor`."""

    name: str  # what `kind =` says in [[athletes.channels]]
    config: KindConfig  # its tables, or its keys of [[athletes.channels]]

    def routes(self, settings: Settings, athlete: AthleteSettings) -> list[Route]:
        """This athlete's routes of this kind, in config order; no secret is read."""
        ...

    def doctor(self, settings: Settings) -> list[Check]:
        """Its checks, without sending anything."""
        ...

    def status(self, settings: Settings, session: Session, athlete_ids: Collection[str]) -> KindStatus | None:
        """What its channels did for these athletes (sent, waiting, parked, the last error)."""
        ...


def quiet_hours_of(settings: Settings, own: str | None) -> str | None:
    """A channel's quiet hours: its own, else [notify] quiet_hours ("" for none)."""
    return settings.notify.quiet_hours if own is None else own


def sender_of(settings: Settings) -> str:
    """Who every message is from (the mail's From, every message-id's domain): [smtp] from,
    else the local default."""
    sender = getattr(getattr(settings, "smtp", None), "sender", None)
    return sender if isinstance(sender, str) else DEFAULT_SENDER


def own_routes(
    settings: Settings,
    athlete: AthleteSettings,
    kind: str,
    renderer: Renderer,
    build: Callable[[ChannelSettings], Channel],
) -> list[Route]:
    """The routes of the athlete's `[[athletes.channels]]` tables of this kind, in config order."""
    from functools import partial

    return [
        Route(
            c.name,
            frozenset(MESSAGE_KINDS[m] for m in c.send),
            quiet_hours_of(settings, c.quiet_hours),
            renderer,
            partial(build, c),
            athlete_id=athlete.id,
        )
        for c in athlete.channels
        if c.kind == kind
    ]


def own_route_names(
    settings: Settings, kind: str, athlete_ids: Collection[str]
) -> list[tuple[str, str | None]]:
    """(channel name, athlete) of each `[[athletes.channels]]` table of this kind."""
    athletes = [a for a in settings.athletes if a.id in athlete_ids]
    return [(c.name, a.id) for a in athletes for c in a.channels if c.kind == kind]


def own_checks(settings: Settings, kind: str, check: Callable[[ChannelSettings], str]) -> list[Check]:
    """One `doctor` line per channel table of this kind: "channel <name> of <athlete>"."""
    from functools import partial

    from strainwatch.sources.base import probe

    return [
        probe(f"channel {c.name} of {a.id}", partial(check, c))
        for a in settings.athletes
        for c in a.channels
        if c.kind == kind
    ]


def outbox_status(
    session: Session,
    name: str,
    title: str,
    routes: Sequence[tuple[str, str | None]],
    athlete_ids: Collection[str],
) -> KindStatus | None:
    """A channel kind's state from its outbox rows: per route ((channel name, athlete or None
    for a shared one)), how many were sent (and when last), wait and are parked, and the last
    error. None when the kind has no route."""
    from sqlalchemy import func, select

    from strainwatch.kind_status import KindStatus
    from strainwatch.store.models import Outbox

    if not routes:
        return None
    ids = sorted(athlete_ids)
    lines, problems, channels = [], [], []
    for channel, owner in routes:
        rows = select(Outbox.status, func.count(), func.max(Outbox.sent_at)).where(
            Outbox.channel == channel, Outbox.athlete_id.in_(ids if owner is None else [owner])
        )
        counts = {status: (int(n), last) for status, n, last in session.execute(rows.group_by(Outbox.status))}
        error = session.scalars(
            select(Outbox.last_error)
            .where(Outbox.channel == channel, Outbox.status != "sent", Outbox.last_error.is_not(None))
            .where(Outbox.athlete_id.in_(ids if owner is None else [owner]))
            .order_by(Outbox.id.desc())
            .limit(1)
        ).first()
        sent, last = counts.get("sent", (0, None))
        pending, parked = counts.get("pending", (0, None))[0], counts.get("parked", (0, None))[0]
        label = channel if owner is None else f"{channel} of {owner}"
        when = f" (last {last:%Y-%m-%d %H:%M} UTC)" if last is not None else ""
        line = f"{label}: {sent} sent{when}, {pending} pending, {parked} parked"
        if error:
            line += f"; last error: {error}"
        lines.append(line)
        if parked:
            problems.append(line)
        channels.append(
            {
                "name": channel,
                "athlete": owner,
                "sent": sent,
                "pending": pending,
                "parked": parked,
                "last_sent_at": last.isoformat() if last is not None else None,
                "last_error": error,
            }
        )
    return KindStatus(name, title, lines, {"channels": channels}, problems)
