"""The web page under test: a real database with hostile activity data, and uvicorn serving
the app on a free loopback port in this process (started when it accepts connections)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests import clock
from tests.hostile_files import gpx

HOSTILE = "Run Easy run\r\nBcc: someone@example.org <script>alert(1)</script> & \"q\" 'a' <img src=x onerror=alert(2)>"
TPX = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
HOSTILE_NOTE = "</textarea><svg onload=alert(3)> calf ok"


def config_text(database_url: str, web: str = "", athletes: tuple[str, ...] = ("sam", "bob")) -> str:
    blocks = "\n".join(
        f'[[athletes]]\nid = "{a}"\nname = "{a.title()} <marquee>"\nemail = "{a}@example.org"\ntimezone = "Europe/Berlin"\n'
        for a in athletes
    )
    return f'[storage]\nurl = "{database_url}"\n\n[web]\n{web}\n\n{blocks}'


def settings_for(tmp_path: Path, database_url: str, web: str = "", **kw: Any) -> Any:
    from strainwatch.kinds import parse_settings

    path = tmp_path / "config.toml"
    path.write_text(config_text(database_url, web, **kw), encoding="utf-8")
    return parse_settings(path.read_text(encoding="utf-8"), path)


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
                athlete_id=athlete_id, source="file", external_id=f"{athlete_id}-{i}", sport_type="Run",
                name=HOSTILE if last else f"Run {i}", description=HOSTILE_NOTE if last else None,
                start_time=when.astimezone(UTC), distance_m=distance, moving_time_s=distance / 3,
                elapsed_time_s=distance / 3 + 30, pace_s_per_km=333.3, gap_s_per_km=330.0, ascent_m=12.0,
                descent_m=12.0, avg_hr=141.0, max_hr=170.0, gap_profile={"330": distance / 3},
                raw={"file": str(track)} if last else {}, created_at=now, updated_at=now,
            )  # fmt: skip
            session.add(row)
            rows.append(row)
        session.flush()
        alert = Alert(
            athlete_id=athlete_id, fingerprint=f"{athlete_id}:long-run-spike:{rows[-1].id}", rule="long-run-spike",
            severity="warning", day=start.date(), period=start.date().isoformat(), is_period=False,
            activity_ids=[rows[-1].id], title=HOSTILE, summary=HOSTILE, advice=HOSTILE,
            numbers={"distance_km": 2.7, "<i>n": HOSTILE}, modifiers=[HOSTILE], status="active",
            created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(alert)
        session.flush()
        return {"last_run": rows[-1].id, "first_run": rows[0].id, "alert": alert.id}


def _points(n: int, start: datetime) -> str:
    """A run north at about 3 m/s over a hill, the heart rate rising with it."""
    out = []
    for i in range(n):
        when = (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        ele = 40 + 30 * (1 - abs(i - n / 2) / (n / 2))
        out.append(f'<trkpt lat="{52.5 + i * 0.00003:.6f}" lon="13.4"><ele>{ele:.1f}</ele><time>{when}</time>'
                   f'<extensions><x:TrackPointExtension xmlns:x="{TPX}"><x:hr>{120 + i * 40 // n}</x:hr>'
                   "</x:TrackPointExtension></extensions></trkpt>")  # fmt: skip
    return "\n".join(out)


def free_socket() -> socket.socket:
    sock = socket.create_server(("127.0.0.1", 0))
    sock.set_inheritable(True)
    return sock


@contextmanager
def serving(settings: Any, sessions: Any) -> Iterator[str]:
    """The app on a free port; yields its base URL once uvicorn has started."""
    from strainwatch.web.serve import ServerThread

    server = ServerThread(settings, sessions, clock.now, sock=free_socket()).start()
    try:
        yield server.url.rstrip("/")
    finally:
        server.stop()
