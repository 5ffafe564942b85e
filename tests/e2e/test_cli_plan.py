"""The acceptance scenario of the training plan, run as a new user would: the example runner's
history and its plan file, with the clock pinned to Sunday 17 January 2021, 18:30 in Recife
(the example's data is from 2020-2021). `plan` names both forecasts with their numbers and the
capped version; the look-ahead mail carries them once; shortening the long run to 18 km
withdraws the long-run forecast once."""

from __future__ import annotations

import json
import mailbox
import shutil
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.config import write_config
from tests.support.paths import REPO

SUNDAY = "2021-01-17T{}:00-03:00"  # a Sunday of the example year, the look-ahead's default day


def _at(hour_minute: str) -> dict[str, str]:
    return {"STRAINWATCH_NOW": SUNDAY.format(hour_minute)}


def _plan_mails(box: Path) -> list[tuple[str, str]]:
    out = []
    for message in mailbox.mbox(box):
        subject = " ".join(str(message["Subject"]).split())
        if subject.startswith("[strainwatch] Plan"):
            part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
            out.append((subject, part.get_payload(decode=True).decode()))  # type: ignore[union-attr]
    return out


@pytest.fixture
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "runs"
    shutil.copytree(REPO / "examples" / "activities", folder)
    shutil.copy(REPO / "examples" / "plan.csv", tmp_path / "plan.csv")
    extra = f'[athletes.plan.csv]\npath = "{tmp_path / "plan.csv"}"\n'
    return write_config(
        tmp_path / "config.toml",
        f"sqlite:///{tmp_path}/sw.db",
        [folder],
        timezone="America/Recife",
        athlete=extra,
        immediate=True,
        notify=f'mbox = "{tmp_path / "mail.mbox"}"\n',
    )


@pytest.mark.slow
def test_the_plan_is_forecast_mailed_once_and_its_withdrawal_once(config: Path) -> None:
    box = config.parent / "mail.mbox"
    assert run("sync", config=config, env=_at("18:30")).returncode == 0
    shown = run("plan", config=config, env=_at("18:35"))
    assert shown.returncode == 0, shown.stderr
    long_run = (
        "warning (long-run-spike): Sunday's planned 28.0 km (24 Jan) is 2.8x your 30-day longest (10.1 km)"
        " - the long run spike rule would warn"
    )
    week = "The 7 days to Sunday (24 Jan) with the plan hold 28.0 km, +162 % on your 10.7 km a week"
    assert long_run in shown.stdout and week in shown.stdout
    assert "capped: 28.0 km -> up to 11.1 km, or move it after a lighter week" in shown.stdout
    assert "capped: 28.0 km -> up to 7 km in those 7 days" in shown.stdout
    assert "csv line 6: no distance or duration" in shown.stdout
    data = json.loads(run("plan", "--json", config=config, env=_at("18:35")).stdout)[0]
    assert {
        "athlete",
        "today",
        "last",
        "planned",
        "done",
        "forecasts",
        "unparsed",
        "not_runs",
        "problems",
    } <= set(data)
    assert [f["rule"] for f in data["forecasts"]] == ["long-run-spike", "weekly-volume-jump"]
    assert data["forecasts"][0]["numbers"]["capped_km"] == 11.1
    run("sync", config=config, env=_at("18:40"))
    [(subject, body)] = _plan_mails(box)
    assert subject.startswith("[strainwatch] Plan look-ahead: warning: Sunday's planned 28.0 km (24 Jan)")
    assert long_run.removeprefix("warning (long-run-spike): ") in body and week in body
    plan = config.parent / "plan.csv"
    plan.write_text(plan.read_text().replace("2021-01-24,28,", "2021-01-24,11,"))  # within the 11.1 km
    run("sync", config=config, env=_at("18:50"))
    run("sync", config=config, env=_at("19:00"))
    mails = _plan_mails(box)
    assert len(mails) == 2
    assert mails[1][0] == "[strainwatch] Plan check: no longer forecast: long-run-spike on Sun 24 Jan"
    assert "long-run-spike on Sun 24 Jan: the plan now keeps to the rule" in mails[1][1]
    after = json.loads(run("plan", "--json", config=config, env=_at("19:05")).stdout)[0]
    assert [f["rule"] for f in after["forecasts"]] == ["weekly-volume-jump"]  # 17.4 km to Tuesday: +63 %
