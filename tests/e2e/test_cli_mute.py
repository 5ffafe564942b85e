"""`strainwatch mute`, `mute --list` and `unmute` as a user runs them: a muted rule's warning is
recorded and shown but not mailed; unmuted, the next sync mails it once."""

from __future__ import annotations

import json
import mailbox
import re
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.config import write_config
from tests.support.histories import write_steady_then_spike


@pytest.mark.slow
def test_mute_list_unmute_and_what_reaches_the_mailbox(tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    write_steady_then_spike(folder, 14.0)
    config = write_config(
        tmp_path / "config.toml", f"sqlite:///{tmp_path}/db/sw.db", [folder], immediate=True
    )
    box = tmp_path / "db" / "mail.mbox"

    assert run("mute", "--list", config=config).stdout.strip() == "no rule is muted"
    muted = run("mute", "long-run-spike", "--days", "7", config=config)
    assert muted.returncode == 0, muted.stderr
    found = re.fullmatch(
        r"long-run-spike muted for sam until (\d{4}-\d\d-\d\d): .*no mail or push\n", muted.stdout
    )
    assert found, muted.stdout
    until = found.group(1)
    listed = run("mute", "--list", config=config).stdout
    assert (
        listed.strip()
        == f"sam: muted: long-run-spike until {until} (alerts recorded; no mail or push before then)"
    )

    unknown = run("mute", "long-run", "--days", "7", config=config)
    assert unknown.returncode == 1 and "unknown rule 'long-run'" in unknown.stderr
    assert "long-run-spike, weekly-volume-jump" in unknown.stderr
    for days in ("0", "366"):
        bounded = run("mute", "hill-spike", "--days", days, config=config)
        assert bounded.returncode == 1 and "mute for 1 to 365 days" in bounded.stderr, bounded.stderr
    assert run("mute", "hill-spike", config=config).returncode == 2  # no --days: a usage error

    synced = run("sync", config=config)
    assert synced.returncode == 0 and "mail: 0 sent" in synced.stdout, synced.stdout
    assert not box.exists() or len(mailbox.mbox(box)) == 0
    [alert] = [
        a for a in json.loads(run("alerts", "--json", config=config).stdout) if a["rule"] == "long-run-spike"
    ]
    assert alert["severity"] == "warning"  # recorded and listed all the same
    note = f"muted: long-run-spike until {until}"
    assert note in run("status", config=config).stdout
    assert note in run("explain", str(alert["id"]), config=config).stdout

    unmuted = run("unmute", "long-run-spike", config=config)
    assert unmuted.returncode == 0 and unmuted.stdout.strip() == "long-run-spike unmuted for sam"
    assert (
        run("unmute", "long-run-spike", config=config).stdout.strip()
        == "long-run-spike was not muted for sam"
    )
    assert note not in run("status", config=config).stdout
    again = run("sync", config=config)
    assert "mail: 1 sent" in again.stdout, again.stdout
    [message] = list(mailbox.mbox(box))
    assert message["Subject"].startswith("[strainwatch] Warning: Long run")
    assert "mail: 0 sent" in run("sync", config=config).stdout
