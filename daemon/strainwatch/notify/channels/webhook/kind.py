"""Webhooks: a `[[athletes.channels]]` table with `kind = "webhook"`, its own keys checked
here: `url` (http or https) and `secret_file` (the HMAC secret, 0600; else
$CREDENTIALS_DIRECTORY/<name>). Messages are sent whole, as text: the mail renderer's."""

from __future__ import annotations

from collections.abc import Collection
from functools import partial
from typing import TYPE_CHECKING

from strainwatch.config.compose import KindConfig
from strainwatch.config.secret_files import read_secret
from strainwatch.config.settings import AthleteSettings, ChannelSettings, Settings
from strainwatch.notify.channels.base import (
    Route,
    outbox_status,
    own_checks,
    own_route_names,
    own_routes,
    sender_of,
)
from strainwatch.notify.channels.webhook.channel import WebhookChannel
from strainwatch.notify.channels.webhook.settings import WEBHOOK, WebhookChannelSettings
from strainwatch.notify.render import FullRenderer
from strainwatch.sources.base import Check

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from strainwatch.kind_status import KindStatus

RENDERER = FullRenderer()


def options_of(channel: ChannelSettings) -> WebhookChannelSettings:
    """The channel's webhook keys, checked when the config was read."""
    if not isinstance(channel, WebhookChannelSettings):
        raise TypeError(f"channel {channel.name!r} is not a webhook")
    return channel


def webhook_channel(channel: ChannelSettings, *, sender: str) -> WebhookChannel:
    """The channel of these settings, its secret read now (0600 enforced) and kept from logs."""
    from strainwatch.logsetup import redactor

    options = options_of(channel)
    secret = read_secret(channel.name, options.secret_file)
    redactor.add([secret])
    return WebhookChannel(channel.name, options.url, secret.encode(), timeout=channel.timeout, sender=sender)


def _check(channel: ChannelSettings) -> str:
    """Without sending: the keys, the secret file, the URL's scheme and host."""
    built = webhook_channel(channel, sender="strainwatch")
    options = options_of(channel)
    where = options.secret_file or f"$CREDENTIALS_DIRECTORY/{channel.name}"
    return f"{built.where}: secret from {where}"


class WebhookKind:
    name: str = WEBHOOK
    config = KindConfig(WEBHOOK, channel=WebhookChannelSettings)

    def routes(self, settings: Settings, athlete: AthleteSettings) -> list[Route]:
        build = partial(webhook_channel, sender=sender_of(settings))
        return own_routes(settings, athlete, self.name, RENDERER, build)

    def doctor(self, settings: Settings) -> list[Check]:
        return own_checks(settings, self.name, _check)

    def status(self, settings: Settings, session: Session, athlete_ids: Collection[str]) -> KindStatus | None:
        routes = own_route_names(settings, self.name, athlete_ids)
        return outbox_status(session, self.name, "Webhooks", routes, athlete_ids)


KIND = WebhookKind()
