"""The pass lock on both databases: a second holder is refused while the first holds it, and
gets it as soon as it is released (also when the holder's process dies: kernel and server
release flock and advisory locks)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from strainwatch.locking import PassBusy, pass_lock
from strainwatch.store.db import create_db_engine, upgrade


def test_one_pass_at_a_time(database_url: str) -> None:
    upgrade(create_db_engine(database_url))
    busy = pytest.raises(PassBusy, match="another strainwatch pass is running")
    with pass_lock(database_url), busy, pass_lock(database_url):  # the second holder is refused
        pass
    with pass_lock(database_url, wait_s=1):
        pass


def test_a_killed_holder_leaves_no_stale_lock(database_url: str) -> None:
    upgrade(create_db_engine(database_url))
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from strainwatch.locking import pass_lock\n"
         f"with pass_lock({database_url!r}):\n    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(PassBusy), pass_lock(database_url):
            pass
        holder.kill()
        holder.wait(timeout=10)
        with pass_lock(database_url, wait_s=5):
            pass
    finally:
        if holder.poll() is None:
            holder.kill()
