"""Delivering one rendered message: SMTP (standard library), or an mbox file by default.

Failures are sorted at this boundary: temporary ones (refused connection, timeout, 4xx)
are retried later; permanent ones (5xx, authentication, a certificate that does not verify)
wait for the user. Passwords never appear in errors: smtplib does not echo them.
"""

from __future__ import annotations

import fcntl
import mailbox
import os
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Protocol

from strainwatch.config.secret_files import read_secret
from strainwatch.config.settings import Settings, SmtpSettings
from strainwatch.errors import StrainwatchError

DEFAULT_SENDER = "strainwatch <strainwatch@localhost>"


class DeliveryError(StrainwatchError):
    permanent = False


class TemporaryDeliveryError(DeliveryError):
    """Try again later: the server is down, busy, or said 4xx."""


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help until the user acts: 5xx, authentication, TLS trust."""

    permanent = True


class Transport(Protocol):
    sender: str
    lease: timedelta  # how long one send may take: a claim older than this was a crash

    def send(self, message: EmailMessage) -> str:
        """Deliver; return what the other side said. Raises DeliveryError."""
        ...


def _recipients(message: EmailMessage) -> list[str]:
    return [address for _, address in getaddresses(message.get_all("To", [])) if address]


def _by_code(code: int, text: str) -> DeliveryError:
    error = PermanentDeliveryError if code >= 500 else TemporaryDeliveryError
    return error(f"server said {code} {text}")


class SmtpTransport:
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

    def send(self, message: EmailMessage) -> str:
        with self._logged_in() as smtp:
            code, reply = smtp.mail(parseaddr(self.sender)[1])
            if code != 250:
                raise _by_code(code, reply.decode(errors="replace"))
            for address in _recipients(message):
                code, reply = smtp.rcpt(address)
                if code not in (250, 251):
                    raise _by_code(code, reply.decode(errors="replace"))
            code, reply = smtp.data(message.as_bytes())
            if code != 250:
                raise _by_code(code, reply.decode(errors="replace"))
        s = self.settings
        return f"{s.host}:{s.port} accepted it: {code} {reply.decode(errors='replace')}"


class MboxTransport:
    """The embedded default: append to an mbox file, readable with mutt -f or any mail app."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sender = DEFAULT_SENDER
        self.lease = timedelta(seconds=30)

    def send(self, message: EmailMessage) -> str:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
            os.close(fd)
            box = mailbox.mbox(self.path, create=True)
            with self.path.open("rb") as lock_handle:
                fcntl.flock(lock_handle, fcntl.LOCK_EX)
                try:
                    box.add(message)
                    box.flush()
                finally:
                    fcntl.flock(lock_handle, fcntl.LOCK_UN)
            box.close()
        except OSError as exc:
            raise TemporaryDeliveryError(f"cannot write: {exc.strerror}", where=str(self.path)) from None
        return f"written to {self.path}"


def sender_of(settings: Settings) -> str:
    """The From address: [smtp] from, or the local default of the mbox."""
    return settings.smtp.sender if settings.smtp is not None else DEFAULT_SENDER


def transport_for(settings: Settings) -> Transport:
    smtp = settings.smtp
    if smtp is None:
        return MboxTransport(settings.mbox_path)
    password = read_secret("smtp-password", smtp.password_file) if smtp.username else None
    if password:
        from strainwatch.logsetup import redactor

        redactor.add([password])
    return SmtpTransport(smtp, password)
