"""Said once: a source that fails (intervals.icu refusing its key, a source that raises) is
named in the `sync` summary and its reason appears once in what the command prints and once
in the log; long lines are folded for a terminal."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from strainwatch.cli.commands.passes import wrapped
from strainwatch.pipeline.run_pass import run_pass
from strainwatch.store.db import open_database
from tests.support import clock
from tests.support.config import settings_of
from tests.support.fake_intervals import FakeIntervals, intervals_table, running


def test_a_refused_key_is_said_once_in_the_summary_and_once_in_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with running(FakeIntervals()) as fake:
        settings = settings_of(
            tmp_path / "config.toml",
            f"sqlite:///{tmp_path / 'sw.db'}",
            None,
            notify=f'mbox = "{tmp_path / "mail.mbox"}"\n',
            athlete=intervals_table(fake, tmp_path, key="revoked-key"),
        )
        with caplog.at_level(logging.INFO, logger="strainwatch"):
            report = run_pass(settings, open_database(settings.database_url), now=clock.now())
    [failure] = report.failures
    assert failure.source == "intervals" and "refused" in failure.text
    printed = "\n".join(report.lines())
    assert printed.count(failure.text) == 1, printed
    assert report.summary().endswith("; failed: sam intervals")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged.count(failure.text) == 1, logged
    assert "revoked-key" not in printed + logged


def test_a_long_line_is_folded_under_its_own_indent_only_for_a_terminal() -> None:
    line = "  intervals sam: " + "word " * 40
    folded = wrapped(line, 60).splitlines()
    assert len(folded) > 1 and all(len(part) <= 60 for part in folded)
    assert all(part.startswith("      ") for part in folded[1:])
    assert wrapped(line, 0) == line  # a pipe or a log gets the line as it is
