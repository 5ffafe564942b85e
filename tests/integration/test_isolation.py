"""One broken rule or one message that cannot be rendered stays that item's problem: the
other rules write their alerts, the other messages go, and `doctor` and `status` say what
broke (real databases, a real SMTP server, the installed command)."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from strainwatch.domain import Finding
from strainwatch.metrics.history import History
from strainwatch.notify import render as mail_render
from strainwatch.pipeline.run_pass import run_pass
from strainwatch.rules.base import Rule
from strainwatch.rules.registry import RULES
from strainwatch.store.db import open_database, unit_of_work
from strainwatch.store.models import Alert, Outbox
from tests.support import clock
from tests.support.cli import EXE, run
from tests.support.config import write_config
from tests.support.histories import write_gpx, write_steady_weeks
from tests.support.smtp import Recorder


def _broken(_history: History, day: date, _settings: Any) -> list[Finding]:
    raise ZeroDivisionError(f"a bug that shows on {day}")


BROKEN = Rule(
    id="broken-rule",
    title="A rule with a bug",
    grade="D",
    citation="none",
    why="to test isolation",
    defaults={},
    evaluate=_broken,
    needs="nothing",
)


def _config(
    tmp_path: Path,
    database_url: str,
    port: int,
    spikes: tuple[float, ...],
    athletes: tuple[str, ...] = ("sam",),
) -> Path:
    """Six steady weeks of 6 km runs, then one long run a day for the last days: each more than
    double the longest before it, so each is a warning to mail at once; the same runs in a
    folder of each athlete's own."""
    today = clock.now().replace(hour=6, minute=0, second=0, microsecond=0)
    for athlete in athletes:
        folder = tmp_path / athlete
        folder.mkdir()
        write_steady_weeks(folder, today, days_back=2)
        for back, km in enumerate(reversed(spikes), start=1):
            write_gpx(folder / f"spike{back}.gpx", today - timedelta(days=back, hours=-back), km)
    return write_config(
        tmp_path / "config.toml",
        database_url,
        lambda athlete: [tmp_path / athlete],
        athletes=athletes,
        smtp_port=port,
        immediate=True,
    )


def _settings(config: Path) -> Any:
    from strainwatch.kinds import parse_settings

    return parse_settings(config.read_text(), config)


@pytest.mark.slow
def test_a_rule_that_raises_is_logged_once_and_named_by_doctor_and_status(
    tmp_path: Path,
    database_url: str,
    recorder: tuple[Recorder, int],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if not EXE.exists():
        pytest.skip("the strainwatch command is not installed")
    handler, port = recorder
    config = _config(tmp_path, database_url, port, (14.0,))
    monkeypatch.setitem(RULES, BROKEN.id, BROKEN)
    settings = _settings(config)
    assert BROKEN.id in settings.thresholds(settings.athletes[0])  # the pass runs it on every day
    sessions = open_database(database_url)
    with caplog.at_level(logging.ERROR):
        report = run_pass(settings, sessions, now=clock.now())
    logged = [r.getMessage() for r in caplog.records if "rule broken-rule failed" in r.getMessage()]
    assert len(logged) == 1 and "for sam on " in logged[0] and "ZeroDivisionError" in logged[0]
    with sessions() as session:
        alerts = session.scalars(select(Alert)).all()
    assert [a.rule for a in alerts if a.severity == "warning"] == ["long-run-spike"]
    assert report.delivery is not None and len(report.delivery.sent) == 1 and len(handler.messages) == 1
    assert any(f.startswith("sam rules: broken-rule: on ") for f in report.failed)

    doctor = run("doctor", config=config)
    assert doctor.returncode == 1
    [line] = [line for line in doctor.stdout.splitlines() if "rules of sam" in line]
    assert line.startswith("[FAIL] rules of sam:") and "broken-rule" in line and "ZeroDivisionError" in line
    assert "[ok  ] files of sam: last success" in doctor.stdout
    status = run("status", "--json", config=config)
    [sam] = json.loads(status.stdout)
    assert (
        sam["sources"]["rules"]["failing"] is True and "broken-rule" in sam["sources"]["rules"]["last_error"]
    )
    assert sam["sources"]["files"]["failing"] is False and sam["sources"]["files"]["last_success"]
    assert "FAILING rules: last success never" in run("status", config=config).stdout


def test_a_message_that_cannot_be_rendered_is_parked_and_the_others_go(
    tmp_path: Path, database_url: str, recorder: tuple[Recorder, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, port = recorder
    # one warning each for two athletes (one athlete's warnings of the same week are one mail)
    settings = _settings(_config(tmp_path, database_url, port, (14.0,), athletes=("sam", "kim")))
    render = mail_render.alert_message
    calls: list[str] = []

    def first_fails(content: Any, *args: Any) -> Any:
        calls.append(content.fingerprint)
        if len(calls) == 1:
            raise KeyError("a template field that is not there")
        return render(content, *args)

    monkeypatch.setattr(mail_render, "alert_message", first_fails)
    sessions = open_database(database_url)
    report = run_pass(settings, sessions, now=clock.now())
    assert len(calls) == 2
    assert report.delivery is not None and len(report.delivery.sent) == 1 and len(handler.messages) == 1
    assert len(report.parked) == 1 and "cannot render: KeyError" in report.parked[0]
    with sessions() as session:
        rows = {row.status: row for row in session.scalars(select(Outbox))}
    assert set(rows) == {"sent", "parked"} and "cannot render: KeyError" in (rows["parked"].last_error or "")
    again = run_pass(settings, sessions, now=clock.now() + timedelta(minutes=15))
    assert again.parked == [] and len(calls) == 2  # parked once, not rendered again on every pass
    from strainwatch.notify.outbox import retry

    with sessions() as session, unit_of_work(session):
        assert retry(session, [], clock.now()) == 0  # nothing to send: it stays parked


def test_a_pass_limited_to_one_athlete_leaves_the_others_alone(
    tmp_path: Path, database_url: str, recorder: tuple[Recorder, int]
) -> None:
    """A watched folder's owner or a worker's job: only that athlete is pulled and evaluated."""
    _handler, port = recorder
    settings = _settings(_config(tmp_path, database_url, port, (14.0,), athletes=("sam", "kim")))
    sessions = open_database(database_url)
    report = run_pass(settings, sessions, now=clock.now(), athlete_ids={"kim"})
    assert report.athletes == 1 and [e.athlete for e in report.evaluations] == ["kim"]
    from strainwatch.store.models import Activity

    with sessions() as session:
        assert {a.athlete_id for a in session.scalars(select(Activity))} == {"kim"}
        assert {a.athlete_id for a in session.scalars(select(Alert))} == {"kim"}
