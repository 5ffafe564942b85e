"""The risk commands, run as a user would, on the real runner-2020 history."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import clock
from tests.support.cli import run as cli_run
from tests.support.config import write_config
from tests.support.histories import write_steady_then_spike
from tests.support.paths import EXAMPLE_LAST_RUN, REPO


def run(*args: str, config: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A command over the example year, at an instant whose past holds the whole year."""
    return cli_run(*args, config=config, env={**clock.env(clock.after(EXAMPLE_LAST_RUN)), **(env or {})})


ALERT_KEYS = {
    "id",
    "athlete",
    "rule",
    "severity",
    "date",
    "activity_ids",
    "title",
    "summary",
    "numbers",
    "status",
    "created_at",
}


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("risk")
    folder = tmp / "runs"
    shutil.copytree(REPO / "examples" / "activities", folder)
    config = write_config(
        tmp / "config.toml",
        f"sqlite:///{tmp}/sw.db",
        [folder],
        timezone="America/Recife",
        athlete="birth_year = 1980\n",
    )
    result = run("sync", config=config)
    assert result.returncode == 0, result.stderr
    return config


def test_status_reads_at_a_glance(synced: Path) -> None:
    result = run("status", config=synced)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Last 8 weeks:" in out and "Next run: keep it under" in out and "Next 7 days: up to" in out
    data = json.loads(run("status", "--json", config=synced).stdout)[0]
    assert len(data["weeks"]) == 8 and {"acwr", "ctl", "atl", "tsb", "guidance", "alerts"} <= set(data)


def test_backtest_replays_the_year(synced: Path) -> None:
    result = run("backtest", "--json", config=synced)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["first"] == "2020-07-03"
    rules = {a["rule"] for a in data["alerts"]}
    assert "long-run-spike" in rules
    assert all(a["severity"] in ("info", "caution", "warning") for a in data["alerts"])
    dates = [a["date"] for a in data["alerts"]]
    assert dates == sorted(dates)
    text = run("backtest", config=synced).stdout
    assert "per rule and year:" in text


@pytest.mark.slow
def test_a_fresh_spike_becomes_an_alert_once(tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    write_steady_then_spike(folder, 11.0)
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path}/sw.db", [folder])
    first = cli_run("sync", config=config).stdout
    assert "alerts: 0 new" not in first, first
    assert "alerts: 0 new" in cli_run("sync", config=config).stdout
    listed = json.loads(cli_run("alerts", "--json", config=config).stdout)
    [alert] = [a for a in listed if a["rule"] == "long-run-spike"]
    assert set(alert) >= ALERT_KEYS
    assert (alert["severity"], alert["status"]) == ("caution", "active")
    assert alert["numbers"]["reference_km"] == pytest.approx(6.0, abs=0.1)
    assert alert["numbers"]["increase_pct"] == pytest.approx(83, abs=2)
    explained = cli_run("explain", str(alert["id"]), config=config)
    assert explained.returncode == 0
    assert "Evidence: grade A-" in explained.stdout and "Association, not prediction" in explained.stdout
    assert "Frandsen et al. 2025" in explained.stdout
    missing = cli_run("explain", "999999", config=config)
    assert missing.returncode == 1 and "no alert #999999" in missing.stderr


def test_rules_lists_the_catalogue(synced: Path) -> None:
    out = run("rules", config=synced).stdout
    from strainwatch.rules.registry import RULES

    for rule in RULES:
        assert f"] {rule}" in out
    assert "Frandsen et al. 2025" in out


@pytest.mark.slow
def test_injuries_round_trip_and_feed_the_backtest(synced: Path) -> None:
    added = run(
        "injury", "add", "2021-06-15", "--part", "soleus", "--note", "after the long run", config=synced
    )
    assert added.returncode == 0, added.stderr
    listed = run("injury", "list", config=synced).stdout
    assert "soleus" in listed and "open" in listed
    injury_id = listed.split()[0].lstrip("#")
    assert run("injury", "close", injury_id, "2021-06-01", config=synced).returncode == 1  # before the start
    assert run("injury", "close", injury_id, "2021-07-10", config=synced).returncode == 0
    report = json.loads(run("backtest", "--json", config=synced).stdout)
    [injury] = report["injuries"]
    assert injury["part"] == "soleus" and isinstance(injury["alert_before"], bool)
    bad = run("injury", "add", "2021-13-01", "--part", "calf", config=synced)
    assert bad.returncode == 2 and "not a date" in bad.stderr


