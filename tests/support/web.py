"""The web page under test: a real database with hostile activity data, and uvicorn serving
the app on a free loopback port in this process (started when it accepts connections)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support import clock
from tests.support.config import settings_of
from tests.support.hostile_files import gpx

HOSTILE = "Run Easy run\r\nBcc: someone@example.org <script>alert(1)</script> & \"q\" 'a' <img src=x onerror=alert(2)>"
TPX = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
HOSTILE_NOTE = "</textarea><svg onload=alert(3)> calf ok"


def settings_for(
    tmp_path: Path, database_url: str, web: str = "", athletes: tuple[str, ...] = ("sam", "bob")
) -> Any:
    """sam and bob (Berlin), named to attack the page, with the [web] keys `web`."""
    return settings_of(
        tmp_path / "config.toml",
        database_url,
        None,
        athletes=athletes,
        timezone="Europe/Berlin",
        name=lambda a: f"{a.title()} <marquee>",
        tables=f"[web]\n{web}\n",
    )


def open_seeded(
    tmp_path: Path, database_url: str, web: str = ""
) -> tuple[Any, Any, dict[str, dict[str, int]]]:
    """Settings with the [web] keys `web`, the database, and sam's and bob's seeded ids."""
    from strainwatch.store.db import open_database

    settings = settings_for(tmp_path, database_url, web)
    sessions = open_database(database_url)
    now = clock.now()
    ids = {a: seed(sessions, tmp_path, a, now) for a in ("sam", "bob")}
    return settings, sessions, ids


def csrf_token(html: str) -> str:
    """The CSRF token of the page's form."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def password_hash(password: str) -> str:
    """`password` hashed as `[[web.users]] password_hash` wants it."""
    from strainwatch.web.access import hash_password

    return hash_password(password)


def seed(sessions: Any, tmp_path: Path, athlete_id: str, now: datetime, runs: int = 12) -> dict[str, int]:
    """`runs` runs, one every other day up to `now`, the last one twice as long, named with
    hostile text and read from a real GPX file; one active warning about it. Returns ids."""
    from strainwatch.store.models import Activity, Alert, Athlete

    track = tmp_path / f"{athlete_id}-last.gpx"
    start = (now - timedelta(days=1)).replace(hour=7, minute=0, second=0, microsecond=0)
    track.write_text(gpx(_points(900, start.astimezone(UTC)), name="x"), encoding="utf-8")
    with sessions() as session, session.begin():
        session.add(Athlete(id=athlete_id, name=athlete_id, created_at=now))
        session.flush()
        rows = []
        for i in range(runs):
            when = start - timedelta(days=2 * (runs - 1 - i))
            last = i == runs - 1
            distance = 2700.0 if last else 8000.0 - 100 * i
            row = Activity(
                athlete_id=athlete_id,
                source="file",
                external_id=f"{athlete_id}-{i}",
                sport_type="Run",
                name=HOSTILE if last else f"Run {i}",
                description=HOSTILE_NOTE if last else None,
                start_time=when.astimezone(UTC),
                distance_m=distance,
                moving_time_s=distance / 3,
                elapsed_time_s=distance / 3 + 30,
                pace_s_per_km=333.3,
                gap_s_per_km=330.0,
                ascent_m=12.0,
                descent_m=12.0,
                avg_hr=141.0,
                max_hr=170.0,
                gap_profile={"330": distance / 3},
                raw={"file": str(track)} if last else {},
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            rows.append(row)
        session.flush()
        alert = Alert(
            athlete_id=athlete_id,
            fingerprint=f"{athlete_id}:long-run-spike:{rows[-1].id}",
            rule="long-run-spike",
            severity="warning",
            day=start.date(),
            period=start.date().isoformat(),
            is_period=False,
            activity_ids=[rows[-1].id],
            title=HOSTILE,
            summary=HOSTILE,
            advice=HOSTILE,
            numbers={"distance_km": 2.7, "<i>n": HOSTILE},
            modifiers=[HOSTILE],
            status="active",
            created_at=now,
            updated_at=now,
        )
        session.add(alert)
        session.flush()
        return {"last_run": rows[-1].id, "first_run": rows[0].id, "alert": alert.id}


def _points(n: int, start: datetime) -> str:
    """A run north at about 3 m/s over a hill, the heart rate rising with it."""
    out = []
    for i in range(n):
        when = (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        ele = 40 + 30 * (1 - abs(i - n / 2) / (n / 2))
        out.append(
            f'<trkpt lat="{52.5 + i * 0.00003:.6f}" lon="13.4"><ele>{ele:.1f}</ele><time>{when}</time>'
            f'<extensions><x:TrackPointExtension xmlns:x="{TPX}"><x:hr>{120 + i * 40 // n}</x:hr>'
            "</x:TrackPointExtension></extensions></trkpt>"
        )
    return "\n".join(out)


def free_socket() -> socket.socket:
    sock = socket.create_server(("127.0.0.1", 0))
    sock.set_inheritable(True)
    return sock


@contextmanager
def serving(settings: Any, sessions: Any, samples: Any = None) -> Iterator[str]:
    """The app on a free port; yields its base URL once uvicorn has started. `samples`: how
    the run page reads a file's samples (the real reader unless given)."""
    from strainwatch.sources.samples import recorded_track
    from strainwatch.web.serve import ServerThread

    server = ServerThread(
        settings, sessions, clock.now, sock=free_socket(), samples=samples or recorded_track
    ).start()
    try:
        yield server.url.rstrip("/")
    finally:
        server.stop()
