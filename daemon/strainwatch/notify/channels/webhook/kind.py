"""Webhooks: a `[[athletes.channels]]` table with `kind = "webhook"`, its own keys checked
here: `url` (http or https) and `secret_file` (the HMAC secret, 0600; else
$CREDENTIALS_DIRECTORY/<name>). Messages are sent whole, as text: the mail renderer's."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from strainwatch.config.secret_files import read_secret
from strainwatch.config.settings import AthleteSettings, ChannelSettings, Settings
from strainwatch.errors import ConfigError
from strainwatch.notify.channels.base import Route, own_checks, own_routes, sender_of
from strainwatch.notify.channels.webhook.channel import WebhookChannel
from strainwatch.notify.render import FullRenderer
from strainwatch.sources.base import Check

WEBHOOK = "webhook"
RENDERER = FullRenderer()


class WebhookOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    secret_file: Path | None = None  # else $CREDENTIALS_DIRECTORY/<name>

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http:// or https:// URL")
        return value


def options_of(channel: ChannelSettings) -> WebhookOptions:
    where = f"[athletes.channels] {channel.name!r}"
    try:
        return WebhookOptions.model_validate(channel.options)
    except ValidationError as exc:
        said = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        said = said.replace("Extra inputs are not permitted", "unknown key")
        raise ConfigError(said, where=where) from None


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
    name = WEBHOOK

    def routes(self, settings: Settings, athlete: AthleteSettings) -> list[Route]:
        build = partial(webhook_channel, sender=sender_of(settings))
        return own_routes(settings, athlete, self.name, RENDERER, build)

    def doctor(self, settings: Settings) -> list[Check]:
        return own_checks(settings, self.name, _check)


KIND = WebhookKind()
