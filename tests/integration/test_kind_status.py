"""Each kind says what it did, through its ChannelKind or SourceKind: a webhook's deliveries
(one sent, one parked with its error) as the system page and `doctor` show them, with no
kind named by the page or the checklist."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from strainwatch.cli.checks import checks
from strainwatch.cli.main import cli
from strainwatch.kinds import kind_statuses, parse_settings
from strainwatch.notify.dispatch import queue_notice
from strainwatch.notify.transport import deliver_all
from strainwatch.store.db import open_database, unit_of_work
from strainwatch.store.models import Athlete
from strainwatch.views.system import system_json
from tests.support import clock
from tests.support.webhook_server import WebhookServer

SECRET = "whsec_status_0123456789"  # noqa: S105 -- the test's shared secret


def test_a_webhook_s_sent_and_parked_messages_are_its_status(tmp_path: Path, database_url: str) -> None:
    now = clock.now()
    (tmp_path / "hook.secret").write_text(SECRET + "\n")
    (tmp_path / "hook.secret").chmod(0o600)
    with WebhookServer(SECRET.encode()) as server:
        settings_text = f"""
[storage]
url = "{database_url}"
[notify]
mbox = "{tmp_path / "mail.mbox"}"
[[athletes]]
id = "sam"
name = "Sam"
email = "sam@example.org"
[[athletes.channels]]
name = "hook"
kind = "webhook"
url = "{server.url}"
secret_file = "hook.secret"
send = ["notice"]
"""
        settings = parse_settings(settings_text, tmp_path / "config.toml")
        sessions = open_database(database_url)
        with sessions() as session, unit_of_work(session):
            session.add(Athlete(id="sam", name="Sam", created_at=now))
        athlete = settings.athletes[0]
        with sessions() as session, unit_of_work(session):
            queue_notice(session, settings, athlete, "First", "One.", key="n:1", now=now)
        deliver_all(settings, sessions, now)
        server.fail_next(400)  # a refusal: parked, not retried
        with sessions() as session, unit_of_work(session):
            queue_notice(session, settings, athlete, "Second", "Two.", key="n:2", now=now)
        deliver_all(settings, sessions, now)
    with sessions() as session:
        statuses = kind_statuses(settings, session, ["sam"])
        data = system_json(session, ["sam"], statuses)
    hook = next(s for s in statuses if s.name == "webhook")
    [line] = hook.lines
    assert line.startswith(
        f"hook of sam: 1 sent (last {now:%Y-%m-%d %H:%M} UTC), 0 pending, 1 parked; last error:"
    )
    assert "HTTP 400" in line and hook.problems == [line] and SECRET not in line
    mail = next(s for s in statuses if s.title == "Mail")
    assert mail.lines == ["email: 2 sent" + f" (last {now:%Y-%m-%d %H:%M} UTC), 0 pending, 0 parked"]
    [channel] = data["webhook"]["channels"]
    assert (channel["name"], channel["athlete"], channel["sent"], channel["parked"]) == ("hook", "sam", 1, 1)
    assert data["strava"] == {"quota": None, "accounts": []}  # the page's keys of before are kept
    assert [k["title"] for k in data["kinds"]] == [s.title for s in statuses]
    assert "Webhooks" in [k["title"] for k in data["kinds"]]
    said = {c.name: c for c in checks(settings)}
    assert not said["webhooks channel"].ok and "1 parked" in said["webhooks channel"].detail
    (tmp_path / "config.toml").write_text(settings_text)
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "config.toml"), "status"], env=clock.env())
    assert result.exit_code == 0, result.output
    assert f"needs a look:\n  Webhooks: {line}" in result.output
