"""The alerts history: every alert with filters, for one athlete and across a coach's; markers
beside the runs alerts are about; the picker's status line per athlete."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import clock
from tests.support.web import seed, serving, settings_for

pytest.importorskip("starlette")


def _site(tmp_path: Path, database_url: str) -> tuple[Any, Any, dict[str, dict[str, int]]]:
    from strainwatch.store.db import open_database
    from strainwatch.store.models import Alert

    settings = settings_for(tmp_path, database_url)
    sessions = open_database(database_url)
    now = clock.now()
    ids = {a: seed(sessions, tmp_path, a, now) for a in ("sam", "bob")}
    with sessions() as session, session.begin():  # an old, resolved caution for sam, about his first run
        day = (now - timedelta(days=30)).date()
        old = Alert(
            athlete_id="sam",
            fingerprint="sam:weekly-volume-jump:old",
            rule="weekly-volume-jump",
            severity="caution",
            day=day,
            period=day.isoformat(),
            is_period=True,
            activity_ids=[ids["sam"]["first_run"]],
            title="Old jump",
            summary="s",
            advice="a",
            numbers={},
            modifiers=[],
            status="resolved",
            created_at=now,
            updated_at=now,
        )
        session.add(old)
        session.flush()
        ids["sam"]["old"] = old.id
    return settings, sessions, ids


def test_every_alert_is_listed_and_filtered(tmp_path: Path, database_url: str) -> None:
    settings, sessions, ids = _site(tmp_path, database_url)
    sam = ids["sam"]
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        every = http.get("/athletes/sam/alerts.json").json()["alerts"]
        assert [a["id"] for a in every] == [sam["alert"], sam["old"]]  # newest first, resolved ones too
        assert set(every[0]) >= {
            "id",
            "athlete",
            "rule",
            "severity",
            "date",
            "status",
            "title",
            "activity_ids",
        }
        assert [
            a["id"]
            for a in http.get("/athletes/sam/alerts.json", params={"state": "resolved"}).json()["alerts"]
        ] == [sam["old"]]
        assert [
            a["id"]
            for a in http.get("/athletes/sam/alerts.json", params={"severity": "warning"}).json()["alerts"]
        ] == [sam["alert"]]
        assert [
            a["id"]
            for a in http.get("/athletes/sam/alerts.json", params={"rule": "weekly-volume-jump"}).json()[
                "alerts"
            ]
        ] == [sam["old"]]
        last_week = str((clock.now() - timedelta(days=7)).date())
        assert [
            a["id"]
            for a in http.get("/athletes/sam/alerts.json", params={"since": last_week}).json()["alerts"]
        ] == [sam["alert"]]
        assert [
            a["id"]
            for a in http.get("/athletes/sam/alerts.json", params={"until": last_week}).json()["alerts"]
        ] == [sam["old"]]
        assert http.get("/athletes/sam/alerts.json", params={"severity": "panic"}).status_code == 400
        everyone = http.get("/alerts.json").json()["alerts"]
        assert {a["athlete"] for a in everyone} == {"sam", "bob"} and len(everyone) == 3
        page = http.get("/athletes/sam/alerts", params={"state": "resolved"}).text
        assert f'href="/alerts/{sam["old"]}"' in page and f'href="/alerts/{sam["alert"]}"' not in page
        assert "30 days ago" not in page and "Old jump" in page  # a day a month back is named by its date
        overview = http.get("/athletes/sam").text
        assert 'href="/athletes/sam/alerts"' in overview  # linked from the overview (and every athlete page)


def test_runs_carry_a_marker_of_their_strongest_alert(tmp_path: Path) -> None:
    settings, sessions, ids = _site(tmp_path, f"sqlite:///{tmp_path / 'sw.db'}")
    sam = ids["sam"]
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        listing = http.get("/athletes/sam/activities").text
        assert f'class="mark sev-warning" href="/alerts/{sam["alert"]}"' in listing
        assert f'class="mark sev-caution" href="/alerts/{sam["old"]}"' in listing
        assert listing.count('class="mark ') == 2
        run = http.get(f"/activities/{sam['last_run']}").text
        assert f'class="mark sev-warning" href="/alerts/{sam["alert"]}"' in run


def test_the_coachs_picker_shows_each_athletes_status(tmp_path: Path) -> None:
    settings, sessions, ids = _site(tmp_path, f"sqlite:///{tmp_path / 'sw.db'}")
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        picker = {a["id"]: a["status"] for a in http.get("/athletes.json").json()["athletes"]}
        assert (
            picker["sam"]["worst_alert"]["id"] == ids["sam"]["alert"]
        )  # the active warning, not the old caution
        assert picker["sam"]["last_7_days_km"] > 0 and picker["sam"]["next_week_ceiling_km"] > 0
        page = http.get("/").text
        assert page.count('class="mark sev-warning"') == 2 and "last 7 days" in page


def test_the_link_pushes_and_digests_carry_is_the_history(tmp_path: Path) -> None:
    from urllib.parse import urlsplit

    from strainwatch.views.links import alerts_url

    settings, sessions, _ids = _site(tmp_path, f"sqlite:///{tmp_path / 'sw.db'}")
    link = alerts_url("https://sw.example.org/", "sam")
    assert link == "https://sw.example.org/athletes/sam/alerts" and alerts_url(None, "sam") is None
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        assert http.get(urlsplit(link).path).status_code == 200
