"""The acceptance as a new user would try it: the bundled example, synced for a runner who reads
miles. For every one of its alerts, `explain`, the alert page and its JSON, `alerts --json`,
the warning mail (text and HTML) and the push text say the numbers in miles, never a raw key,
and the same next-run limit for the alert's day; on the issue's day, 2021-01-17, that limit is
the one `status --as-of` gives."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests.support.config import write_config
from tests.support.surfaces import assert_miles_in_words, cli, visible
from tests.support.web import serving

pytest.importorskip("starlette")

REPO = Path(__file__).resolve().parents[2]
AFTER = {"STRAINWATCH_NOW": "2026-12-01T20:00:00-03:00"}  # the example's runs are of 2020-2021
AFTER_NOW = datetime.fromisoformat(AFTER["STRAINWATCH_NOW"])


@pytest.mark.slow
def test_every_example_alert_reads_the_same_in_miles_everywhere(tmp_path: Path) -> None:
    from sqlalchemy import select

    from strainwatch.alerts.guidance import guidance, guidance_lines
    from strainwatch.kinds import parse_settings
    from strainwatch.metrics.history import History
    from strainwatch.notify.channels.push.render import push_alert
    from strainwatch.notify.chart import weekly_chart
    from strainwatch.notify.dispatch import content_of, recipient_of
    from strainwatch.notify.render import alert_message
    from strainwatch.store.db import open_database
    from strainwatch.store.models import Alert
    from strainwatch.store.runs import facts_of, load_runs
    from strainwatch.units import distance_text

    url = f"sqlite:///{tmp_path / 'sw.db'}"
    config = write_config(
        tmp_path / "config.toml",
        url,
        [REPO / "examples" / "activities"],
        timezone="America/Recife",
        athlete='units = "mi"\n',
    )
    cli(config, "sync", env=AFTER)
    alerts = json.loads(cli(config, "alerts", "--all", "--json", env=AFTER))
    assert len(alerts) >= 20
    settings = parse_settings(config.read_text(), config)
    athlete, sessions = settings.athletes[0], open_database(url)
    t = settings.thresholds(athlete)
    with sessions() as session:
        runs, facts = load_runs(session, athlete), facts_of(session, athlete)
        rows = {a.id: a for a in session.scalars(select(Alert))}
        limits = {}
        for a in alerts:
            row = rows[a["id"]]
            g = guidance(History.build(runs, row.day, facts), row.day, t)
            limits[a["id"]] = distance_text(g.next_run.metres, "mi") if g.next_run else None
            content = content_of(session, row, athlete, guidance_lines(g, "mi"))
            chart = weekly_chart(History.build(runs, row.day, facts), row.day, t, frozenset({row.day}))
            mail = alert_message(content, recipient_of(athlete), chart, "sw@example.org", AFTER_NOW)
            push = push_alert(content, recipient_of(athlete), "sw@example.org", AFTER_NOW)
            for where, text in (
                ("mail text", mail.text),
                ("mail html", visible(mail.html)),
                ("push", f"{push.subject}\n{push.text}"),
                ("subject", mail.subject),
            ):
                assert_miles_in_words(f"{where} of #{a['id']} {a['rule']}", text)
            if limits[a["id"]]:
                assert f"Next run: under {limits[a['id']]} (" in mail.text, a["id"]

    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        for a in alerts:
            for key in ("title", "summary", "advice", "numbers_text"):
                assert_miles_in_words(f"alerts --json #{a['id']} {key}", a[key])
            explained = cli(config, "explain", str(a["id"]), env=AFTER)
            page = http.get(f"/alerts/{a['id']}")
            twin = http.get(f"/alerts/{a['id']}.json").json()
            assert_miles_in_words(f"explain #{a['id']}", explained)
            assert_miles_in_words(f"/alerts/{a['id']}", visible(page.text))
            limit = limits[a["id"]]
            assert (twin["guidance"]["next_run"] or {}).get("distance") == limit, a["id"]
            if limit:
                assert f"Next run: under {limit} (" in explained and f"under {limit} (" in page.text
    [status] = json.loads(cli(config, "status", "--json", "--as-of", "2021-01-17", env=AFTER))
    comeback = next(a for a in alerts if a["date"] == "2021-01-17" and a["rule"] == "return-after-layoff")
    assert status["guidance"]["next_run"]["distance"] == limits[comeback["id"]]
    assert status["guidance"]["next_run"]["rule"] == "return-after-layoff"
