"""Every surface for a miles athlete, after a real sync of real GPX files: `explain`, `status`,
`alerts --json`, the alert and overview pages and their JSON twins, the rules page, the mail
(text and HTML) and the push text carry the numbers in miles, no raw key, and one next-run
number for the day."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import clock
from tests.support.surfaces import assert_miles_in_words, cli, mail_bodies, synced_comeback, visible
from tests.support.web import serving

pytest.importorskip("starlette")


@pytest.mark.slow
def test_a_miles_athlete_reads_miles_and_one_next_run_number_everywhere(tmp_path: Path) -> None:
    from sqlalchemy import select

    from strainwatch.kinds import parse_settings
    from strainwatch.notify.channels.push.render import push_alert
    from strainwatch.notify.dispatch import content_of
    from strainwatch.notify.notification import Recipient
    from strainwatch.store.db import open_database
    from strainwatch.store.models import Alert

    config, url = synced_comeback(tmp_path, "mi")
    now = clock.now()
    alerts = json.loads(cli(config, "alerts", "--json"))
    assert {a["rule"] for a in alerts} >= {"long-run-spike", "return-after-layoff"}
    for a in alerts:
        for key in ("title", "summary", "advice", "numbers_text"):
            assert_miles_in_words(f"alerts --json {a['rule']} {key}", a[key])
    [status] = json.loads(cli(config, "status", "--json"))
    limit = status["guidance"]["next_run"]
    assert limit["distance"].endswith(" mi") and limit["rule"] == "return-after-layoff"
    next_run = limit["distance"]
    assert_miles_in_words("status", cli(config, "status"))
    assert f"Next run: keep it under {next_run} (" in cli(config, "status")

    settings = parse_settings(config.read_text(), config)
    sessions = open_database(url)
    with sessions() as session:
        contents = [content_of(session, row, settings.athletes[0]) for row in session.scalars(select(Alert))]
    sam = Recipient("sam", "Sam", "sam@example.org")
    for c in contents:
        push = push_alert(c, sam, "sw", now)
        assert_miles_in_words(f"push {c.rule}", push.subject + "\n" + push.text)

    for a in alerts:
        explained = cli(config, "explain", str(a["id"]))
        assert_miles_in_words(f"explain {a['rule']}", explained)
        assert f"Next run: under {next_run} (" in explained  # the day's one number

    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        pages: dict[str, Any] = {"/athletes/sam": None, "/athletes/sam/rules": None}
        pages |= {f"/alerts/{a['id']}": a for a in alerts}
        for path, a in pages.items():
            html = http.get(path)
            assert html.status_code == 200, path
            assert_miles_in_words(path, visible(html.text))
            twin = http.get(f"{path}.json").json()
            if a is not None:
                assert twin["summary"] == a["summary"] and twin["advice"] == a["advice"]
                assert twin["guidance"]["next_run"]["distance"] == next_run
                assert f"under {next_run} (" in html.text
        overview = http.get("/athletes/sam").text
        assert f"≤ {next_run}" in overview and "Left out on purpose: 12.4 mi" in overview

    warnings = mail_bodies(tmp_path / "state" / "mail.mbox")
    assert warnings, "no mail was written"
    for body in warnings:
        assert_miles_in_words("mail", visible(body))
    assert any(f"Next run: under {next_run} (" in body for body in warnings)
