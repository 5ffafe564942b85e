"""The channel the config asks for: SMTP with [smtp], else the mbox file."""

from __future__ import annotations

from strainwatch.config.secret_files import read_secret
from strainwatch.config.settings import Settings
from strainwatch.notify.channels.base import Channel
from strainwatch.notify.channels.email import DEFAULT_SENDER, MboxChannel, SmtpChannel


def sender_of(settings: Settings) -> str:
    """The From address: [smtp] from, or the local default of the mbox."""
    return settings.smtp.sender if settings.smtp is not None else DEFAULT_SENDER


def transport_for(settings: Settings) -> Channel:
    smtp = settings.smtp
    if smtp is None:
        return MboxChannel(settings.mbox_path)
    password = read_secret("smtp-password", smtp.password_file) if smtp.username else None
    if password:
        from strainwatch.logsetup import redactor

        redactor.add([password])
    return SmtpChannel(smtp, password)
