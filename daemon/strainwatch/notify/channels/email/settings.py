"""`[smtp]`: the mail server every athlete's mail goes through; without it, the mbox file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import ConfigDict, Field, field_validator

from strainwatch.config.settings import EMAIL_ADDRESS, ConfigModel, ConfigPath, table_of

if TYPE_CHECKING:
    from strainwatch.config.settings import Settings

TABLE = "smtp"


class SmtpSettings(ConfigModel):
    """`[smtp]`: mail. Without an [smtp] table, messages go to an mbox file beside the database
    (or to [notify] mbox), so nothing needs a mail server to try strainwatch out."""

    host: Annotated[str, Field(min_length=1)] = Field(
        examples=["mail.example.org"], description="The mail server."
    )
    port: Annotated[int, Field(ge=1, le=65535)] = Field(default=587, description="Its port.")
    security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls",
        description='"starttls" (port 587), "ssl" (port 465) or "none" (a trusted local relay only).',
    )
    username: str | None = Field(
        default=None, examples=["strainwatch"], description="To log in; none: no login."
    )
    password_file: ConfigPath | None = Field(
        default=None,
        examples=["/etc/strainwatch/smtp-password"],
        description="Secrets come from files only (mode 0600), or systemd's "
        "$CREDENTIALS_DIRECTORY/smtp-password.",
    )
    sender: str = Field(
        alias="from",
        examples=["strainwatch <strainwatch@example.org>"],
        description="Who every message is from.",
    )
    timeout: Annotated[int, Field(ge=1, le=600)] = Field(default=30, description="Seconds per request.")
    ca_file: ConfigPath | None = Field(
        default=None,
        examples=["/etc/strainwatch/home-ca.pem"],
        description="A private CA that signed your home mail server's certificate (PEM).",
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        from email.utils import parseaddr

        if "\n" in value or "\r" in value or not EMAIL_ADDRESS.match(parseaddr(value)[1]):
            raise ValueError(f"not a sender address: {value!r}")
        return value


def smtp_of(settings: Settings) -> SmtpSettings | None:
    return table_of(settings, TABLE, SmtpSettings)


def secrets(settings: Settings) -> list[tuple[str, Path | None]]:
    smtp = smtp_of(settings)
    return [("smtp-password", smtp.password_file)] if smtp is not None and smtp.username else []
