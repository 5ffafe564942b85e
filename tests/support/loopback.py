"""A real HTTP server on a free loopback port for the stand-ins of the services' APIs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Generic, TypeVar

F = TypeVar("F")


class LoopbackServer(ThreadingHTTPServer, Generic[F]):
    """Its handlers find the stand-in they serve as `self.server.fake`."""

    daemon_threads = True
    fake: F


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], fake: F) -> Iterator[str]:
    """`handler` serving `fake` on 127.0.0.1 until the block ends; yields the base URL."""
    server: LoopbackServer[F] = LoopbackServer(("127.0.0.1", 0), handler)
    server.fake = fake
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
