"""Every list of the web is paged: the activity list and the alerts history (and their JSON
twins) send at most a page of rows, newest first, with the addresses of the pages beside it;
walking `next` gives every row once, in the command's order; a page number that makes no sense
is a 400, as every other parameter is."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import clock
from tests.support.surfaces import cli
from tests.support.web import seed, serving, settings_for

pytest.importorskip("starlette")

EXTRA = 205  # rows added to the seed's: three pages of activities, three of alerts


def _site(tmp_path: Path, database_url: str) -> tuple[Any, Any]:
    """sam's seeded runs and alert, and EXTRA more of each: rides and runs a month back, one
    caution about each."""
    from strainwatch.store.db import open_database
    from strainwatch.store.models import Activity, Alert

    settings = settings_for(tmp_path, database_url)
    sessions = open_database(database_url)
    now = clock.now()
    seed(sessions, tmp_path, "sam", now)
    seed(sessions, tmp_path, "bob", now, runs=2)
    start = (now - timedelta(days=40)).astimezone(UTC)
    with sessions() as session, session.begin():
        rows = [
            Activity(
                athlete_id="sam",
                source="file",
                external_id=f"bulk-{i}",
                sport_type="Ride" if i % 5 == 0 else "Run",
                name=f"Bulk {i}",
                start_time=start - timedelta(hours=3 * i),
                distance_m=5000.0,
                moving_time_s=1500.0,
                elapsed_time_s=1500.0,
                pace_s_per_km=300.0,
                gap_s_per_km=300.0,
                gap_profile={},
                raw={},
                created_at=now,
                updated_at=now,
            )
            for i in range(EXTRA)
        ]
        session.add_all(rows)
        session.flush()
        session.add_all(
            Alert(
                athlete_id="sam",
                fingerprint=f"sam:bulk:{r.id}",
                rule="weekly-volume-jump",
                severity="caution",
                day=(start - timedelta(hours=3 * i)).date(),
                period=f"bulk {i}",
                is_period=False,
                activity_ids=[r.id],
                title=f"Bulk {i}",
                summary="s",
                advice="a",
                numbers={},
                modifiers=[],
                status="resolved",
                created_at=now,
                updated_at=now,
            )
            for i, r in enumerate(rows)
        )
    return settings, sessions


def _walk(http: httpx.Client, url: str, key: str) -> tuple[list[Any], list[dict[str, Any]]]:
    """Every row, page after page by `next`; and each page without its rows."""
    rows: list[Any] = []
    pages: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url is not None:
        page = http.get(next_url).json()
        rows += page.pop(key)
        pages.append(page)
        next_url = page["next"]
        assert len(pages) < 10
    return rows, pages


def test_the_activity_list_is_paged_and_walks_to_every_activity(tmp_path: Path, database_url: str) -> None:
    from strainwatch.views.paging import PAGE_SIZE

    settings, sessions = _site(tmp_path, database_url)
    listed = json.loads(cli(tmp_path / "config.toml", "activities", "--athlete", "sam", "--json"))
    assert len(listed) == 12 + EXTRA
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        rows, pages = _walk(http, "/athletes/sam/activities.json", "activities")
        assert rows == list(reversed(listed))  # each once, newest first: the command's rows, reversed
        assert [(p["page"], p["total"], p["page_size"]) for p in pages] == [
            (n, 12 + EXTRA, PAGE_SIZE) for n in (1, 2, 3)
        ]
        assert [p["previous"] for p in pages] == [
            None,
            "/athletes/sam/activities.json",
            "/athletes/sam/activities.json?page=2",
        ]
        assert pages[0]["next"] == "/athletes/sam/activities.json?page=2" and pages[-1]["next"] is None

        ride_count = len(range(0, EXTRA, 5))
        rides = http.get("/athletes/sam/activities.json", params={"sport": "Ride", "q": "bulk"}).json()
        assert rides["total"] == ride_count and rides["next"] is None
        assert {a["sport_type"] for a in rides["activities"]} == {"Ride"}
        runs = http.get("/athletes/sam/activities.json", params={"sport": "Run", "page": "2"}).json()
        assert runs["previous"] == "/athletes/sam/activities.json?sport=Run"  # the filters are kept
        assert runs["next"] is None and len(runs["activities"]) == 12 + EXTRA - ride_count - PAGE_SIZE
        beyond = http.get("/athletes/sam/activities.json", params={"page": "4"}).json()
        assert beyond["activities"] == [] and beyond["next"] is None and beyond["total"] == 12 + EXTRA

        html = http.get("/athletes/sam/activities", params={"sport": "Run", "q": "u"}).text
        assert 'rel="next" href="/athletes/sam/activities?sport=Run&amp;q=u&amp;page=2"' in html
        assert 'rel="prev"' not in html
        html = http.get("/athletes/sam/activities", params={"page": "2"}).text
        assert 'rel="prev" href="/athletes/sam/activities"' in html
        assert 'rel="next" href="/athletes/sam/activities?page=3"' in html
        assert f"{12 + EXTRA} activities, 101–200 shown (page 2 of 3)" in html
        assert html.count('<a href="/activities/') == PAGE_SIZE
        assert 'rel="next"' not in http.get("/athletes/bob/activities").text  # one page: no links


def test_the_alerts_history_is_paged_across_athletes(tmp_path: Path, database_url: str) -> None:
    settings, sessions = _site(tmp_path, database_url)
    every = json.loads(cli(tmp_path / "config.toml", "alerts", "--all", "--json"))
    assert len(every) == 2 + EXTRA
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        rows, pages = _walk(http, "/alerts.json", "alerts")
        assert rows == every  # `alerts --all --json`, page by page
        assert [len(p) for p in (rows[:100], rows[100:200], rows[200:])] == [100, 100, 7]
        assert [p["next"] for p in pages] == ["/alerts.json?page=2", "/alerts.json?page=3", None]
        sam, _ = _walk(http, "/athletes/sam/alerts.json?state=resolved", "alerts")
        assert [a["id"] for a in sam] == [
            a["id"] for a in every if a["athlete"] == "sam" and a["status"] == "resolved"
        ]
        html = http.get("/athletes/sam/alerts", params={"page": "3"}).text
        assert 'rel="prev" href="/athletes/sam/alerts?page=2"' in html and 'rel="next"' not in html
        assert "201–206 shown (page 3 of 3)" in html


@pytest.mark.parametrize("page", ["0", "-1", "x", "1.5", "²", "١", "99999999", " ", "1e3"])
def test_a_page_that_makes_no_sense_is_a_bad_request(tmp_path: Path, page: str) -> None:
    settings, sessions = _site(tmp_path, f"sqlite:///{tmp_path / 'sw.db'}")
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        for path in ("/athletes/sam/activities.json", "/alerts.json", "/athletes/sam/alerts.json"):
            response = http.get(path, params={"page": page})
            if page.strip():
                assert response.status_code == 400 and "page" in response.json()["error"], (path, page)
            else:
                assert response.status_code == 200 and response.json()["page"] == 1  # empty: the first page
        html = http.get("/athletes/sam/activities", params={"page": page})
        assert html.status_code == (400 if page.strip() else 200) and "<nav>" in html.text


def test_a_day_of_activities_is_the_athletes_local_day(tmp_path: Path) -> None:
    """since/until name local days: a run at 00:30 Berlin time belongs to that day, not to
    the UTC day before."""
    from strainwatch.store.models import Activity

    settings, sessions = _site(tmp_path, f"sqlite:///{tmp_path / 'sw.db'}")
    day = (clock.now() - timedelta(days=60)).date()
    berlin = settings.athletes[0].zone
    with sessions() as session, session.begin():
        session.add(
            Activity(
                athlete_id="sam",
                source="file",
                external_id="midnight",
                sport_type="Run",
                name="Midnight",
                start_time=datetime.combine(day, datetime.min.time(), berlin)
                .replace(minute=30)
                .astimezone(UTC),
                distance_m=3000.0,
                moving_time_s=900.0,
                elapsed_time_s=900.0,
                gap_profile={},
                raw={},
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        for since, until, found in ((day, day, 1), (day - timedelta(days=1), day - timedelta(days=1), 0)):
            page = http.get(
                "/athletes/sam/activities.json",
                params={"since": str(since), "until": str(until), "q": "midnight"},
            ).json()
            assert page["total"] == found, (since, until)
