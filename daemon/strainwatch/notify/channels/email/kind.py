"""Email, every athlete's channel: over SMTP with [smtp], else appended to the mbox file.

One channel serves every athlete (one server, one From); it takes every message, with
[notify] quiet_hours, and shows all of it (the mail renderer, chart included).
"""

from __future__ import annotations

import os
from collections.abc import Collection
from typing import TYPE_CHECKING

from strainwatch.config.compose import KindConfig
from strainwatch.config.secret_files import read_secret
from strainwatch.config.settings import AthleteSettings, Settings
from strainwatch.errors import StrainwatchError
from strainwatch.notify.channels.base import MESSAGE_KINDS, Channel, Route, outbox_status
from strainwatch.notify.channels.email.channel import EMAIL, MboxChannel, SmtpChannel
from strainwatch.notify.channels.email.settings import TABLE, SmtpSettings, secrets, smtp_of
from strainwatch.notify.render import FullRenderer
from strainwatch.sources.base import Check, probe

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from strainwatch.kind_status import KindStatus

RENDERER = FullRenderer()


def mail_channel(settings: Settings) -> Channel:
    """The email channel: SMTP (its password read and registered with the log redactor), or
    the mbox file."""
    smtp = smtp_of(settings)
    if smtp is None:
        return MboxChannel(settings.mbox_path)
    password = read_secret("smtp-password", smtp.password_file) if smtp.username else None
    if password:
        from strainwatch.logsetup import redactor

        redactor.add([password])
    return SmtpChannel(smtp, password)


def _check(settings: Settings) -> str:
    channel = mail_channel(settings)
    if isinstance(channel, SmtpChannel):
        return channel.check()
    path = settings.mbox_path
    folder = path.parent if path.parent.exists() else path.parent.parent
    if not os.access(folder, os.W_OK):
        raise StrainwatchError(f"cannot write {path}")
    return f"no [smtp]: mail goes to {path}"


class EmailKind:
    name = EMAIL
    config = KindConfig(TABLE, top=SmtpSettings, reserved={EMAIL: "the mail channel's name"}, secrets=secrets)

    def routes(self, settings: Settings, athlete: AthleteSettings) -> list[Route]:
        return [
            Route(
                EMAIL,
                frozenset(MESSAGE_KINDS.values()),
                settings.notify.quiet_hours,
                RENDERER,
                lambda: mail_channel(settings),
                own_id=True,
            )
        ]

    def doctor(self, settings: Settings) -> list[Check]:
        return [probe("mail", lambda: _check(settings))]

    def status(self, settings: Settings, session: Session, athlete_ids: Collection[str]) -> KindStatus | None:
        return outbox_status(session, self.name, "Mail", [(EMAIL, None)], athlete_ids)


KIND = EmailKind()
