"""The plan in the mail, over real SMTP (aiosmtpd on 127.0.0.1) and a real database: the
look-ahead carries each forecast once, a change of plan that removes the problem says so
once, a newly planned run crossing a rule before the next look-ahead goes in the next mail;
intervals.icu's planned workouts through its stand-in, and a planned run that becomes a real
run counted once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from strainwatch.pipeline.plan_check import check_plan
from strainwatch.pipeline.run_pass import run_pass
from strainwatch.sources.plan.settings import WEEKDAYS
from strainwatch.store.db import open_database
from strainwatch.store.models import PlanForecast
from strainwatch.store.runs import load_runs
from tests.support import clock
from tests.support.config import settings_of
from tests.support.fake_intervals import FakeIntervals, intervals_table, running
from tests.support.histories import write_gpx, write_steady_weeks
from tests.support.plan import csv_plan
from tests.support.push_servers import PushServer
from tests.support.smtp import Recorder
from tests.support.web import serving


def _settings(
    tmp_path: Path, database_url: str, port: int, plan: str, *, lookahead: date, extra: str = ""
) -> Any:
    runs = tmp_path / "runs"
    runs.mkdir(exist_ok=True)
    write_steady_weeks(runs, clock.now().replace(hour=6, minute=0, second=0, microsecond=0))
    plan_table = (
        f'[athletes.plan]\nlookahead_day = "{WEEKDAYS[lookahead.weekday()]}"\nlookahead_time = "00:00"\n'
    )
    return settings_of(
        tmp_path / "config.toml",
        database_url,
        [runs],
        smtp_port=port,
        immediate=True,
        athlete=f"{extra}\n{plan_table}{plan}\n",
    )


@dataclass(frozen=True)
class LongRunPlanned:
    """Steady weeks to today and, in a CSV plan, a 28 km run three days on."""

    settings: Any
    sessions: Any
    now: datetime
    today: date
    long_day: date
    plan_file: Path


def _long_run_planned(tmp_path: Path, database_url: str, port: int, name: str = "Long run") -> LongRunPlanned:
    now = clock.now()
    today, long_day = now.date(), now.date() + timedelta(days=3)
    plan_file = tmp_path / "plan.csv"
    plan_file.write_text(csv_plan([(long_day, "28", "", "long", name)]))
    settings = _settings(
        tmp_path, database_url, port, f'[athletes.plan.csv]\npath = "{plan_file}"', lookahead=today
    )
    return LongRunPlanned(settings, open_database(database_url), now, today, long_day, plan_file)


def _mails(handler: Recorder) -> list[EmailMessage]:
    return [message_from_bytes(raw, policy=default) for _, raw in handler.messages]  # type: ignore[misc]


def _body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_the_look_ahead_carries_a_forecast_once_and_its_withdrawal_once(
    tmp_path: Path, database_url: str, recorder: tuple[Recorder, int]
) -> None:
    handler, port = recorder
    p = _long_run_planned(tmp_path, database_url, port)
    settings, sessions, now, long_day, plan_file = p.settings, p.sessions, p.now, p.long_day, p.plan_file
    run_pass(settings, sessions, now=now)
    run_pass(settings, sessions, now=now + timedelta(minutes=5))
    [lookahead] = _mails(handler)
    assert lookahead["Subject"].startswith("[strainwatch] Plan look-ahead: warning: ")
    body = _body(lookahead)
    assert f"planned 28.0 km ({long_day.day} {long_day:%b}) is 4." in body  # 28 km against a 6 km longest
    assert "the long run spike rule would warn" in body
    assert "capped: 28.0 km -> up to 6.6 km, or move it after a lighter week" in body
    plan_file.write_text(csv_plan([(long_day, "6", "", "long", "Long run")]))
    run_pass(settings, sessions, now=now + timedelta(minutes=10))
    run_pass(settings, sessions, now=now + timedelta(minutes=15))
    _, withdrawn = _mails(handler)
    assert withdrawn["Subject"].startswith("[strainwatch] Plan check: no longer forecast: long-run-spike on ")
    assert "the plan now keeps to the rule (was: " in _body(withdrawn)


def test_a_newly_planned_run_crossing_a_rule_before_the_next_look_ahead_goes_in_the_next_mail(
    tmp_path: Path, database_url: str, recorder: tuple[Recorder, int]
) -> None:
    handler, port = recorder
    now = clock.now()
    today = now.date()
    plan_file = tmp_path / "plan.csv"
    later = today + timedelta(days=12)  # after the next look-ahead (in 3 days): that one tells it in time
    plan_file.write_text(csv_plan([(later, "28", "", "long", "")]))
    settings = _settings(
        tmp_path,
        database_url,
        port,
        f'[athletes.plan.csv]\npath = "{plan_file}"',
        lookahead=today + timedelta(days=3),
    )
    sessions = open_database(database_url)
    run_pass(settings, sessions, now=now)
    assert handler.messages == []
    soon = today + timedelta(days=1)
    plan_file.write_text(csv_plan([(soon, "26", "", "long", ""), (later, "28", "", "long", "")]))
    run_pass(settings, sessions, now=now + timedelta(minutes=5))
    run_pass(settings, sessions, now=now + timedelta(minutes=10))
    [mail] = _mails(handler)
    assert mail["Subject"].startswith("[strainwatch] Plan check: warning: ")
    assert f"planned 26.0 km ({soon.day} {soon:%b})" in _body(mail)


def test_intervals_planned_workouts_reach_the_plan_and_a_done_one_moves_to_the_history(
    tmp_path: Path, database_url: str, recorder: tuple[Recorder, int]
) -> None:
    handler, port = recorder
    now = clock.now()
    today = now.date()
    with running(FakeIntervals()) as fake:
        fake.add_planned(7001, today + timedelta(days=4), 28.0, minutes=170)
        fake.add_planned(7002, today, 10.0, minutes=60, name="Easy")
        fake.add_planned(7003, today + timedelta(days=2), None, minutes=60, sport="Ride", name="Ride")
        extra = intervals_table(fake, tmp_path)
        settings = _settings(
            tmp_path, database_url, port, "[athletes.plan.intervals]", lookahead=today, extra=extra
        )
        sessions = open_database(database_url)
        run_pass(settings, sessions, now=now)
        [lookahead] = _mails(handler)
        assert "planned 28.0 km" in _body(lookahead)
        assert any(
            "/events?" in call and "category=WORKOUT" in call for call in fake.calls("/api/v1/athlete/")
        )
        with sessions() as session:
            planned = check_plan(session, settings, settings.athletes[0], now).outlook.planned
        assert sorted(p.uid for p in planned) == ["intervals:7001", "intervals:7002"]
        # today's easy run is done: intervals.icu pairs the workout with the recorded activity
        start = datetime.combine(today, datetime.min.time(), now.tzinfo) + timedelta(minutes=1)
        fake.add_run("i9001", min(start, now), 10.0)
        fake.add_planned(7002, today, 10.0, minutes=60, name="Easy", paired="i9001")
        run_pass(settings, sessions, now=now + timedelta(minutes=5))
        with sessions() as session:
            outlook = check_plan(session, settings, settings.athletes[0], now + timedelta(minutes=5)).outlook
            real_today = [r for r in load_runs(session, settings.athletes[0]) if r.local_date == today]
        assert [p.uid for p in outlook.planned] == ["intervals:7001"]
        assert [round(r.distance_m) for r in real_today] == [10_000]  # once, as the real run


def test_the_look_ahead_reaches_a_push_channel_that_takes_digests(
    tmp_path: Path, database_url: str, recorder: tuple[Recorder, int]
) -> None:
    handler, port = recorder
    now = clock.now()
    today, long_day = now.date(), now.date() + timedelta(days=3)
    plan_file = tmp_path / "plan.csv"
    plan_file.write_text(csv_plan([(long_day, "28", "", "long", "Long run")]))
    with PushServer("ntfy", "tk_phone_token") as ntfy, PushServer("gotify", "gotify_app_token") as gotify:
        phone, club = tmp_path / "phone.url", tmp_path / "club.url"
        for path, server in ((phone, ntfy), (club, gotify)):
            path.write_text(server.apprise_url())
            path.chmod(0o600)
        channels = (
            f'[[athletes.channels]]\nname = "phone"\nurl_file = "{phone}"\nsend = ["digest"]\n'
            f'[[athletes.channels]]\nname = "club"\nurl_file = "{club}"\nsend = ["warning"]\n'
        )
        plan = f'[athletes.plan.csv]\npath = "{plan_file}"'
        settings = _settings(tmp_path, database_url, port, plan, lookahead=today, extra=channels)
        sessions = open_database(database_url)
        run_pass(settings, sessions, now=now)
        run_pass(settings, sessions, now=now + timedelta(minutes=5))
        [push] = ntfy.received
        assert push.title.startswith("Plan look-ahead: warning: ")
        assert f"planned 28.0 km ({long_day.day} {long_day:%b})" in push.message
        assert "capped: 28.0 km -> up to 6.6 km" in push.message
        assert gotify.received == []  # the club channel takes warnings only
        assert len(handler.messages) == 1


def test_the_web_overview_shows_the_next_14_days_hatched_with_the_forecasts(
    tmp_path: Path, database_url: str, recorder: tuple[Recorder, int]
) -> None:
    _, port = recorder
    p = _long_run_planned(tmp_path, database_url, port, name="Long run <script>")
    settings, sessions, now, today, long_day, plan_file = (
        p.settings,
        p.sessions,
        p.now,
        p.today,
        p.long_day,
        p.plan_file,
    )
    run_pass(settings, sessions, now=now)
    plan_file.unlink()  # the page shows what the pass read; it never reads the plan itself
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        data = http.get("/athletes/sam.json").json()["plan"]
        page = http.get("/athletes/sam").text
        forecasts_page = http.get("/athletes/sam/plan").text
        twin = http.get("/athletes/sam/plan.json").json()
    assert data["checked_on"] == today.isoformat() and len(data["days"]) == 15
    assert [d["planned_km"] for d in data["days"] if d["date"] == long_day.isoformat()] == [28.0]
    assert data["forecasts"][0]["rule"] == "long-run-spike"
    assert (
        'fill="url(#hatch-wide)"' in page
        and 'fill="url(#hatch-narrow)"' in page
        and "Next 14 days of the plan" in page
    )
    assert (
        f"planned 28.0 km ({long_day.day} {long_day:%b})" in page
        and "capped: 28.0 km -&gt; up to 6.6 km" in page
    )
    assert 'href="/athletes/sam/plan"' in page
    assert twin["forecasts"][0]["numbers"]["planned_km"] == 28.0 and twin["planned"][0]["distance_km"] == 28.0
    assert (
        "Warning forecast: long-run-spike on " in forecasts_page and "Frandsen et al. 2025" in forecasts_page
    )
    assert "What the guidance allows:</b> 28.0 km -&gt; up to 6.6 km" in forecasts_page
    assert (
        "Long run &lt;script&gt;" in forecasts_page and "<script>" not in forecasts_page
    )  # the plan's words, escaped


@pytest.mark.parametrize(
    ("real_km", "mailed"),
    [(28.0, "Warning: Long run"), (6.0, None), (None, None)],
    ids=["at plan", "under plan", "skipped"],
)
def test_a_told_forecast_settles_quietly_when_its_day_comes_and_the_real_run_speaks_for_itself(
    tmp_path: Path,
    database_url: str,
    recorder: tuple[Recorder, int],
    real_km: float | None,
    mailed: str | None,
) -> None:
    handler, port = recorder
    now = clock.now().replace(hour=20, minute=0, second=0, microsecond=0)  # the evening of the planned day
    before = now - timedelta(days=2)
    plan_file = tmp_path / "plan.csv"
    plan_file.write_text(csv_plan([(now.date(), "28", "", "long", "Long run")]))
    settings = _settings(
        tmp_path, database_url, port, f'[athletes.plan.csv]\npath = "{plan_file}"', lookahead=before.date()
    )
    sessions = open_database(database_url)
    run_pass(settings, sessions, now=before)
    [lookahead] = _mails(handler)
    assert lookahead["Subject"].startswith("[strainwatch] Plan look-ahead: warning: ")
    if real_km is not None:  # the run, this morning
        write_gpx(tmp_path / "runs" / "today.gpx", now.replace(hour=7), real_km)
    later = now + timedelta(minutes=5) if real_km is not None else now + timedelta(days=1)
    run_pass(settings, sessions, now=later)
    run_pass(settings, sessions, now=later + timedelta(minutes=5))
    subjects = [m["Subject"] for m in _mails(handler)[1:]]
    if mailed is None:
        assert subjects == []
    else:
        [subject] = subjects
        assert subject.startswith(f"[strainwatch] {mailed}")  # the real alert, at once
    assert not any("Plan" in s for s in subjects)  # no withdrawal: the day came, nothing was re-planned
    with sessions() as session:
        states = {r.rule: r.status for r in session.scalars(select(PlanForecast))}
    assert states["long-run-spike"] == "settled"
    run_pass(settings, sessions, now=later + timedelta(days=70))  # long over: forgotten
    with sessions() as session:
        assert session.scalars(select(PlanForecast)).all() == []


def test_a_plan_that_cannot_be_read_withdraws_nothing(
    tmp_path: Path, database_url: str, recorder: tuple[Recorder, int]
) -> None:
    handler, port = recorder
    p = _long_run_planned(tmp_path, database_url, port)
    settings, sessions, now, plan_file = p.settings, p.sessions, p.now, p.plan_file
    text = plan_file.read_text()
    run_pass(settings, sessions, now=now)
    plan_file.unlink()  # a feed down, a file being rewritten: its runs are unknown, not removed
    failed = run_pass(settings, sessions, now=now + timedelta(minutes=5))
    assert any(line.startswith("sam plan: plan csv: cannot read the plan") for line in failed.failed)
    plan_file.write_text(text)
    run_pass(settings, sessions, now=now + timedelta(minutes=10))
    [lookahead] = _mails(handler)  # told once; never withdrawn, never told again
    assert lookahead["Subject"].startswith("[strainwatch] Plan look-ahead: warning: ")
