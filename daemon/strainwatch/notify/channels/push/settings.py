"""The keys of a `[[athletes.channels]]` table of kind "push" (the default)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from strainwatch.config.settings import ChannelSettings, ConfigPath

PUSH: Literal["push"] = "push"


class PushChannelSettings(ChannelSettings):
    """Push channels (optional; needs the push extra: pip install 'strainwatch[push]'). Email
    stays the default channel and gets everything; each [[athletes.channels]] table adds one
    service Apprise speaks: ntfy, Gotify, Telegram, Matrix, Signal, Pushover, a JSON webhook
    and 100+ more (https://github.com/caronc/apprise/wiki). `strainwatch notify test
    --channel NAME` sends a sample; `strainwatch doctor` checks each channel without
    sending."""

    kind: Literal["push"] = Field(
        default="push",
        description='The kind of channel: "push" (an Apprise URL, the default) or "webhook" (below).',
    )
    url_file: ConfigPath | None = Field(
        default=None,
        examples=["/etc/strainwatch/push-phone"],
        description="The channel's Apprise URL holds the service's token, so it is read from a secret "
        "file (mode 0600) holding one line like ntfys://tk_mytoken@ntfy.example.org/strainwatch or "
        "gotify://gotify.example.org/AbCdEfToken or tgram://bottoken/chat_id. Default: "
        "$CREDENTIALS_DIRECTORY/<name> under systemd (LoadCredential=phone:/etc/strainwatch/phone).",
    )
