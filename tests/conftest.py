"""Shared fixtures and the suite's clock: the corpus of real files, real databases (SQLite,
PostgreSQL), and the instant every test that reasons about time starts from (tests/support/clock.py)."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.databases import postgres_database
from tests.support.paths import CORPUS


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        metavar="ISO-8601|now",
        default=None,
        help="the instant every test that reasons about time starts from, e.g. 2027-03-28T00:59:50Z; "
        "'now' for the real clock; default: a random instant in 2000-2040 drawn from the run's seed",
    )
    parser.addoption(
        "--clock-sweep",
        action="store_true",
        default=False,
        help="run every test marked 'clock' at each instant of tests.support.clock.sweep_instants() "
        "(DST changes, midnights, month and year ends, 29 February, week starts)",
    )


_CLOCK_ENV = "STRAINWATCH_TEST_CLOCK"  # the controller's instant, inherited by xdist's workers


@pytest.hookimpl(trylast=True)  # after pytest-randomly has settled the seed
def pytest_configure(config: pytest.Config) -> None:
    from tests.support import clock

    text = config.getoption("--clock") or os.environ.get(_CLOCK_ENV)
    seed = _seed(config)
    if text:
        instant = clock.parse(text)
    else:
        instant = clock.instant_from_seed(
            seed if seed is not None else random.SystemRandom().randrange(2**32)
        )
    os.environ[_CLOCK_ENV] = instant.isoformat()
    clock.start_at(instant)
    if seed is not None and config.getoption("--hypothesis-seed", None) is None:
        from hypothesis import core

        core.global_force_seed = seed  # one printed seed reproduces the order, the clock and the search


def _seed(config: pytest.Config) -> int | None:
    seed = getattr(config.option, "randomly_seed", None)
    return seed if isinstance(seed, int) else None


def pytest_report_header(config: pytest.Config) -> list[str]:
    from tests.support import clock

    seed = _seed(config)
    lines = [
        f"test clock starts at {clock.start():%Y-%m-%dT%H:%M:%SZ}: reproduce with {clock.option(clock.start())}"
    ]
    if seed is not None:
        lines.append(
            f"order, clock and Hypothesis from --randomly-seed={seed} (-p no:randomly for file order)"
        )
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.config.getoption("--clock-sweep") and metafunc.definition.get_closest_marker("clock"):
        from tests.support import clock

        instants = clock.sweep_instants()
        metafunc.fixturenames.append("clock_instant")
        metafunc.parametrize("clock_instant", instants, ids=[f"{i:%Y%m%dT%H%M%SZ}" for i in instants])


@pytest.fixture(autouse=True)
def _swept_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Under --clock-sweep, a `clock` test starts from its instant (before any other fixture)."""
    callspec = getattr(request.node, "callspec", None)
    instant = callspec.params.get("clock_instant") if callspec is not None else None
    if instant is None:
        yield
        return
    from tests.support import clock

    origin = clock.start()
    clock.start_at(instant)
    yield
    clock.start_at(origin)


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(
            f"the activity corpus is not at {CORPUS} (it ships in tests/corpus; STRAINWATCH_CORPUS overrides)"
        )
    return CORPUS


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind: a real SQLite file, a real PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'strainwatch.db'}"
    else:
        yield from postgres_database()


@pytest.fixture
def recorder() -> Iterator[tuple[Any, int]]:
    """A real SMTP server (aiosmtpd) on loopback recording what it receives: (handler, port)."""
    from tests.support.smtp import Recorder, free_port, start_smtp

    handler = Recorder()
    port = free_port()
    controller = start_smtp(handler, port)
    yield handler, port
    controller.stop()


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """Six steady weeks, then yesterday a run more than twice the 30-day longest: a warning,
    named to attack the headers and the HTML."""
    from datetime import timedelta

    from tests.support import clock
    from tests.support.histories import write_gpx, write_steady_weeks

    folder = tmp_path / "runs"
    folder.mkdir()
    today = clock.now().replace(hour=6, minute=0, second=0, microsecond=0)
    write_steady_weeks(folder, today)
    note = "Easy run\r\nBcc: someone@example.org <script>alert(1)</script>"
    write_gpx(folder / "long.gpx", today - timedelta(days=1), 14.0, note=note)
    return folder
