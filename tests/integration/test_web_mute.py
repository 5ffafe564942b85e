"""Muting a rule from the web page over real HTTP (uvicorn on loopback, httpx): the forms need
the session's CSRF token and a login that may see the athlete, like every other write; the
alert and rules pages and their JSON twins show `muted_until`; bad input is refused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.support import clock
from tests.support.web import csrf_token, open_seeded, password_hash, serving

pytest.importorskip("starlette")


def _mutes(sessions: object) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from strainwatch.store.models import RuleMute

    with sessions() as session:  # type: ignore[operator]
        return [(m.athlete_id, m.rule) for m in session.scalars(select(RuleMute))]


def test_mute_and_unmute_need_the_csrf_token_and_show_on_the_pages(tmp_path: Path, database_url: str) -> None:
    settings, sessions, ids = open_seeded(tmp_path, database_url)
    alert_id = ids["sam"]["alert"]
    until = (clock.now().astimezone(settings.athlete("sam").zone).date() + timedelta(days=7)).isoformat()
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        page = http.get(f"/alerts/{alert_id}")
        token = csrf_token(page.text)
        assert 'action="/athletes/sam/mute"' in page.text
        assert http.get(f"/alerts/{alert_id}.json").json()["muted_until"] is None
        form = {"rule": "long-run-spike", "days": "7", "alert": str(alert_id)}
        assert http.post("/athletes/sam/mute", data=form).status_code == 403
        assert http.post("/athletes/sam/mute", data={**form, "csrf": "x" * 43}).status_code == 403
        with httpx.Client(base_url=base) as other:  # another browser's session
            assert other.post("/athletes/sam/mute", data={**form, "csrf": token}).status_code == 403
        assert _mutes(sessions) == []

        done = http.post("/athletes/sam/mute", data={**form, "csrf": token})
        assert done.status_code == 303 and done.headers["location"] == f"/alerts/{alert_id}"
        assert _mutes(sessions) == [("sam", "long-run-spike")]
        assert http.get(f"/alerts/{alert_id}.json").json()["muted_until"] == until
        shown = http.get(f"/alerts/{alert_id}")
        assert f"until {until}" in shown.text and 'action="/athletes/sam/unmute"' in shown.text
        rules = {r["id"]: r["muted_until"] for r in http.get("/athletes/sam/rules.json").json()["rules"]}
        assert rules["long-run-spike"] == until and rules["hill-spike"] is None
        assert f"muted until {until}" in http.get("/athletes/sam/rules").text
        assert http.get("/athletes/bob/rules.json").json()["rules"][0]["muted_until"] is None  # sam's only

        for bad, reason in (
            ({"rule": "no-such-rule", "days": "7"}, "long-run-spike, weekly-volume-jump"),
            ({"rule": "hill-spike", "days": "0"}, "1 to 365 days"),
            ({"rule": "hill-spike", "days": "366"}, "1 to 365 days"),
            ({"rule": "hill-spike", "days": "a week"}, "whole number"),
        ):
            refused = http.post("/athletes/sam/mute", data={**bad, "csrf": token})
            assert refused.status_code == 400 and reason in refused.text, bad
        assert _mutes(sessions) == [("sam", "long-run-spike")]

        assert http.post("/athletes/sam/unmute", data={"rule": "long-run-spike"}).status_code == 403
        gone = http.post("/athletes/sam/unmute", data={"rule": "long-run-spike", "csrf": token})
        assert gone.status_code == 303 and gone.headers["location"] == "/athletes/sam/rules#long-run-spike"
        assert _mutes(sessions) == []
        assert http.get(f"/alerts/{alert_id}.json").json()["muted_until"] is None


def test_only_a_login_that_may_see_the_athlete_mutes_its_rules(tmp_path: Path) -> None:
    web = f'[[web.users]]\nname = "sam"\npassword_hash = "{password_hash("sam-secret-1")}"\nathletes = ["sam"]\n'
    settings, sessions, _ids = open_seeded(tmp_path, f"sqlite:///{tmp_path / 'sw.db'}", web)
    form = {"rule": "long-run-spike", "days": "3"}
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        assert http.post("/athletes/sam/mute", data=form).status_code == 401  # no login
        token = csrf_token(http.get("/login").text)
        http.post("/login", data={"csrf": token, "name": "sam", "password": "sam-secret-1"})
        csrf = csrf_token(http.get("/athletes/sam/rules").text)
        assert http.post("/athletes/bob/mute", data={**form, "csrf": csrf}).status_code == 404
        assert http.post("/athletes/bob/unmute", data={**form, "csrf": csrf}).status_code == 404
        assert _mutes(sessions) == []
        assert http.post("/athletes/sam/mute", data={**form, "csrf": csrf}).status_code == 303
        assert _mutes(sessions) == [("sam", "long-run-spike")]
