"""Push services on 127.0.0.1, speaking the real publish APIs over real HTTP, for Apprise to
send to: an ntfy server (POST /<topic> with Title/Priority/Tags/Click headers, and the
JSON publish to / that Apprise uses), a Gotify server (POST /message, the application token
as ?token=, X-Gotify-Key or a Bearer header; JSON title/message/priority) and a generic
JSON webhook (Apprise's json://). Errors are the services' own shapes (ntfy's
{"code": 42901, "http": 429, …}, Gotify's {"error", "errorCode", "errorDescription"}).

A test scripts failures (`fail_next`), slows acceptance (`delay`), or takes the server down
and up again on the same port (`stop`, `start`).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_REF = re.compile(r"\bref ([0-9a-f]{12})\b")
_NTFY_ERRORS = {
    401: (40101, "unauthorized"),
    403: (40301, "forbidden"),
    404: (40401, "page not found"),
    429: (42901, "limit reached: too many requests"),
    500: (50001, "internal server error"),
    503: (50301, "service unavailable"),
}
_PRIORITIES = {"min": 1, "low": 2, "default": 3, "high": 4, "max": 5, "urgent": 5}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Received:
    service: str  # ntfy | gotify | json
    title: str
    message: str
    priority: str = ""
    tags: str = ""
    click: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    accepted_at: float = 0.0  # clock-ok: time.time() when the answer went out (compared with log times)

    @property
    def ref(self) -> str:
        """The idempotency reference strainwatch puts in every push."""
        match = _REF.search(self.message)
        return match.group(1) if match else ""


class PushServer:
    """One service (`kind`: ntfy, gotify, json) on a fixed loopback port."""

    def __init__(self, kind: str, token: str, port: int | None = None) -> None:
        self.kind, self.token = kind, token
        self.port = port or free_port()
        self.received: list[Received] = []
        self.requests = 0
        self.failures: list[int] = []  # statuses to answer the next requests with
        self.delay = 0.0
        self.on_request: Callable[[], None] | None = None  # called in the handler, before it answers
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control

    def start(self) -> PushServer:
        handler = type("Handler", (_Handler,), {"push": self})
        server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def fail_next(self, status: int, times: int = 1) -> None:
        with self.lock:
            self.failures.extend([status] * times)

    def heal(self) -> None:
        with self.lock:
            self.failures.clear()

    def __enter__(self) -> PushServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- the URLs a user would write

    def apprise_url(self) -> str:
        if self.kind == "ntfy":
            return f"ntfy://:{self.token}@127.0.0.1:{self.port}/strainwatch-{self.token[:6]}?auth=token"
        if self.kind == "gotify":
            return f"gotify://127.0.0.1:{self.port}/{self.token}"
        return f"json://127.0.0.1:{self.port}/hooks/{self.token}"


class _Handler(BaseHTTPRequestHandler):
    push: PushServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int) -> None:
        if self.push.kind == "ntfy":
            code, text = _NTFY_ERRORS.get(status, (status * 100 + 1, "error"))
            self._answer(
                status, {"code": code, "http": status, "error": text, "link": "https://ntfy.sh/docs/"}
            )
        elif self.push.kind == "gotify":
            self._answer(
                status,
                {
                    "error": self.responses[status][0],
                    "errorCode": status,
                    "errorDescription": "you need to provide a valid access token",
                },
            )
        else:
            self._answer(status, {"error": self.responses[status][0]})

    def do_PUT(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        push = self.push
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if push.on_request is not None:
            push.on_request()
        with push.lock:
            push.requests += 1
            forced = push.failures.pop(0) if push.failures else None
        if forced is not None:
            self._error(forced)
            return
        if not self._authorised():
            self._error(401)
            return
        try:
            received = getattr(self, f"_{push.kind}")(raw)
        except (ValueError, KeyError):
            self._answer(400, {"code": 40001, "http": 400, "error": "invalid request"})
            return
        if received is None:
            self._error(404)
            return
        if push.delay:
            time.sleep(push.delay)
        accepted = time.time()  # clock-ok: a latency figure, compared with log lines' times
        stamped = Received(**{**received.__dict__, "accepted_at": accepted})
        with push.lock:
            push.received.append(stamped)
            number = len(push.received)
        self._answer(
            200, {"id": f"m{number:04d}", "time": int(accepted), "event": "message"}
        )  # ntfy's own time

    def _authorised(self) -> bool:
        token = self.push.token
        auth = self.headers.get("Authorization", "")
        if self.push.kind == "ntfy":
            return auth == f"Bearer {token}"
        if self.push.kind == "gotify":
            query = dict(p.split("=", 1) for p in self.path.partition("?")[2].split("&") if "=" in p)
            return token in (
                query.get("token"),
                self.headers.get("X-Gotify-Key"),
                auth.removeprefix("Bearer "),
            )
        return self.path.split("?")[0] == f"/hooks/{token}"

    def _ntfy(self, raw: bytes) -> Received | None:
        h = self.headers
        path = self.path.split("?")[0].strip("/")
        if path:  # POST /<topic>: the body is the message, the rest in headers
            title = h.get("X-Title") or h.get("Title") or h.get("t") or ""
            message = raw.decode()
            priority = h.get("X-Priority") or h.get("Priority") or h.get("p") or ""
            tags = h.get("X-Tags") or h.get("Tags") or h.get("ta") or ""
            click = h.get("X-Click") or h.get("Click") or ""
        else:  # the JSON publish: {"topic": …, "title": …, "message": …}; headers may add to it
            body = json.loads(raw)
            if not body.get("topic"):
                raise ValueError("no topic")
            title, message = body.get("title", ""), body.get("message", "")
            priority = str(body.get("priority") or h.get("X-Priority") or "")
            tags = ",".join(body.get("tags") or []) or h.get("X-Tags") or ""
            click = body.get("click") or h.get("X-Click") or ""
        if priority and priority not in _PRIORITIES and not priority.isdigit():
            raise ValueError("bad priority")
        return Received("ntfy", title, message, priority, tags, click, dict(h.items()))

    def _gotify(self, raw: bytes) -> Received | None:
        if self.path.split("?")[0] != "/message":
            return None
        body = json.loads(raw)
        if not body.get("message"):
            raise ValueError("message is required")
        return Received(
            "gotify",
            body.get("title", ""),
            body["message"],
            str(body.get("priority", "")),
            headers=dict(self.headers.items()),
        )

    def _json(self, raw: bytes) -> Received | None:
        body = json.loads(raw)
        return Received(
            "json",
            body.get("title", ""),
            body.get("message", ""),
            body.get("type", ""),
            headers=dict(self.headers.items()),
        )
