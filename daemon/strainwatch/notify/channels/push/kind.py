"""Push through Apprise: each `[[athletes.channels]]` table of kind "push" (the default) is
one athlete's channel to one service, its URL (with the token) read from a secret file."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from strainwatch.config.compose import KindConfig
from strainwatch.config.secret_files import read_secret
from strainwatch.config.settings import AthleteSettings, ChannelSettings, Settings
from strainwatch.notify.channels.base import Route, outbox_status, own_checks, own_route_names, own_routes
from strainwatch.notify.channels.push.channel import PushChannel, load_apprise
from strainwatch.notify.channels.push.render import PushRenderer
from strainwatch.notify.channels.push.settings import PUSH, PushChannelSettings
from strainwatch.sources.base import Check

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from strainwatch.kind_status import KindStatus

RENDERER = PushRenderer()


def _own(channel: ChannelSettings) -> PushChannelSettings:
    if not isinstance(channel, PushChannelSettings):
        raise TypeError(f"channel {channel.name!r} is not a push channel")
    return channel


def push_channel(channel: ChannelSettings) -> PushChannel:
    """The push channel of these settings: its Apprise URL from `url_file` or
    $CREDENTIALS_DIRECTORY/<name> (0600 enforced), Apprise imported now."""
    load_apprise()  # a clear error naming the extra before any secret is read
    url = read_secret(channel.name, _own(channel).url_file)
    return PushChannel(channel.name, url, timeout=channel.timeout)


def _check(channel: ChannelSettings) -> str:
    """Apprise installed, the secret file private, the URL one Apprise understands, its host
    resolving and taking a connection."""
    push = push_channel(channel)
    where = _own(channel).url_file or f"$CREDENTIALS_DIRECTORY/{channel.name}"
    return f"{push.where}: URL from {where}; {push.check()}"


class PushKind:
    name: str = PUSH
    config = KindConfig(PUSH, channel=PushChannelSettings)

    def routes(self, settings: Settings, athlete: AthleteSettings) -> list[Route]:
        return own_routes(settings, athlete, self.name, RENDERER, push_channel)

    def doctor(self, settings: Settings) -> list[Check]:
        return own_checks(settings, self.name, _check)

    def status(self, settings: Settings, session: Session, athlete_ids: Collection[str]) -> KindStatus | None:
        routes = own_route_names(settings, self.name, athlete_ids)
        return outbox_status(session, self.name, "Push", routes, athlete_ids)


KIND = PushKind()
