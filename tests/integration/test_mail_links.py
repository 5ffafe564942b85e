"""With `[web] public_url`, a mail links to the alert's page (over real SMTP); without it,
no link at all."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from strainwatch.pipeline.run_pass import run_pass
from strainwatch.store.db import open_database
from strainwatch.store.models import Alert
from tests.support import clock
from tests.support.config import settings_of
from tests.support.smtp import Recorder


@pytest.mark.parametrize("public_url", ["https://sw.example.org/base/", None])
def test_the_alert_mail_links_to_its_page(
    tmp_path: Path, history: Path, recorder: tuple[Recorder, int], public_url: str | None
) -> None:
    handler, port = recorder
    url = f"sqlite:///{tmp_path / 'sw.db'}"
    web = f'[web]\npublic_url = "{public_url}"\n' if public_url else ""
    settings = settings_of(
        tmp_path / "config.toml", url, [history], smtp_port=port, immediate=True, tables=web
    )
    sessions = open_database(url)
    report = run_pass(settings, sessions, now=clock.now())
    assert report.delivery is not None and len(report.delivery.sent) == 1, report.summary()
    [(_to, raw)] = handler.messages
    message: Any = message_from_bytes(raw, policy=default)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    with sessions() as session:
        warning = session.scalars(select(Alert).where(Alert.severity == "warning")).one()
    link = f"https://sw.example.org/base/alerts/{warning.id}"
    if public_url:
        lines = text.splitlines()
        assert f"The numbers, the runs and the evidence: {link}" in lines
        assert f'<a href="{link}">' in html
        history = "https://sw.example.org/base/athletes/sam/alerts"  # the alerts history beside it
        assert (
            lines[lines.index(f"The numbers, the runs and the evidence: {link}") + 1]
            == f"Every alert so far: {history}"
        )
        assert f'<a href="{history}">every alert so far</a>' in html
    else:
        assert "/alerts/" not in text and "<a href" not in html
