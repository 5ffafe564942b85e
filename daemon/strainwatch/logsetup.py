"""Logging that suits a terminal and journald alike, and never shows a secret.

Under systemd (`JOURNAL_STREAM` set) each line starts with a `<N>` syslog priority and
carries no timestamp: journald adds its own and colours by priority.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable

_PRIORITY = {
    logging.DEBUG: 7,
    logging.INFO: 6,
    logging.WARNING: 4,
    logging.ERROR: 3,
    logging.CRITICAL: 2,
}


class JournalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        priority = _PRIORITY.get(record.levelno, 6)
        return f"<{priority}>{super().format(record)}"


class RedactingFilter(logging.Filter):
    """Replaces every registered secret value in a record's final message."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def add(self, values: Iterable[str]) -> None:
        self.secrets.update(v for v in values if len(v) >= 4)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


redactor = RedactingFilter()


def setup_logging(verbosity: int, env: dict[str, str] | None = None) -> None:
    """verbosity: -1 quiet (errors), 0 warnings, 1 info, 2 debug."""
    env = dict(os.environ) if env is None else env
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    if env.get("JOURNAL_STREAM"):
        handler.setFormatter(JournalFormatter("%(name)s: %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redactor)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # SQLAlchemy and Alembic are chatty at INFO; their detail is for -vv
    for noisy in ("alembic", "sqlalchemy", "apscheduler", "urllib3", "stravalib", "apprise"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity >= 3 else logging.WARNING)
