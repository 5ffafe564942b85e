"""A local fake of intervals.icu's API on 127.0.0.1, serving the shapes of its OpenAPI
description (https://intervals.icu/api/v1/docs).

Real HTTP with basic auth (user `API_KEY`), so strainwatch's client and requests are
exercised end to end; strainwatch reaches it only through the configured base_url.
Scriptable: the calendar's events (planned workouts, by `oldest`/`newest` and
`category`), the activity list by local date range (`oldest`/`newest`, inclusive), streams
as a list of {type, data}, Strava-sourced stubs (id, date, type and a `_note` only), late
edits, deletions, and faults (401/403/429/5xx, malformed JSON). Every request is logged.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback import LoopbackServer, serving

ATHLETE = "i424242"
KEY = "good-key-0123456789"
STUB_NOTE = "STRAVA activities are not available via the API"


@dataclass
class Fault:
    path: str  # a prefix of the request path
    status: int
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


@dataclass
class FakeIntervals:
    activities: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[int, dict[str, Any]] = field(default_factory=dict)  # the calendar: planned workouts, notes
    streams: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    log: list[str] = field(default_factory=list)  # "GET /api/v1/...?query"
    keys: set[str] = field(default_factory=lambda: {KEY})
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def add_run(
        self,
        activity_id: str,
        start: datetime,
        km: float,
        *,
        sport: str = "Run",
        name: str = "Morning Run",
        description: str | None = None,
        gear: str | None = "Pegasus 40",
        source: str = "GARMIN_CONNECT",
        streams: bool = True,
    ) -> None:
        """An activity as GET /athlete/{id}/activities lists it (the athlete lives at UTC, so local = UTC)."""
        seconds = int(km * 330)
        local = start.astimezone(UTC).replace(tzinfo=None)
        self.activities[activity_id] = {
            "id": activity_id,
            "icu_athlete_id": ATHLETE,
            "start_date": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "start_date_local": local.strftime("%Y-%m-%dT%H:%M:%S"),
            "type": sport,
            "name": name,
            "description": description,
            "distance": km * 1000.0,
            "icu_distance": km * 1000.0,
            "moving_time": seconds,
            "elapsed_time": seconds + 60,
            "total_elevation_gain": 35.0,
            "average_heartrate": 148,
            "max_heartrate": 171,
            "average_cadence": 84.5,
            "trainer": False,
            "source": source,
            "device_name": "Garmin Forerunner 265",
            "has_heartrate": True,
            "gear": {"id": "g123", "name": gear, "distance": 312000.0} if gear else None,
            "icu_training_load": 61,
            "timezone": "UTC",
            "analyzed": local.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        if streams:
            n = seconds // 5
            self.streams[activity_id] = [
                {"type": "time", "name": None, "data": [i * 5 for i in range(n)]},
                {"type": "distance", "name": None, "data": [i * 5 * km * 1000 / seconds for i in range(n)]},
                {"type": "altitude", "name": None, "data": [100.0 + (i % 40) for i in range(n)]},
                {"type": "heartrate", "name": None, "data": [148] * n},
                {"type": "velocity_smooth", "name": None, "data": [km * 1000 / seconds] * n},
            ]

    def add_strava_stub(self, activity_id: str, start: datetime, sport: str = "Run") -> None:
        """What the API lists for an activity intervals.icu received from Strava."""
        self.activities[activity_id] = {
            "id": activity_id,
            "icu_athlete_id": ATHLETE,
            "start_date_local": start.strftime("%Y-%m-%dT%H:%M:%S"),
            "type": sport,
            "source": "STRAVA",
            "_note": STUB_NOTE,
        }

    def add_planned(
        self,
        event_id: int,
        day: date,
        km: float | None,
        *,
        minutes: float | None = None,
        sport: str = "Run",
        name: str = "Long run",
        paired: str | None = None,
        category: str = "WORKOUT",
    ) -> None:
        """A calendar event as GET /athlete/{id}/events lists it (a planned workout by default)."""
        self.events[event_id] = {
            "id": event_id,
            "uid": f"{event_id}@intervals.icu",
            "athlete_id": ATHLETE,
            "category": category,
            "start_date_local": f"{day.isoformat()}T00:00:00",
            "end_date_local": f"{day.isoformat()}T00:00:00",
            "type": sport,
            "name": name,
            "description": None,
            "indoor": False,
            "color": None,
            "moving_time": None if minutes is None else int(minutes * 60),
            "distance": None if km is None else km * 1000.0,
            "icu_training_load": 80 if km else None,
            "icu_intensity": 70.0,
            "load_target": None,
            "time_target": None,
            "distance_target": None,
            "paired_activity_id": paired,
            "updated": "2026-01-01T00:00:00Z",
            "not_on_fitness_chart": False,
            "show_as_note": False,
            "show_on_ctl_line": True,
            "workout_doc": None,
        }

    def calls(self, prefix: str = "") -> list[str]:
        with self.lock:
            return [line for line in self.log if line.split(" ", 1)[1].startswith(prefix)]


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer[FakeIntervals]

    def log_message(self, *_args: object) -> None:
        return

    def _send(
        self, status: int, body: Any = None, raw: bytes | None = None, headers: dict[str, str] | None = None
    ) -> None:
        payload = raw if raw is not None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with fake.lock:
            fake.log.append(f"GET {self.path}")
            for fault in fake.faults:
                if parts.path.startswith(fault.path) and fault.times > 0:
                    fault.times -= 1
                    self._send(fault.status, fault.body, fault.raw, fault.headers)
                    return
            auth = self.headers.get("Authorization", "")
            try:
                user, _, key = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
            except ValueError:
                user, key = "", ""
            if not auth.startswith("Basic ") or user != "API_KEY" or key not in fake.keys:
                self._send(401, {"status": 401, "error": "Unauthorized"})
                return
            path = parts.path.removeprefix("/api/v1")
            if path in (f"/athlete/{ATHLETE}/activities", "/athlete/0/activities"):
                if "oldest" not in query:
                    self._send(
                        400, {"status": 400, "error": "Required request parameter 'oldest' is not present"}
                    )
                    return
                oldest, newest = query["oldest"][:10], query.get("newest", "9999-12-31")[:10]
                items = [
                    a for a in fake.activities.values() if oldest <= a["start_date_local"][:10] <= newest
                ]
                items.sort(key=lambda a: a["start_date_local"], reverse=True)  # newest first, as the API does
                self._send(200, items)
                return
            if path in (f"/athlete/{ATHLETE}/events", "/athlete/0/events"):
                oldest, newest = (
                    query.get("oldest", "0000-01-01")[:10],
                    query.get("newest", "9999-12-31")[:10],
                )
                wanted = set(query.get("category", "").split(",")) - {""}
                events = [
                    e
                    for e in fake.events.values()
                    if oldest <= e["start_date_local"][:10] <= newest
                    and (not wanted or e["category"] in wanted)
                ]
                self._send(200, sorted(events, key=lambda e: e["start_date_local"]))
                return
            if path.startswith("/activity/") and path.endswith("/streams.json"):
                activity_id = path.split("/")[2]
                if activity_id not in fake.activities:
                    self._send(404, {"status": 404, "error": "Not Found"})
                    return
                wanted = set(query.get("types", "").split(",")) - {""}
                streams = fake.streams.get(activity_id, [])
                self._send(200, [s for s in streams if not wanted or s["type"] in wanted])
                return
            self._send(404, {"status": 404, "error": "Not Found"})


@contextmanager
def running(fake: FakeIntervals) -> Iterator[FakeIntervals]:
    with serving(_Handler, fake) as url:
        fake.url = url
        yield fake


def intervals_table(fake: FakeIntervals, folder: Any, athlete: str = "sam", key: str = KEY) -> str:
    """The [athletes.intervals] table pointing at `fake`, with the key in a private file."""
    secret = folder / f"intervals-{athlete}"
    secret.write_text(key + "\n")
    secret.chmod(0o600)
    return (
        f'[athletes.intervals]\nathlete_id = "{ATHLETE}"\napi_key_file = "{secret}"\n'
        f'base_url = "{fake.url}"\ntimeout = 5\n'
    )
