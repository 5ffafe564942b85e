"""A real athlete for tests of what the runner reads: GPX files synced by the real command,
eight steady weeks, three weeks off, then a short run back and a long one (a warning and a
caution on the same day), all dated from the test clock."""

from __future__ import annotations

import mailbox
import re
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from tests.support import clock
from tests.support.config import write_config
from tests.support.histories import write_gpx, write_steady_weeks

# a raw key, a kilometre or a mark left unspelt, in what a miles athlete reads
RAW = re.compile(r"_km\b|_pct\b|ceiling|\[\[(distance|climb|pace):|\d km\b|/km\b")


def assert_miles_in_words(where: str, text: str) -> None:
    found = RAW.search(text)
    assert found is None, (
        f"{where}: {found.group(0)!r} in …{text[max(0, found.start() - 80) : found.end() + 80]}…"
    )


def visible(html: str) -> str:
    """The text of a page or a mail, without markup (class names are not read)."""
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def mail_bodies(path: Path) -> list[str]:
    """Every text and HTML part of every message in an mbox."""
    out = []
    for message in mailbox.mbox(path):
        for part in message.walk():
            if part.get_content_type() in ("text/plain", "text/html"):
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                out.append(payload.decode())
    return out


def cli(config: Path, *args: str, env: dict[str, str] | None = None) -> str:
    from strainwatch.cli.main import cli as main

    result = CliRunner().invoke(main, ["-q", "--config", str(config), *args], env=env or clock.env())
    assert result.exit_code == 0, result.output
    return result.output


def synced_comeback(tmp_path: Path, units: str = "km", extra: str = "") -> tuple[Path, str]:
    """(config, database URL) of athlete "sam" after two syncs: the steady weeks, then the
    comeback, so the comeback's alerts are news (mailed at once) rather than found late."""
    folder = tmp_path / "runs"
    folder.mkdir()
    now = clock.now()
    write_steady_weeks(folder, now, km=8.0, days_back=13)
    url = f"sqlite:///{tmp_path / 'state' / 'sw.db'}"
    config = write_config(
        tmp_path / "config.toml",
        url,
        [folder],
        timezone="Europe/Berlin",
        athlete=f'units = "{units}"\n',
        notify='quiet_hours = ""\n',
        tables=extra,  # mail now
    )
    cli(config, "sync")
    write_gpx(folder / "back.gpx", now - timedelta(hours=30), 6.0)
    write_gpx(folder / "long.gpx", now - timedelta(hours=27), 20.0)
    cli(config, "sync")
    return config, url
