"""Serving the app with uvicorn: in the foreground (`strainwatch serve`: SIGTERM and Ctrl-C
stop it) or in a thread beside the daemon's scheduler (stopped with the daemon).

The listening socket is bound before uvicorn starts, so a port in use is one clear error and
a client connecting early waits in the backlog instead of being refused. Connections are
guarded in `connections` (header deadline, idle ones closed), requests in `admission`
(a queue, a body deadline).
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from strainwatch.config.settings import Settings, split_listen
from strainwatch.errors import StrainwatchError
from strainwatch.web.app import create_app
from strainwatch.web.cache import HistoryCache
from strainwatch.web.connections import GuardedH11Protocol
from strainwatch.web.page import Page, Redirect
from strainwatch.web.recent import RecentPages

if TYPE_CHECKING:
    import uvicorn

    from strainwatch.store.db import Sessions
    from strainwatch.views.profile import TrackReader

log = logging.getLogger(__name__)

KEEP_ALIVE_S = 5  # an idle kept-alive connection is closed after this


def bind(listen: str) -> socket.socket:
    host, port = split_listen(listen)
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.create_server((host, port), family=family, backlog=128, reuse_port=False)
    except OSError as error:
        raise StrainwatchError(
            f"[web] listen = {listen!r}: cannot listen there: {error.strerror or error}",
            hint="choose another port with [web] listen (or `strainwatch serve --listen`)",
        ) from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _server(
    settings: Settings,
    db: Sessions,
    now: Callable[[], datetime],
    histories: HistoryCache,
    recent: RecentPages[Page | Redirect] | None = None,
    *,
    samples: TrackReader | None = None,
) -> tuple[uvicorn.Server, threading.Event]:
    """The server, and the event it sets once it accepts connections."""
    try:
        import uvicorn
    except ImportError:
        raise StrainwatchError(
            "the web page needs the `web` extra", hint="pip install 'strainwatch[web]'"
        ) from None

    ready = threading.Event()

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            ready.set()

    config = uvicorn.Config(
        create_app(settings, db, now, histories, recent, samples=samples),
        lifespan="off",
        proxy_headers=False,
        server_header=False,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=3,
        http=GuardedH11Protocol,
        ws="none",
        timeout_keep_alive=KEEP_ALIVE_S,
        h11_max_incomplete_event_size=64 * 1024,
    )
    return Server(config), ready


def serve_forever(
    settings: Settings,
    db: Sessions,
    now: Callable[[], datetime],
    sock: socket.socket,
    on_ready: Callable[[str], None],
    *,
    samples: TrackReader | None = None,
) -> None:
    """Until SIGTERM or SIGINT (uvicorn's handlers, in the main thread)."""
    server, ready = _server(settings, db, now, HistoryCache(), samples=samples)

    def announce() -> None:
        if ready.wait():
            on_ready(url_of(sock))

    threading.Thread(target=announce, daemon=True).start()
    # uvicorn stops gracefully on these, then raises them again under the handlers found at
    # start: quiet ones, so that a stop asked for is exit 0, not death by signal
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: None)
    server.run(sockets=[sock])
    log.info("web page stopped")


class ServerThread:
    """The page in a thread of the daemon (and of the tests): `start` returns once uvicorn is
    accepting; `stop` ends it within a few seconds."""

    def __init__(
        self,
        settings: Settings,
        db: Sessions,
        now: Callable[[], datetime],
        sock: socket.socket | None = None,
        *,
        samples: TrackReader | None = None,
    ) -> None:
        self.sock = sock or bind(settings.web.listen)
        self.settings, self.db, self.now = settings, db, now
        self.histories = HistoryCache()
        self.recent: RecentPages[Page | Redirect] = RecentPages()
        self.server, self.ready = _server(settings, db, now, self.histories, self.recent, samples=samples)
        self.thread = threading.Thread(target=self._run, name="web", daemon=True)
        self.error: BaseException | None = None

    @property
    def url(self) -> str:
        return url_of(self.sock)

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as error:  # reported by start(), or logged
            self.error = error
            log.error("web page stopped: %s", error)
        finally:
            self.ready.set()

    def start(self, timeout: float = 30.0) -> ServerThread:
        self.thread.start()
        if not self.ready.wait(timeout) or self.error is not None:
            raise StrainwatchError(f"the web page did not start: {self.error or 'timed out'}")
        return self

    def warm(self, athlete_ids: list[str] | None = None) -> None:
        """Build today's overview history again for these athletes (all: None) where a pass
        changed it, so that the first look after a new run is as quick as the next."""
        athletes = [a for a in self.settings.athletes if athlete_ids is None or a.id in athlete_ids]
        self.histories.warm(self.db, athletes, self.now())
        self.recent.clear()  # pages answered before the pass are not shown after it

    def stop(self, timeout: float = 5.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        self.sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.stop()
