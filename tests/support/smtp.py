"""A real SMTP server for the mail tests: aiosmtpd on a free loopback port with a handler that
records what it accepts and answers from a script of replies (4xx, 5xx), optionally with
STARTTLS and AUTH (user "sw", password "s3cret-pass")."""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Recorder:
    """An SMTP handler that keeps what it accepted and answers DATA from a script of replies."""

    messages: list[tuple[list[str], bytes]] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)  # consumed one per DATA; empty: accept

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.replies:
            return self.replies.pop(0)
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 2.0.0 queued as 42"


class SlowRecorder(Recorder):
    """Accepts after a pause, widening the window between acceptance and the commit."""

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        await asyncio.sleep(0.3)
        return await super().handle_DATA(server, session, envelope)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_smtp(handler: Recorder, port: int, tls_context: ssl.SSLContext | None = None) -> Controller:
    """The server on 127.0.0.1:`port`, started; with `tls_context` it requires STARTTLS and AUTH."""

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"sw", b"s3cret-pass")
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535 itself

    kwargs: dict[str, Any] = {}
    if tls_context is not None:
        kwargs = {
            "tls_context": tls_context,
            "require_starttls": True,
            "authenticator": authenticate,
            "auth_require_tls": True,
            "auth_exclude_mechanism": ["LOGIN"],
        }
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return controller
