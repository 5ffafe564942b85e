"""A webhook receiver on 127.0.0.1 over real HTTP: it checks strainwatch's HMAC-SHA256
signature of the raw body as a receiver should (hmac.compare_digest), answers 401 to a body
that does not match, and answers scripted statuses (`fail_next`) to test retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Hook:
    headers: dict[str, str]
    body: dict[str, Any]


class WebhookServer:
    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.received: list[Hook] = []
        self.refused = 0  # bodies whose signature did not match
        self.failures: list[int] = []
        self.lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"hook": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/strainwatch?token=tk_hook_secret"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, status: int, times: int = 1) -> None:
        with self.lock:
            self.failures += [status] * times

    def heal(self) -> None:
        with self.lock:
            self.failures.clear()


class _Handler(BaseHTTPRequestHandler):
    hook: WebhookServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        expected = "sha256=" + hmac.new(self.hook.secret, raw, hashlib.sha256).hexdigest()
        with self.hook.lock:
            if not hmac.compare_digest(expected, self.headers.get("X-Strainwatch-Signature", "")):
                self.hook.refused += 1
                status = 401
            elif self.hook.failures:
                status = self.hook.failures.pop(0)
            else:
                status = 204
                self.hook.received.append(Hook(dict(self.headers.items()), json.loads(raw)))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
