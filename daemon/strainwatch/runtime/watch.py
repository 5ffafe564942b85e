"""Watched folders: a file landing in an athlete's `[athletes.files]` folder starts that
athlete's pass within seconds, instead of waiting for the next interval.

Changes come from inotify (through watchfiles, the `watch` extra) where it works, and from
polling where it cannot: without watchfiles, and on network mounts (NFS, SMB, sshfs …),
whose changes made on another machine raise no inotify event. Either way a changed file is
only handed over once its size and modification time have stayed the same for `settle`
seconds, so a file a sync tool is still writing is never imported as a finished run; the
importer's own partial-file handling stays behind that. Hidden files (Syncthing's and
rsync's temporary names) and files that are no activity are ignored.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from strainwatch.config.settings import Settings
from strainwatch.pipeline.sources import KINDS

log = logging.getLogger(__name__)

NETWORK_FILE_SYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "9p",
        "afs",
        "ceph",
        "glusterfs",
        "fuse.sshfs",
        "fuse.rclone",
        "fuse.glusterfs",
        "davfs",
        "fuse.davfs2",
        "virtiofs",
    }
)
TICK_S = 0.2  # how often pending files are looked at


def _inotify_available() -> bool:
    try:
        import watchfiles  # noqa: F401
    except ImportError:
        return False
    return True


def file_system_of(path: Path, mounts: str | None = None) -> str:
    """The type of the file system holding `path`, from /proc/self/mounts ("" if unknown)."""
    if mounts is None:
        try:
            mounts = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
    target = os.path.realpath(path)
    best, kind = "", ""
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, parts[2]
    return kind


@dataclass(frozen=True, slots=True)
class WatchPlan:
    """Which folder is watched how, and whose it is."""

    owners: dict[Path, tuple[str, ...]]  # folder -> athlete ids
    inotify: tuple[Path, ...]
    polled: tuple[Path, ...]
    why_polled: str | None  # for `doctor` and the log

    def describe(self) -> str:
        if not self.owners:
            return "no folders to watch"
        parts = []
        if self.inotify:
            parts.append("inotify for " + ", ".join(map(str, self.inotify)))
        if self.polled:
            parts.append("polling for " + ", ".join(map(str, self.polled)) + f" ({self.why_polled})")
        return "; ".join(parts)


def plan_watch(settings: Settings, mounts: str | None = None) -> WatchPlan:
    owners: dict[Path, list[str]] = {}
    for athlete in settings.athletes:
        for path in (p for kind in KINDS for p in kind.watched(athlete)):
            folder = path.parent if path.is_file() else path
            owners.setdefault(folder, []).append(athlete.id)
    mode = settings.watch.mode
    inotify: list[Path] = []
    polled: list[Path] = []
    reasons: set[str] = set()
    available = _inotify_available()
    for folder in owners:
        kind = file_system_of(folder, mounts)
        if mode == "poll":
            polled.append(folder)
            reasons.add('mode = "poll"')
        elif not available:
            polled.append(folder)
            reasons.add("watchfiles not installed: pip install 'strainwatch[watch]'")
        elif kind in NETWORK_FILE_SYSTEMS and mode == "auto":
            polled.append(folder)
            reasons.add(f"a {kind} network mount raises no inotify events")
        else:
            inotify.append(folder)
    return WatchPlan(
        {k: tuple(v) for k, v in owners.items()},
        tuple(inotify),
        tuple(polled),
        "; ".join(sorted(reasons)) or None,
    )


def _wanted(path: str) -> bool:
    name = os.path.basename(path)  # noqa: PTH119 - str paths keep undecodable bytes
    return not name.startswith(".") and any(kind.takes_file(name) for kind in KINDS)


def _scan(folder: Path) -> Iterator[tuple[str, tuple[int, int]]]:
    """(path, (size, mtime_ns)) of every wanted file under `folder`."""
    stack = [os.fspath(folder)]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif _wanted(entry.path):
                            st = entry.stat()
                            yield entry.path, (st.st_size, st.st_mtime_ns)
                    except OSError:
                        continue
        except OSError:
            continue


def _snapshot(folders: Iterable[Path]) -> dict[str, tuple[int, int]]:
    """Every activity file under the folders, with its size and modification time."""
    return {path: state for folder in folders for path, state in _scan(folder)}


@dataclass(slots=True)
class _Pending:
    athletes: tuple[str, ...]
    state: tuple[int, int] | None
    since: float  # monotonic time of the last change seen


@dataclass
class FolderWatcher:
    """Runs beside the scheduler; `on_ready(athlete_ids)` is called on its own thread, one
    call at a time, once changed files have settled."""

    settings: Settings
    on_ready: Callable[[list[str]], None]
    stop: threading.Event = field(default_factory=threading.Event)
    clock: Callable[[], float] = time.monotonic
    plan: WatchPlan = field(init=False)
    _pending: dict[str, _Pending] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _wake: threading.Event = field(default_factory=threading.Event, init=False)

    def __post_init__(self) -> None:
        self.plan = plan_watch(self.settings)

    def start(self) -> None:
        if not self.plan.owners:
            return
        log.info("watching %d folder(s): %s", len(self.plan.owners), self.plan.describe())
        # What is there now is the start-up pass's to import; anything that differs from these
        # snapshots later is new, even if it lands before a watching thread is ready.
        if self.plan.inotify:
            before = _snapshot(self.plan.inotify)
            threading.Thread(target=self._inotify, args=(before,), name="watch-inotify", daemon=True).start()
        if self.plan.polled:
            before = _snapshot(self.plan.polled)
            threading.Thread(
                target=self._poll, args=(self.plan.polled, before), name="watch-poll", daemon=True
            ).start()
        threading.Thread(target=self._settle, name="watch-settle", daemon=True).start()

    def _owners(self, path: str) -> tuple[str, ...]:
        found: list[str] = []
        for folder, athletes in self.plan.owners.items():
            root = os.fspath(folder)
            if path == root or path.startswith(root.rstrip("/") + "/"):
                found.extend(a for a in athletes if a not in found)
        return tuple(found)

    def changed(self, paths: Iterable[str]) -> None:
        """Files seen changing (an event, or a poll's difference): wait for them to settle."""
        now = self.clock()
        with self._lock:
            for path in paths:
                if not _wanted(path):
                    continue
                owners = self._owners(path)
                if owners:
                    entry = self._pending.get(path)
                    if entry is None:
                        self._pending[path] = _Pending(owners, None, now)
                    else:
                        entry.since = now
        self._wake.set()

    def _inotify(self, before: dict[str, tuple[int, int]]) -> None:
        import watchfiles

        caught_up = False
        try:
            for changes in watchfiles.watch(
                *self.plan.inotify,
                stop_event=self.stop,
                debounce=200,
                step=50,
                rust_timeout=1000,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                if not caught_up:  # the watches are in place now: what landed while they were set up
                    self._differences(before, _snapshot(self.plan.inotify))
                    caught_up = True
                if changes:
                    self.changed(path for change, path in changes if change != watchfiles.Change.deleted)
        except Exception as error:  # inotify limits reached, a folder gone: polling takes over
            log.warning("inotify stopped (%s: %s); polling the folders instead", type(error).__name__, error)
            self._poll(self.plan.inotify, _snapshot(self.plan.inotify))

    def _differences(self, known: dict[str, tuple[int, int]], seen: dict[str, tuple[int, int]]) -> None:
        self.changed(path for path, state in seen.items() if known.get(path) != state)

    def _poll(self, folders: tuple[Path, ...], known: dict[str, tuple[int, int]]) -> None:
        while not self.stop.wait(self.settings.watch.poll_interval):
            seen = _snapshot(folders)
            self._differences(known, seen)
            known = seen

    def _settle(self) -> None:
        settle = self.settings.watch.settle
        while not self.stop.is_set():
            self._wake.wait(TICK_S)
            self._wake.clear()
            ready: list[str] = []
            with self._lock:
                for path, entry in list(self._pending.items()):
                    try:
                        st = os.stat(path)  # noqa: PTH116
                    except OSError:  # gone again (a temporary file renamed away)
                        del self._pending[path]
                        continue
                    state = (st.st_size, st.st_mtime_ns)
                    now = self.clock()
                    if state != entry.state:
                        entry.state, entry.since = state, now
                    elif now - entry.since >= settle:
                        del self._pending[path]
                        ready.extend(a for a in entry.athletes if a not in ready)
                        log.info("%s settled: a pass for %s", path, ", ".join(entry.athletes))
            if ready and not self.stop.is_set():
                self.on_ready(ready)
