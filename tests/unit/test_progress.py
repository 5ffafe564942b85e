"""The import progress bar's status: files per second and the time left."""

from __future__ import annotations

from strainwatch.cli.progress import Progress, progress_status


def test_rate_and_time_left() -> None:
    assert progress_status(done=50, total=3050, read=50, elapsed_s=4.0) == "12.5 files/s, 0:04:00 left"
    assert progress_status(done=3000, total=3000, read=3000, elapsed_s=100.0) == "30.0 files/s, 0:00:00 left"
    assert progress_status(done=0, total=10, read=0, elapsed_s=0.0) == ""


def test_unchanged_files_do_not_inflate_the_rate() -> None:
    now = [100.0]
    progress = Progress("Importing", enabled=False, clock=lambda: now[0])
    progress.planned(1010)
    for _ in range(1000):
        progress.advance(read=False)  # unchanged: skipped
    now[0] += 2.0
    for _ in range(5):
        progress.advance(read=True)
    assert progress.status() == "2.5 files/s, 0:00:02 left"
