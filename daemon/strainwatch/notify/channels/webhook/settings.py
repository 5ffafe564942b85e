"""The keys of a `[[athletes.channels]]` table of kind "webhook"."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from strainwatch.config.settings import ChannelSettings, ConfigPath

WEBHOOK: Literal["webhook"] = "webhook"


class WebhookChannelSettings(ChannelSettings):
    """A signed webhook (no extra needed): each message POSTed as JSON (ref, key, athlete,
    subject, text, severity, alerts, created_at), the body signed with HMAC-SHA256 of a shared
    secret in the X-Strainwatch-Signature header ("sha256=<hex>"), and X-Strainwatch-Ref the
    same on a retry. HTTP 408, 425, 429, 5xx and no connection are retried; any other answer
    parks it."""

    kind: Literal["webhook"] = Field(default="webhook", description="The kind of channel.")
    url: str = Field(examples=["https://hooks.example.org/strainwatch"], description="http:// or https://.")
    secret_file: ConfigPath | None = Field(
        default=None,
        examples=["/etc/strainwatch/hook-secret"],
        description="The shared secret, one line, from a file (mode 0600); default "
        "$CREDENTIALS_DIRECTORY/<name>.",
    )

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http:// or https:// URL")
        return value
