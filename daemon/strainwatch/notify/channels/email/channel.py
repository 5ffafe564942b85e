"""Email: the RFC 5322 message is built from the stored notification at send time, so a
retry or a crash-resend carries the same Message-ID and Date. Sent over SMTP (standard
library), or appended to an mbox file, the embedded default.

Passwords never appear in errors: smtplib does not echo them. Header values were stripped of
line breaks at render time and are folded by the email package, so activity data cannot add
a header.
"""

from __future__ import annotations

import fcntl
import mailbox
import os
import smtplib
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import IO

from strainwatch.notify.channels.base import DeliveryError, PermanentDeliveryError, TemporaryDeliveryError
from strainwatch.notify.channels.email.settings import SmtpSettings
from strainwatch.notify.notification import DEFAULT_SENDER, Notification, header_text

EMAIL = "email"


def email_message(n: Notification, sender: str) -> EmailMessage:
    """The mail of a notification: plain text with an HTML alternative."""
    msg = EmailMessage(policy=SMTP)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    athlete = n.recipient.athlete_id
    created = n.created_at if n.created_at.tzinfo is not None else n.created_at.replace(tzinfo=UTC)
    msg["From"] = sender
    msg["To"] = formataddr((header_text(n.recipient.name, 80), n.recipient.email))
    msg["Subject"] = n.subject
    msg["Date"] = format_datetime(created)
    msg["Message-ID"] = n.message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["List-Id"] = f"strainwatch alerts for {athlete} <{athlete}.strainwatch.{domain}>"
    msg["X-Strainwatch-Athlete"] = athlete
    msg.set_content(n.text)
    if n.html:
        msg.add_alternative(n.html, subtype="html")
    return msg


def _by_code(code: int, text: str) -> DeliveryError:
    error = PermanentDeliveryError if code >= 500 else TemporaryDeliveryError
    return error(f"server said {code} {text}")


class SmtpChannel:
    name = EMAIL

    def __init__(self, settings: SmtpSettings, password: str | None) -> None:
        self.settings = settings
        self.password = password
        self.sender = settings.sender
        # connect, EHLO, STARTTLS, login, MAIL, RCPT, DATA: each may take `timeout`
        self.lease = timedelta(seconds=3 * settings.timeout + 30)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context(cafile=str(s.ca_file) if s.ca_file else None)
        if s.security == "ssl":
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        smtp.ehlo()
        if s.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        return smtp

    @contextmanager
    def _logged_in(self) -> Iterator[smtplib.SMTP]:
        """A connected, encrypted, logged-in session; every failure sorted into temporary or
        permanent, and named with the server."""
        s = self.settings
        where = f"{s.host}:{s.port}"
        try:
            with self._connect() as smtp:
                if s.username:
                    smtp.login(s.username, self.password or "")
                yield smtp
        except DeliveryError as exc:
            exc.where = where
            raise
        except smtplib.SMTPAuthenticationError as exc:
            hint = "check [smtp] username and password_file"
            raise PermanentDeliveryError(f"login refused: {exc.smtp_code}", where=where, hint=hint) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentDeliveryError(f"not supported by the server: {exc}", where=where) from None
        except smtplib.SMTPResponseException as exc:
            text = (
                exc.smtp_error if isinstance(exc.smtp_error, str) else exc.smtp_error.decode(errors="replace")
            )
            error = _by_code(exc.smtp_code, text)
            error.where = where
            raise error from None
        except ssl.SSLCertVerificationError as exc:
            hint = "set [smtp] ca_file for a private CA"
            raise PermanentDeliveryError(
                f"certificate not trusted: {exc.verify_message}", where=where, hint=hint
            ) from None
        except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPException, OSError) as exc:
            raise TemporaryDeliveryError(f"{type(exc).__name__}: {exc}", where=where) from None

    def check(self) -> str:
        """Connect, EHLO, STARTTLS, log in, NOOP, quit: everything but sending."""
        with self._logged_in() as smtp:
            code, _ = smtp.noop()
        s = self.settings
        return f"{s.host}:{s.port}: {s.security}{', logged in' if s.username else ''}, NOOP {code}"

    def send(self, notification: Notification) -> str:
        message = email_message(notification, self.sender)
        with self._logged_in() as smtp:
            code, reply = smtp.mail(parseaddr(self.sender)[1])
            if code != 250:
                raise _by_code(code, reply.decode(errors="replace"))
            code, reply = smtp.rcpt(notification.recipient.email)
            if code not in (250, 251):
                raise _by_code(code, reply.decode(errors="replace"))
            code, reply = smtp.data(message.as_bytes())
            if code != 250:
                raise _by_code(code, reply.decode(errors="replace"))
        s = self.settings
        return f"{s.host}:{s.port} accepted it: {code} {reply.decode(errors='replace')}"


class MboxChannel:
    """The embedded default: append to an mbox file, readable with mutt -f or any mail app.

    A mail program holding the file's lock longer than `lock_wait` seconds is a temporary
    failure; a path that is a folder or not ours to write is permanent until the user acts.
    """

    name = EMAIL

    def __init__(self, path: Path, sender: str = DEFAULT_SENDER, lock_wait: float = 10.0) -> None:
        self.path = path
        self.sender = sender
        self.lock_wait = lock_wait
        self.lease = timedelta(seconds=30 + lock_wait)

    def _lock(self, handle: IO[bytes]) -> None:
        deadline = time.monotonic() + self.lock_wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TemporaryDeliveryError("locked by another program", where=str(self.path)) from None
                time.sleep(0.1)

    def send(self, notification: Notification) -> str:
        message = email_message(notification, self.sender)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
            os.close(fd)
            box = mailbox.mbox(self.path, create=True)
            with self.path.open("rb") as lock_handle:
                self._lock(lock_handle)
                try:
                    box.add(message)
                    box.flush()
                finally:
                    fcntl.flock(lock_handle, fcntl.LOCK_UN)
            box.close()
        except (IsADirectoryError, NotADirectoryError, PermissionError) as exc:
            hint = "check [notify] mbox and the folder's permissions"
            raise PermanentDeliveryError(
                f"cannot write: {exc.strerror}", where=str(self.path), hint=hint
            ) from None
        except OSError as exc:
            raise TemporaryDeliveryError(f"cannot write: {exc.strerror}", where=str(self.path)) from None
        return f"written to {self.path}"
