"""Read files in worker processes that can be killed one by one.

A file that hangs past its time limit, or takes its reader down (out of memory, a crash in
a library), costs its own worker, which is replaced: the file is recorded as failed with
the reason and every other file of the import is read as usual. Results come back in job
order, so what is stored never depends on the number of workers.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from typing import Any

from strainwatch.sources.files.importing.analyse import analyse, failed
from strainwatch.sources.files.importing.jobs import FileAnalysis, FileJob

log = logging.getLogger(__name__)

GRACE_S = 10.0  # beyond the cooperative limit, before a worker is killed


def _serve(conn: Connection, time_limit: float | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            break
        if job is None:
            break
        conn.send(analyse(job, time_limit))
    conn.close()


@dataclass(slots=True)
class _Worker:
    process: Any
    conn: Connection
    index: int | None = None
    started: float = 0.0


class WorkerPool:
    def __init__(self, context: BaseContext, size: int, time_limit: float | None) -> None:
        self.context = context
        self.size = size
        self.time_limit = time_limit
        self.hard_limit = None if time_limit is None else time_limit + GRACE_S
        self.workers: list[_Worker] = []

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(child, self.time_limit), daemon=True)  # type: ignore[attr-defined]
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self.workers.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        self.workers.remove(worker)
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        worker.conn.close()

    def close(self) -> None:
        for worker in list(self.workers):
            try:
                if worker.index is None:
                    worker.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 5
        for worker in list(self.workers):
            if worker.index is None:
                worker.process.join(max(0.0, deadline - time.monotonic()))
            self._retire(worker)

    def run(self, jobs: list[FileJob]) -> Iterator[FileAnalysis]:
        results: dict[int, FileAnalysis] = {}
        next_job = next_out = 0
        while next_out < len(jobs):
            while next_out in results:
                yield results.pop(next_out)
                next_out += 1
            if next_out >= len(jobs):
                break
            idle = [w for w in self.workers if w.index is None]
            while next_job < len(jobs) and (idle or len(self.workers) < self.size):
                worker = idle.pop() if idle else self._start()
                worker.conn.send(jobs[next_job])
                worker.index, worker.started = next_job, time.monotonic()
                next_job += 1
            busy = [w for w in self.workers if w.index is not None]
            timeout = None
            if self.hard_limit is not None:
                timeout = max(0.0, min(w.started + self.hard_limit for w in busy) - time.monotonic())
            ready = set(wait([w.conn for w in busy], timeout))
            now = time.monotonic()
            for worker in busy:
                index = worker.index if worker.index is not None else -1
                if worker.conn in ready:
                    try:
                        results[index] = worker.conn.recv()
                        worker.index = None
                        continue
                    except (EOFError, OSError):
                        code = worker.process.exitcode
                        log.warning("reader process died on %s (exit %s)", jobs[index].record_path, code)
                        results[index] = failed(
                            jobs[index],
                            "refused: its reader process died (out of memory, or a crash while decoding)",
                        )
                elif self.hard_limit is not None and now - worker.started > self.hard_limit:
                    log.warning(
                        "killing the reader of %s after %.0f s", jobs[index].record_path, now - worker.started
                    )
                    results[index] = failed(
                        jobs[index],
                        f"abandoned: reading took longer than {self.time_limit:g} s "
                        "(the per-file limit, [athletes.files] time_limit)",
                    )
                else:
                    continue
                self._retire(worker)


def start_method() -> str:
    """fork where it is safe, forkserver elsewhere.

    A forked worker starts in milliseconds; a forkserver costs a fresh interpreter (about
    0.3 s, more than parsing 68 runs takes). Forking is safe while this process has a single
    thread (the CLI): workers only parse, never touch the inherited database connections,
    and leave through os._exit, so no finalizer closes them. With other threads alive (the
    daemon's scheduler) a lock held at fork time could deadlock a worker: use forkserver.
    """
    import threading

    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "forkserver"


def analyse_in_workers(jobs: list[FileJob], workers: int, time_limit: float | None) -> Iterator[FileAnalysis]:
    context = multiprocessing.get_context(start_method())
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["strainwatch.sources.files.importing.workers"])
    pool = WorkerPool(context, min(workers, len(jobs)), time_limit)
    try:
        yield from pool.run(jobs)
    finally:
        pool.close()
