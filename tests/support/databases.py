"""Real databases for the tests: a fresh PostgreSQL database per use on the server named by
STRAINWATCH_TEST_POSTGRES_URL (skipped without it, and a failure in CI)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

POSTGRES_URL = os.environ.get("STRAINWATCH_TEST_POSTGRES_URL")


def postgres_database() -> Iterator[str]:
    """Yields the URL of a new, empty database, dropped afterwards (a generator: `yield from`)."""
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
