"""Shared fixtures: the corpus of real files, and real databases (SQLite, PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STRAINWATCH_CORPUS", REPO.parent / "shared" / "corpus")).resolve()
POSTGRES_URL = os.environ.get("STRAINWATCH_TEST_POSTGRES_URL")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock", metavar="ISO-8601-UTC", default=None,
        help="the instant every test that reasons about time starts from (default: the real now), "
        "e.g. 2027-03-28T00:59:50Z",
    )  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    from tests import clock

    clock.start_at(config.getoption("--clock"))


def pytest_report_header(config: pytest.Config) -> str:
    from tests import clock

    return f"test clock starts at {clock.now():%Y-%m-%dT%H:%M:%SZ}"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the activity corpus is not at {CORPUS} (set STRAINWATCH_CORPUS)")
    return CORPUS


def _postgres_database() -> Iterator[str]:
    if not POSTGRES_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the PostgreSQL tests: set STRAINWATCH_TEST_POSTGRES_URL")
        pytest.skip(
            "PostgreSQL tests need STRAINWATCH_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"
        )
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"strainwatch_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind: a real SQLite file, a real PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'strainwatch.db'}"
    else:
        yield from _postgres_database()


def write_config(path: Path, database_url: str, paths: list[Path] | None = None, extra: str = "") -> Path:
    files = ", ".join(f'"{p}"' for p in paths or [])
    path.write_text(
        f"""
[storage]
url = "{database_url}"

[[athletes]]
id = "sam"
name = "Sam"
email = "sam@example.org"
timezone = "Europe/Berlin"

[athletes.files]
paths = [{files}]
{extra}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def recorder() -> Iterator[tuple[Any, int]]:
    """A real SMTP server (aiosmtpd) on loopback recording what it receives: (handler, port)."""
    from tests.integration.test_mail import Recorder, free_port, start

    handler = Recorder()
    port = free_port()
    controller = start(handler, port)
    yield handler, port
    controller.stop()
