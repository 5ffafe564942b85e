"""A local fake of Strava's API on 127.0.0.1, serving the real API's shapes.

Real HTTP, so strainwatch's own client, stravalib and requests are exercised end to end;
strainwatch reaches it only through the configured api_url and oauth_url. Scriptable:
pagination, the token endpoint (codes, refresh, rotation, revocation), rate-limit headers
on every response, 401/403 inactive/429/5xx, malformed JSON, late uploads, empty streams.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support import clock
from tests.support.loopback import LoopbackServer, serving

INACTIVE = {
    "message": "Forbidden",
    "errors": [{"resource": "Application", "field": "Status", "code": "Inactive"}],
}
UNAUTHORIZED = {
    "message": "Authorization Error",
    "errors": [{"resource": "Athlete", "field": "access_token", "code": "invalid"}],
}
RATE_LIMITED = {
    "message": "Rate Limit Exceeded",
    "errors": [{"resource": "Application", "field": "rate limit", "code": "exceeded"}],
}


@dataclass
class Fault:
    path: str  # a prefix of the request path
    status: int
    body: Any = None
    raw: bytes | None = None  # sent as is (malformed JSON)
    times: int = 1
    stall: threading.Event | None = None  # hold the answer until this is set (a silent server)


@dataclass
class FakeStrava:
    activities: dict[int, dict[str, Any]] = field(default_factory=dict)
    streams: dict[int, dict[str, Any]] = field(default_factory=dict)
    no_streams: dict[int, int] = field(default_factory=dict)  # activity id: the streams' status
    gear: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    access: dict[str, datetime] = field(default_factory=dict)  # valid access tokens and expiry
    refresh: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=lambda: {"good-code"})
    limits: tuple[int, int] = (200, 2000)
    read_limits: tuple[int, int] = (100, 1000)
    usage: list[int] = field(default_factory=lambda: [0, 0])
    counter: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stalled: threading.Event = field(default_factory=threading.Event)  # a stalled request arrived
    url: str = ""

    # -- helpers for tests

    def add_run(
        self,
        activity_id: int,
        start: datetime,
        km: float,
        *,
        sport: str = "Run",
        name: str = "Run",
        private_note: str | None = None,
        gear_id: str | None = None,
        streams: bool = True,
        manual: bool = False,
    ) -> None:
        """`manual`: typed in afterwards, no map, and its streams answer 404 as Strava's do."""
        seconds = int(km * 330)
        self.activities[activity_id] = {
            "resource_state": 2,
            "athlete": {"id": 4242, "resource_state": 1},
            "id": activity_id,
            "name": name,
            "distance": km * 1000,
            "moving_time": seconds,
            "elapsed_time": seconds + 60,
            "total_elevation_gain": 35.0,
            "type": sport,
            "sport_type": sport,
            "start_date": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "start_date_local": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timezone": "(GMT+01:00) Europe/Berlin",
            "trainer": False,
            "commute": False,
            "manual": False,
            "private": False,
            "gear_id": gear_id,
            "average_speed": km * 1000 / seconds,
            "max_speed": 4.5,
            "average_heartrate": 148.0,
            "max_heartrate": 171.0,
            "has_heartrate": True,
            "map": {"id": f"a{activity_id}", "summary_polyline": "abc"},
            "_private_note": private_note,
            "_description": f"{name}, felt fine",
        }
        if manual:
            self.activities[activity_id] |= {
                "manual": True,
                "map": {"id": f"a{activity_id}", "summary_polyline": ""},
            }
            self.no_streams[activity_id] = 404
            self.streams.pop(activity_id, None)
        elif streams:
            n = seconds // 5
            self.streams[activity_id] = {
                "time": {
                    "data": [i * 5 for i in range(n)],
                    "series_type": "distance",
                    "original_size": n,
                    "resolution": "high",
                },
                "distance": {
                    "data": [i * 5 * km * 1000 / seconds for i in range(n)],
                    "series_type": "distance",
                    "original_size": n,
                    "resolution": "high",
                },
                "altitude": {
                    "data": [100 + (i % 40) for i in range(n)],
                    "series_type": "distance",
                    "original_size": n,
                    "resolution": "high",
                },
                "heartrate": {
                    "data": [148] * n,
                    "series_type": "distance",
                    "original_size": n,
                    "resolution": "high",
                },
            }
        else:
            self.streams[activity_id] = {}

    def calls(self, prefix: str = "") -> list[str]:
        return [line for line in self.log if line.split(" ", 1)[1].startswith(prefix)]

    def issue_tokens(self, expires_in: int = 21600) -> dict[str, Any]:
        self.counter += 1
        access, refresh = f"access-{self.counter}", f"refresh-{self.counter}"
        expires = clock.now() + timedelta(seconds=expires_in)
        self.access[access] = expires
        self.refresh.add(refresh)
        return {
            "token_type": "Bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_at": int(expires.timestamp()),
            "expires_in": expires_in,
        }


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer[FakeStrava]

    def log_message(self, *_args: object) -> None:
        return

    def _send(self, status: int, body: Any = None, raw: bytes | None = None, limits: bool = True) -> None:
        fake = self.server.fake
        payload = raw if raw is not None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        if limits:
            self.send_header("X-RateLimit-Limit", f"{fake.limits[0]},{fake.limits[1]}")
            self.send_header("X-RateLimit-Usage", f"{fake.usage[0]},{fake.usage[1]}")
            self.send_header("X-ReadRateLimit-Limit", f"{fake.read_limits[0]},{fake.read_limits[1]}")
            self.send_header("X-ReadRateLimit-Usage", f"{fake.usage[0]},{fake.usage[1]}")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _fault(self, path: str) -> bool:
        fake = self.server.fake
        for fault in fake.faults:
            if path.startswith(fault.path) and fault.times > 0:
                fault.times -= 1
                self._send(fault.status, fault.body, fault.raw)
                return True
        return False

    def do_POST(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        form.update({k: v[0] for k, v in parse_qs(parts.query).items()})
        with fake.lock:
            fake.log.append(f"POST {parts.path}")
            if self._fault(parts.path):
                return
            if parts.path != "/oauth/token" or form.get("client_secret") != "app-secret":
                self._send(401, UNAUTHORIZED, limits=False)
                return
            if form.get("grant_type") == "authorization_code" and form.get("code") in fake.codes:
                fake.codes.discard(form["code"])
                self._send(
                    200, {**fake.issue_tokens(), "athlete": {"id": 4242, "username": "sam"}}, limits=False
                )
            elif form.get("grant_type") == "refresh_token" and form.get("refresh_token") in fake.refresh:
                fake.refresh.discard(form["refresh_token"])  # rotation: the old one stops working
                self._send(200, fake.issue_tokens(), limits=False)
            else:
                self._send(
                    400,
                    {"message": "Bad Request", "errors": [{"resource": "RefreshToken", "code": "invalid"}]},
                    limits=False,
                )

    def do_GET(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        path = parts.path.removeprefix("/api/v3")
        for fault in list(fake.faults):
            if fault.stall is not None and path.startswith(fault.path) and fault.times > 0:
                fault.times -= 1
                fake.stalled.set()
                fault.stall.wait()
        with fake.lock:
            fake.log.append(f"GET {path}")
            fake.usage[0] += 1
            fake.usage[1] += 1
            if self._fault(path):
                return
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            if token not in fake.access or fake.access[token] < clock.now():
                self._send(401, UNAUTHORIZED)
                return
            self._route(path, query)

    def _route(self, path: str, query: dict[str, str]) -> None:
        fake = self.server.fake
        public = lambda a: {k: v for k, v in a.items() if not k.startswith("_")}  # noqa: E731
        if path == "/athlete/activities":
            after = int(query.get("after", 0))
            page, per_page = int(query.get("page", 1)), int(query.get("per_page", 30))
            chosen = sorted(
                (
                    a
                    for a in fake.activities.values()
                    if datetime.fromisoformat(a["start_date"].replace("Z", "+00:00")).timestamp() > after
                ),
                key=lambda a: a["start_date"],
            )
            self._send(200, [public(a) for a in chosen[(page - 1) * per_page : page * per_page]])
        elif path.startswith("/activities/") and path.endswith("/streams"):
            activity_id = int(path.split("/")[2])
            if activity_id in fake.no_streams:
                self._send(fake.no_streams[activity_id], {"message": "Record Not Found", "errors": []})
            else:
                self._send(200, fake.streams.get(activity_id, {}))
        elif path.startswith("/activities/"):
            activity = fake.activities.get(int(path.split("/")[2]))
            if activity is None:
                self._send(404, {"message": "Record Not Found", "errors": []})
                return
            detail = {
                **public(activity),
                "resource_state": 3,
                "description": activity["_description"],
                "private_note": activity["_private_note"],
            }
            self._send(200, detail)
        elif path.startswith("/gear/"):
            gear = fake.gear.get(path.split("/")[2])
            self._send(200 if gear else 404, gear or {"message": "Record Not Found", "errors": []})
        else:
            self._send(404, {"message": "Record Not Found", "errors": []})


@contextmanager
def running(fake: FakeStrava) -> Iterator[FakeStrava]:
    with serving(_Handler, fake) as url:
        fake.url = url
        yield fake


def strava_table(fake: FakeStrava, folder: Path) -> str:
    """The [strava] table pointing at `fake`, with its client secret in a private file."""
    secret = folder / "strava-client-secret"
    secret.write_text("app-secret\n")
    secret.chmod(0o600)
    return (
        f'[strava]\nclient_id = 12345\nclient_secret_file = "{secret}"\n'
        f'api_url = "{fake.url}/api/v3"\noauth_url = "{fake.url}/oauth"\ntimeout = 5\n'
    )


def link_athlete(settings: Any, athlete_id: str = "sam") -> None:
    """What `strainwatch strava auth --code good-code` does, without the prompt."""
    from strainwatch.sources.strava.client import Quota
    from strainwatch.sources.strava.sync import strava_client
    from strainwatch.store.db import open_database, unit_of_work
    from strainwatch.store.repository import ensure_athlete

    sessions = open_database(settings.database_url)
    with sessions() as session, unit_of_work(session):
        ensure_athlete(session, athlete_id, settings.athlete(athlete_id).name, clock.now())
    strava_client(settings, sessions, athlete_id, None, Quota()).exchange("good-code")