@pytest.mark.slow
def test_status_as_of_a_past_day_replays_its_alerts(synced: Path) -> None:
    """The README's day: a 15.7 km run, 54 % over the month's longest, in a week 55 % up."""
    out = run("status", "--as-of", "2021-06-13", config=synced).stdout
    assert "as of 2021-06-13 (replayed)" in out and "2021-W23" in out
    assert "caution  long-run-spike" in out and "weekly-volume-jump" in out  # a warning at 40+
    assert "Alerts active then:" in out
    [data] = json.loads(run("status", "--as-of", "2021-06-13", "--json", config=synced).stdout)
    assert data["as_of"] is True and data["date"] == "2021-06-13"
    assert ("long-run-spike", "caution") in {(a["rule"], a["severity"]) for a in data["alerts"]}


def test_what_was_not_running_is_left_out_and_said(synced: Path) -> None:
    """The example's 2021-01-17 recording: a run, a bus, a stop of hours, a drive the next
    day. Stored at its running distance, every correction named; no warning that day."""
    rows = json.loads(run("activities", "--json", config=synced).stdout)
    [bus] = [r for r in rows if r["start_time"].startswith("2021-01-17T10:23")]
    assert 7000 <= bus["distance_m"] <= 9100
    assert {"tail", "teleport"} <= {c["kind"] for c in bus["corrections"]}
    listed = run("activities", "--since", "2021-01-17", config=synced).stdout
    assert "corrected: after the recording's end: 11.17 km" in listed
    assert "a vehicle" not in listed.split("2021-01-27")[0]  # the bus was jumps of its position
    text = run("backtest", config=synced).stdout
    assert "2021-01-17  warning" not in text and "2021-02-07  caution  long-run-spike" in text
    alerts = json.loads(run("alerts", "--all", "--json", config=synced).stdout)
    corrected = {r["id"] for r in rows if r["corrections"]}
    about = next(a for a in alerts if set(a["activity_ids"]) & corrected)
    assert "  corrected: " in run("explain", str(about["id"]), config=synced).stdout
    before = run("status", "--as-of", "2020-06-01", config=synced).stdout
    assert "No alerts active then." in before


def test_backtest_mail_previews_the_mailbox(synced: Path) -> None:
    data = json.loads(run("backtest", "--mail", "--json", config=synced).stdout)
    assert data["mails"] and data["mails_per_month"] <= 4 and data["busiest_7_days"]["mails"] <= 3
    assert {m["kind"] for m in data["mails"]} <= {"alert", "digest"}
    assert all(m["findings"] and m["subject"] for m in data["mails"])
    assert sum(data["per_month"].values()) == len(data["mails"])
    assert not [m for m in data["mails"] if all(" acwr:" in f for f in m["findings"])]  # never alone
    text = run("backtest", "--mail", "--at", "07:30", config=synced).stdout
    assert "one pass a day at 07:30" in text and "a month; busiest 7 days:" in text
    bad = run("backtest", "--mail", "--at", "25:00", config=synced)
    assert bad.returncode == 2 and "not a time" in bad.stderr


@pytest.mark.slow
def test_the_first_digest_of_an_old_history_charts_its_last_weeks_and_rules_show_overrides(
    tmp_path: Path,
) -> None:
    config = write_config(
        tmp_path / "config.toml",
        f"sqlite:///{tmp_path}/sw.db",
        [REPO / "examples" / "activities"],
        timezone="America/Recife",
        athlete="[athletes.rules.long-run-spike]\ncaution = 0.2\n",
    )
    synced = run("sync", config=config, env={"STRAINWATCH_NOW": "2026-12-01T20:00:00-03:00"})
    assert synced.returncode == 0, synced.stderr
    import mailbox

    [digest] = list(mailbox.mbox(tmp_path / "mail.mbox"))
    text = next(p for p in digest.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
    assert (
        b"The 12 weeks to your last run (2021-07-04), distance (km)" in text and b"Last 12 weeks" not in text
    )
    assert b"Mon 28 Jun " in text and b"Mon 30 Nov " not in text  # 2021-W26, not the weeks before now
    rules = run("rules", "--athlete", "sam", config=config).stdout
    assert "a caution from +20 % (default +10 %)" in rules and "high from +30 %;" in rules
    [alert] = json.loads(run("alerts", "--all", "--json", config=config).stdout)[:1]
    assert "Settings in effect for sam:" in run("explain", str(alert["id"]), config=config).stdout
