"""The HTTP connections uvicorn keeps, made cheap to hold open: a connection must finish its
request's headers within HEADER_TIMEOUT_S of opening (or of its previous answer), whatever it
trickles in meanwhile; an idle keep-alive connection is closed after uvicorn's
`timeout_keep_alive`; and past MAX_CONNECTIONS the oldest idle ones make room.

Connections are not requests: uvicorn's own `limit_concurrency` counts both and answers 503
(without our headers) once enough sockets merely sit open. The page's concurrency is limited
per request instead, in `admission`, where it queues.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from strainwatch.web.app import SECURITY_HEADERS

log = logging.getLogger(__name__)

HEADER_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 2000


class GuardedH11Protocol(H11Protocol):
    header_timeout_s = HEADER_TIMEOUT_S
    max_connections = MAX_CONNECTIONS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_deadline: asyncio.TimerHandle | None = None
        self.opened = time.monotonic()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            self._make_room()
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        before = self.scope
        super().handle_events()
        if self.scope is not before:  # a request's headers arrived in full
            self._disarm_header_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_deadline()  # the next request's headers, on a kept-alive connection

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to bytes that are no HTTP request, with the security headers too."""
        event = h11.Response(
            status_code=400,
            reason=b"Bad Request",
            headers=[
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"connection", b"close"),
                *SECURITY_HEADERS,
            ],
        )
        for part in (event, h11.Data(data=msg.encode("ascii", "replace")), h11.EndOfMessage()):
            with contextlib.suppress(h11.LocalProtocolError):
                self.transport.write(self.conn.send(part) or b"")
        self.transport.close()

    def idle(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        self.header_deadline = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _disarm_header_deadline(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _headers_too_slow(self) -> None:
        self.header_deadline = None
        if not self.transport.is_closing() and self.idle():
            self.transport.close()

    def _make_room(self) -> None:
        """Close the oldest connections that wait for no answer; with none, this one."""
        idle = sorted(
            (c for c in self.connections if isinstance(c, GuardedH11Protocol) and c is not self and c.idle()),
            key=lambda c: c.opened,
        )
        victims = idle[: len(self.connections) - self.max_connections] or [self]
        log.warning(
            "web: more than %d connections open: closing %d idle one(s)", self.max_connections, len(victims)
        )
        for victim in victims:
            victim.transport.close()
