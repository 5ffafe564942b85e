"""The run page's profile (pace, heart rate, altitude along the run) is read from the run's
file once per version of the activity: a second look reads nothing (the file may even be
gone), and a correction or re-import, which moves the activity's `updated_at`, reads it again."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import clock
from tests.support.hostile_files import gpx
from tests.support.web import seed, serving, settings_for

pytest.importorskip("starlette")


class CountingReader:
    """The real reader, counted."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, record: str, external_id: str, start: Any) -> Any:
        from strainwatch.sources.samples import recorded_track

        self.calls += 1
        return recorded_track(record, external_id, start)


def _flat(n: int, start: Any, altitude: float) -> str:
    points = []
    for i in range(n):
        when = (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        points.append(
            f'<trkpt lat="{52.5 + i * 0.00003:.6f}" lon="13.4"><ele>{altitude}</ele><time>{when}</time></trkpt>'
        )
    return "\n".join(points)


def _altitudes(run: dict[str, Any]) -> set[float]:
    return {p["altitude_m"] for p in run["profile"]["points"] if p["altitude_m"] is not None}


def test_a_run_is_read_once_per_version(tmp_path: Path, database_url: str) -> None:
    from strainwatch.store.db import open_database

    settings = settings_for(tmp_path, database_url)
    sessions = open_database(database_url)
    ids = seed(sessions, tmp_path, "sam", clock.now())
    run_id = ids["last_run"]
    file = tmp_path / "sam-last.gpx"
    reader = CountingReader()
    with serving(settings, sessions, samples=reader) as base, httpx.Client(base_url=base) as http:
        first = http.get(f"/activities/{run_id}.json").json()
        assert first["profile"]["source"] == "file" and max(_altitudes(first)) > 60  # the seed's hill
        start = first["start_time"]
        page = http.get(f"/activities/{run_id}")  # another address, built anew: the profile is kept
        assert page.status_code == 200 and "elevation along the run" in page.text
        assert reader.calls == 1

        # another recording in the file: not read while the activity is unchanged
        began = datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(UTC)
        file.write_text(gpx(_flat(600, began, 100.0), name="x"), encoding="utf-8")
        again = http.get(f"/activities/{run_id}.json", params={"look": "2"}).json()
        assert again["profile"] == first["profile"] and reader.calls == 1

        # the runner's correction moves the activity on: the file is read again
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token
        fixed = http.post(f"/activities/{run_id}/correct", data={"csrf": token.group(1), "distance": "2.5"})
        assert fixed.status_code == 303
        corrected = http.get(f"/activities/{run_id}.json").json()
        assert reader.calls == 2 and _altitudes(corrected) == {100.0}

        # and is not read again, even gone
        file.rename(tmp_path / "moved.gpx")
        gone = http.get(f"/activities/{run_id}.json", params={"look": "3"}).json()
        assert gone["profile"] == corrected["profile"] and reader.calls == 2


def test_the_profiles_kept_are_bounded_and_an_unreadable_file_is_tried_again() -> None:
    from strainwatch.domain import Track
    from strainwatch.store.models import Activity
    from strainwatch.views.profile import UNREADABLE, ProfileCache

    calls: list[str] = []
    broken = {"gone.gpx"}

    def read(record: str, _external_id: str, _start: datetime) -> Track | None:
        calls.append(record)
        if record in broken:
            raise OSError("no such file")
        return None

    now = clock.now()
    cache = ProfileCache(read, size=3)
    runs = [
        Activity(id=i, external_id=str(i), start_time=now, updated_at=now, raw={"file": f"{i}.gpx"})
        for i in range(4)
    ]
    for run in [*runs, *runs[1:]]:  # four runs, then the three newest again
        cache.get(run)
    assert calls == ["0.gpx", "1.gpx", "2.gpx", "3.gpx"]
    cache.get(runs[0])  # pushed out by the fourth
    assert calls[-1] == "0.gpx" and len(calls) == 5
    gone = Activity(id=9, external_id="9", start_time=now, updated_at=now, raw={"file": "gone.gpx"})
    assert cache.get(gone) is UNREADABLE and cache.get(gone) is UNREADABLE
    assert calls.count("gone.gpx") == 2  # not kept: it may be back on the next look
    cache.get(runs[3])
    assert len(calls) == 7  # still kept
    runs[3].updated_at = now + timedelta(seconds=1)  # a correction
    cache.get(runs[3])
    assert calls[-1] == "3.gpx" and len(calls) == 8
