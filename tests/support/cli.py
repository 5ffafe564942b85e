"""The installed `strainwatch` command, run as a user runs it (`run`) or as systemd runs the
daemon (`start_daemon`, with `receive` reading its notify socket), always at the suite's clock."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import clock

EXE = Path(sys.executable).with_name("strainwatch")


def run(
    *args: str, config: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [str(EXE)] + (["--config", str(config)] if config else []) + list(args)
    full_env = {**os.environ, **clock.env(), **(env or {})}
    full_env.pop("STRAINWATCH_CONFIG", None)
    return subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=300, check=False)


def start_daemon(config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """`strainwatch run` with `config`, its output on pipes; the caller stops it."""
    full = {**os.environ, **clock.env(), **env, "STRAINWATCH_CONFIG": str(config)}
    return subprocess.Popen(
        [str(EXE), "run"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full
    )


def receive(sock: socket.socket, want: str, timeout: float = 30) -> list[str]:
    """The notify socket's lines up to one starting with `want`; fails the test after `timeout`."""
    got: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            got += sock.recv(4096).decode().split("\n")
        except TimeoutError:
            break
        if any(line.startswith(want) for line in got):
            return got
    pytest.fail(f"no {want} from the daemon; got {got}")
