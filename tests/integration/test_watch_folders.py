"""Watched folders on a real file system: inotify and polling, settling, ignored names, and
which folders are polled (network mounts) and why."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from strainwatch.config.settings import Settings
from strainwatch.kinds import parse_settings
from strainwatch.runtime.watch import FolderWatcher, file_system_of, plan_watch

MOUNTS = """sysfs /sys sysfs rw 0 0
/dev/sda1 / ext4 rw 0 0
nas:/export/runs /mnt/nas nfs4 rw 0 0
//box/share /mnt/smb\\040share cifs rw 0 0
"""


def _settings(tmp_path: Path, folders: list[Path], mode: str = "auto") -> Settings:
    paths = ", ".join(f'"{f}"' for f in folders)
    return parse_settings(
        f'[watch]\nmode = "{mode}"\npoll_interval = 0.2\nsettle = 0.3\n'
        f'[[athletes]]\nid = "sam"\nname = "Sam"\nemail = "sam@example.org"\n[athletes.files]\npaths = [{paths}]\n'
        f'[[athletes]]\nid = "kim"\nname = "Kim"\nemail = "kim@example.org"\n',
        tmp_path / "config.toml",
    )


def test_the_file_system_of_a_path_is_its_longest_mount_point() -> None:
    assert file_system_of(Path("/mnt/nas/sam/run.fit"), MOUNTS) == "nfs4"
    assert file_system_of(Path("/mnt/smb share/x"), MOUNTS) == "cifs"
    assert file_system_of(Path("/mnt/nasty"), MOUNTS) == "ext4"


def test_network_mounts_and_poll_mode_are_polled(tmp_path: Path) -> None:
    local = tmp_path / "local"
    local.mkdir()
    nas = Path("/mnt/nas/sam")
    plan = plan_watch(_settings(tmp_path, [local, nas]), MOUNTS)
    assert plan.inotify == (local,) and plan.polled == (nas,)
    assert "nfs4 network mount" in plan.describe()
    polled = plan_watch(_settings(tmp_path, [local], mode="poll"), MOUNTS)
    assert polled.polled == (local,) and 'mode = "poll"' in polled.describe()
    assert plan_watch(_settings(tmp_path, [local], mode="inotify"), MOUNTS).inotify == (local,)


@pytest.mark.parametrize("mode", ["inotify", "poll"])
def test_a_settled_new_file_starts_its_owners_pass_once(tmp_path: Path, mode: str) -> None:
    folder = tmp_path / "runs"
    (folder / "2026").mkdir(parents=True)
    (folder / "old.gpx").write_text("<gpx/>")  # there before: no pass for it
    calls: list[list[str]] = []
    called = threading.Event()

    def on_ready(ids: list[str]) -> None:
        calls.append(ids)
        called.set()

    watcher = FolderWatcher(_settings(tmp_path, [folder], mode=mode), on_ready)
    watcher.start()
    try:
        (folder / ".syncthing.run.fit.tmp").write_bytes(b"partial")  # hidden: a sync tool's temporary
        (folder / "notes.txt").write_text("no activity")
        (folder / "2026" / "run.fit").write_bytes(b"x" * 100)
        assert called.wait(60)
        assert calls == [["sam"]]
        called.clear()
        (folder / "2026" / "run.fit").write_bytes(b"y" * 200)  # changed again: another pass
        assert called.wait(60) and calls == [["sam"], ["sam"]]
    finally:
        watcher.stop.set()
