"""Mail commands as a user runs them, with the embedded default (an mbox beside the database)."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

from tests.support.cli import run
from tests.support.config import write_config
from tests.support.histories import write_steady_then_spike

OUTBOX_KEYS = {
    "id",
    "alert_id",
    "athlete",
    "kind",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "message_id",
}


def test_mail_without_a_server_goes_to_an_mbox(tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    write_steady_then_spike(folder, 14.0)
    config = write_config(
        tmp_path / "config.toml", f"sqlite:///{tmp_path}/db/sw.db", [folder], immediate=True
    )
    dry = run("sync", "--dry-run", config=config)
    assert dry.returncode == 0 and "would send: [strainwatch] Warning: Long run" in dry.stdout, dry.stdout
    assert not (tmp_path / "db" / "mail.mbox").exists()
    real = run("sync", config=config)
    assert "mail: 1 sent" in real.stdout, real.stdout
    box = mailbox.mbox(tmp_path / "db" / "mail.mbox")
    [message] = list(box)
    assert message["Subject"].startswith("[strainwatch] Warning: Long run")
    assert oct((tmp_path / "db" / "mail.mbox").stat().st_mode & 0o777) == "0o600"
    rows = json.loads(run("outbox", "--json", config=config).stdout)
    assert [r["status"] for r in rows] == ["sent"] and set(rows[0]) >= OUTBOX_KEYS
    tested = run("notify", "test", config=config)
    assert tested.returncode == 0 and f"written to {tmp_path / 'db' / 'mail.mbox'}" in tested.stdout
    digest = run("digest", "--now", config=config)
    assert digest.returncode == 0 and "mail:" in digest.stdout
    assert len(mailbox.mbox(tmp_path / "db" / "mail.mbox")) >= 2
    retried = run("outbox", "retry", config=config)
    assert retried.returncode == 0 and "0 message(s) due now" in retried.stdout


def test_a_secret_readable_by_others_is_refused_with_a_hint(tmp_path: Path) -> None:
    secret = tmp_path / "smtp-password"
    secret.write_text("x")
    secret.chmod(0o644)
    smtp = f'[smtp]\nhost = "127.0.0.1"\nusername = "u"\npassword_file = "{secret}"\nfrom = "a@example.org"\n'
    config = write_config(
        tmp_path / "config.toml", f"sqlite:///{tmp_path}/sw.db", None, athletes=("me",), tables=smtp
    )
    result = run("notify", "test", config=config)
    assert result.returncode == 1
    assert "readable by group or others" in result.stderr and f"chmod 600 {secret}" in result.stderr
    assert "Traceback" not in result.stderr
