"""The daemon serves the web page too ([web] enabled): it answers while the daemon runs,
and SIGTERM still ends everything with exit 0."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import httpx
import pytest

from tests.support.cli import start_daemon
from tests.support.config import write_config

pytest.importorskip("uvicorn")


def test_the_daemon_serves_the_page_and_stops_on_sigterm(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "config.toml", f"sqlite:///{tmp_path}/sw.db", tables='[web]\nlisten = "127.0.0.1:0"\n'
    )
    daemon = start_daemon(config, {})
    try:
        assert daemon.stderr is not None
        seen = []
        for line in daemon.stderr:  # the startup signal: the log line naming the address
            seen.append(line)
            if found := re.search(r"web page on (http://127\.0\.0\.1:\d+)/", line):
                break
        else:
            pytest.fail(f"no web page line: {seen}")
        overview = httpx.get(f"{found.group(1)}/athletes/sam.json", timeout=30)
        assert overview.status_code == 200 and overview.json()["athlete"] == "sam"
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(15) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
