"""Every surface for a miles athlete, after a real sync of real GPX files: `explain`, `status`,
`alerts --json`, the alert and overview pages and their JSON twins, the rules page, the mail
(text and HTML) and the push text carry the numbers in miles, no raw key, and one next-run
number for the day."""

from __future__ import annotations

import json
import mailbox
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from tests import clock
from tests.conftest import write_config
from tests.rules_support import write_gpx, write_steady_weeks
from tests.web_support import serving

pytest.importorskip("starlette")

RAW = re.compile(r"_km\b|_pct\b|ceiling|\[\[(distance|climb|pace):|\d km\b|/km\b")


def _cli(config: Path, *args: str) -> str:
    from strainwatch.cli.main import cli

    result = CliRunner().invoke(cli, ["-q", "--config", str(config), *args], env=clock.env())
    assert result.exit_code == 0, result.output
    return result.output


def _bodies(path: Path) -> list[str]:
    out = []
    for message in mailbox.mbox(path):
        for part in message.walk():
            if part.get_content_type() in ("text/plain", "text/html"):
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                out.append(payload.decode())
    return out


def _clean(where: str, text: str) -> None:
    found = RAW.search(text)
    assert found is None, f"{where}: {found.group(0)!r} in …{text[max(0, found.start() - 80):found.end() + 80]}…"


def _visible(html: str) -> str:
    """The page's text and attribute values a reader sees, without markup or CSS class names."""
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_a_miles_athlete_reads_miles_and_one_next_run_number_everywhere(tmp_path: Path) -> None:
    from sqlalchemy import select

    from strainwatch.config.settings import parse_settings
    from strainwatch.notify.dispatch import content_of
    from strainwatch.notify.notification import Recipient
    from strainwatch.notify.push_render import push_alert
    from strainwatch.store.db import open_database
    from strainwatch.store.models import Alert

    folder = tmp_path / "runs"
    folder.mkdir()
    now = clock.now()
    write_steady_weeks(folder, now, km=8.0, days_back=13)  # then three weeks off
    url = f"sqlite:///{tmp_path / 'state' / 'sw.db'}"
    config = write_config(tmp_path / "config.toml", url, [folder], extra="")
    config.write_text(config.read_text().replace('timezone = "Europe/Berlin"', 'timezone = "Europe/Berlin"\nunits = "mi"'))
    _cli(config, "sync")
    write_gpx(folder / "back.gpx", now - timedelta(hours=30), 6.0)
    write_gpx(folder / "long.gpx", now - timedelta(hours=27), 20.0)
    _cli(config, "sync")

    alerts = json.loads(_cli(config, "alerts", "--json"))
    assert {a["rule"] for a in alerts} >= {"long-run-spike", "return-after-layoff"}
    for a in alerts:
        for key in ("title", "summary", "advice", "numbers_text"):
            _clean(f"alerts --json {a['rule']} {key}", a[key])
    [status] = json.loads(_cli(config, "status", "--json"))
    limit = status["guidance"]["next_run"]
    assert limit["distance"].endswith(" mi") and limit["rule"] == "return-after-layoff"
    next_run = limit["distance"]
    _clean("status", _cli(config, "status"))
    assert f"Next run: keep it under {next_run} (" in _cli(config, "status")

    settings = parse_settings(config.read_text(), config)
    sessions = open_database(url)
    with sessions() as session:
        contents = [content_of(session, row, settings.athletes[0]) for row in session.scalars(select(Alert))]
    sam = Recipient("sam", "Sam", "sam@example.org")
    for c in contents:
        push = push_alert(c, sam, "sw", now)
        _clean(f"push {c.rule}", push.subject + "\n" + push.text)

    for a in alerts:
        explained = _cli(config, "explain", str(a["id"]))
        _clean(f"explain {a['rule']}", explained)
        assert f"Next run: under {next_run} (" in explained  # the day's one number

    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        pages: dict[str, Any] = {"/athletes/sam": None, "/athletes/sam/rules": None}
        pages |= {f"/alerts/{a['id']}": a for a in alerts}
        for path, a in pages.items():
            html = http.get(path)
            assert html.status_code == 200, path
            _clean(path, _visible(html.text))
            twin = http.get(f"{path}.json").json()
            if a is not None:
                assert twin["summary"] == a["summary"] and twin["advice"] == a["advice"]
                assert twin["guidance"]["next_run"]["distance"] == next_run
                assert f"under {next_run} (" in html.text
        overview = http.get("/athletes/sam").text
        assert f"≤ {next_run}" in overview and "Left out on purpose: 12.4 mi" in overview

    warnings = _bodies(tmp_path / "state" / "mail.mbox")
    assert warnings, "no mail was written"
    for body in warnings:
        _clean("mail", _visible(body))
    assert any(f"Next run: under {next_run} (" in body for body in warnings)
