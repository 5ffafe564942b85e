"""`backtest --mail` lists exactly the mail that real daily passes send: six weeks of the real
runner-2020 history arrive one day at a time (files appear on their day, one pass at 20:00
local, mail to the mbox), then the preview over the same store is compared mail by mail."""

from __future__ import annotations

import mailbox
import re
import shutil
from datetime import date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from strainwatch.notify.preview import preview_mailbox
from strainwatch.pipeline.run_pass import run_pass
from strainwatch.store.db import open_database
from strainwatch.store.runs import facts_of, load_runs
from tests.support.config import settings_of
from tests.support.paths import CORPUS

ZONE = ZoneInfo("America/Recife")
LAST = date(2020, 8, 20)  # the first caution comes on 2020-08-14
_TIME = re.compile(rb"<time>([^<]+)</time>")


def _day(path: Path) -> date:
    found = _TIME.search(path.read_bytes()[:64_000])
    assert found is not None
    return datetime.fromisoformat(found.group(1).decode().replace("Z", "+00:00")).astimezone(ZONE).date()


def test_the_preview_agrees_with_daily_passes_on_real_data(tmp_path: Path) -> None:
    """SQLite only: the store's backend is not what this compares (test_mail covers both)."""
    corpus = CORPUS / "runner-2020"
    by_day: dict[date, list[Path]] = {}
    for f in corpus.glob("*.gpx"):
        by_day.setdefault(_day(f), []).append(f)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = settings_of(
        tmp_path / "strainwatch.toml",
        f"sqlite:///{tmp_path / 'sw.db'}",
        [inbox],
        athletes=("runner",),
        timezone="America/Recife",
        notify=f'mbox = "{tmp_path / "mail.mbox"}"\n',
    )
    sessions = open_database(settings.database_url)
    day = min(by_day)
    while day <= LAST:
        for f in by_day.get(day, []):
            shutil.copy(f, inbox / f.name)
        run_pass(settings, sessions, now=datetime.combine(day, time(20), ZONE))
        day += timedelta(days=1)
    sent = sorted(
        (
            parsedate_to_datetime(m["Date"]).astimezone(ZONE).date(),
            re.sub(r"\r?\n", "", str(m["Subject"])).removeprefix("[strainwatch] "),
        )
        for m in mailbox.mbox(tmp_path / "mail.mbox")
    )
    athlete = settings.athlete("runner")
    with sessions() as session:
        runs, facts = load_runs(session, athlete), facts_of(session, athlete)
    preview = preview_mailbox(
        runs,
        facts,
        settings.thresholds(athlete),
        athlete_id=athlete.id,
        zone=ZONE,
        schedule="daily",
        digest_time="07:00",
        pass_time=time(20),
        until=LAST,
    )
    assert sent, "the six weeks hold a caution: some mail must have gone"
    assert sorted((m.day, m.subject) for m in preview.mails) == sent
