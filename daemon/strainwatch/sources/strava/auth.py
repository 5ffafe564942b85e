"""Strava's OAuth on a headless server: the redirect URL, and reading the code out of it."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from strainwatch.errors import StrainwatchError

REDIRECT = "http://localhost/exchange_token"


def parse_code(text: str) -> tuple[str, str | None]:
    """A bare code, or the redirect URL the browser ended on (code and granted scopes)."""
    text = text.strip()
    if "code=" not in text:
        if not text:
            raise StrainwatchError("no code given")
        return text, None
    query = parse_qs(urlsplit(text).query or text.partition("?")[2])
    if "error" in query:
        raise StrainwatchError(
            f"Strava says: {query['error'][0]}", hint="authorize again and press Authorize"
        )
    code = query.get("code", [""])[0]
    if not code:
        raise StrainwatchError("no code in that URL")
    return code, query.get("scope", [None])[0]


def receive_redirect(port: int) -> str:
    """Receive the redirect on 127.0.0.1:PORT once; returns the request's URL."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"strainwatch received the authorization; you can close this tab.\n")

        def log_message(self, *_args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    thread.join()
    server.server_close()
    return received[0] if received else ""
