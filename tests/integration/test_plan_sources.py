"""The plan sources at their edges: an iCalendar feed over real HTTP on 127.0.0.1 (webcal://
accepted, oversized and failing feeds refused with the host named, never the path), the
config's checks, `doctor`'s lines, and a plan that cannot be read recorded against the
athlete's `plan` health while the pass goes on."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from strainwatch.errors import ConfigError, SourceError
from strainwatch.kinds import parse_settings
from strainwatch.pipeline.plans import PLAN_KINDS
from strainwatch.pipeline.run_pass import run_pass
from strainwatch.sources.plan.ical_plan import fetch, parse_ical
from strainwatch.store.db import open_database
from strainwatch.store.health import health_of
from tests.support import clock
from tests.support.config import config_text
from tests.support.fake_intervals import FakeIntervals, intervals_table, running
from tests.support.plan import csv_plan, exported_calendar


@contextmanager
def _feed(body: bytes, status: int = 200) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            return

        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/private-token-abc/plan.ics"
    finally:
        server.shutdown()
        server.server_close()


def test_an_ical_feed_is_read_over_http() -> None:
    today = clock.now().date()
    with _feed(exported_calendar(today)) as url:
        data = fetch(url, 5)
    reading = parse_ical(data, today, today + timedelta(days=14), ZoneInfo("Europe/Berlin"))
    assert any(p.distance_m == 28_000 for p in reading.planned)


@pytest.mark.parametrize(
    ("body", "status", "why"),
    [(b"x" * 5_000_001, 200, "larger than 5 MB"), (b"gone", 404, "answered HTTP 404")],
)
def test_a_failing_feed_names_its_host_never_its_path(body: bytes, status: int, why: str) -> None:
    with _feed(body, status) as url, pytest.raises(SourceError, match=why) as caught:
        fetch(url, 5)
    assert "127.0.0.1" in str(caught.value) and "private-token" not in str(caught.value)


def _config(tmp_path: Path, plan: str, extra: str = "") -> str:
    return config_text(f"sqlite:///{tmp_path}/sw.db", timezone="Europe/Berlin", athlete=extra + plan)


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (
            '[athletes.plan.ical]\nurl = "https://x.example/p.ics"\npath = "p.ics"\n',
            "give either url or path",
        ),
        ('[athletes.plan.ical]\nurl = "http://plans.example.org/p.ics"\n', "must be an https:// URL"),
        ("[athletes.plan.intervals]\n", "reads the account of [athletes.intervals]"),
        ('[athletes.plan]\nlookahead_time = "25:00"\n', "not a time like 18:00"),
        ('[athletes.plan]\nlookahead_day = "sundae"\n', "lookahead_day"),
    ],
)
def test_the_plan_tables_are_checked(tmp_path: Path, plan: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_settings(_config(tmp_path, plan), tmp_path / "config.toml")


def test_webcal_is_https_and_relative_paths_are_the_configs(tmp_path: Path) -> None:
    text = _config(
        tmp_path,
        '[athletes.plan.ical]\nurl = "webcal://plans.example.org/p.ics"\n'
        '[athletes.plan.csv]\npath = "plan.csv"\n',
    )
    plan = parse_settings(text, tmp_path / "config.toml").athletes[0].plan
    assert plan is not None and plan.ical is not None and plan.csv is not None
    assert plan.ical.url == "https://plans.example.org/p.ics"
    assert plan.csv.path == tmp_path / "plan.csv"
    assert (plan.lookahead_day, plan.lookahead_time) == ("sunday", "18:00")


def test_doctor_reads_each_plan_source(tmp_path: Path) -> None:
    today = clock.now().date()
    (tmp_path / "plan.csv").write_text(
        csv_plan([(today, "8", "", "easy", ""), (today, "", "", "", "drills")])
    )
    (tmp_path / "plan.ics").write_bytes(b"not a calendar")
    with running(FakeIntervals()) as fake:
        fake.add_planned(1, today + timedelta(days=2), 12.0)
        plan = '[athletes.plan.csv]\npath = "plan.csv"\n[athletes.plan.ical]\npath = "plan.ics"\n[athletes.plan.intervals]\n'
        settings = parse_settings(
            _config(tmp_path, plan, intervals_table(fake, tmp_path)), tmp_path / "config.toml"
        )
        lines = [check.line() for kind in PLAN_KINDS for check in kind.doctor(settings, clock.now())]
    assert (
        lines[0]
        == f"[ok  ] plan csv sam: {tmp_path / 'plan.csv'}: 1 planned runs, 1 unparsed (first: line 3: no distance or duration)"
    )
    assert lines[1].startswith("[FAIL] plan ical sam: not an iCalendar file")
    assert lines[2].startswith("[ok  ] plan intervals sam: http://127.0.0.1:") and lines[2].endswith(
        ": 1 planned runs"
    )


def test_an_unreadable_plan_is_recorded_and_the_pass_goes_on(tmp_path: Path) -> None:
    text = _config(tmp_path, f'[athletes.plan.csv]\npath = "{tmp_path / "missing.csv"}"\n')
    settings = parse_settings(text, tmp_path / "config.toml")
    sessions = open_database(settings.database_url)
    report = run_pass(settings, sessions, now=clock.now())
    assert [line for line in report.failed if line.startswith("sam plan:")] == [
        f"sam plan: plan csv: cannot read the plan {tmp_path / 'missing.csv'}: No such file or directory"
    ]
    with sessions() as session:
        [plan] = [h for h in health_of(session, "sam") if h.source == "plan"]
    assert plan.last_error is not None and "missing.csv" in plan.last_error
