"""A rendered notification: what every channel receives and what the outbox stores, one per
channel and recipient. Rendered once; retries and crash-resends deliver the very same one."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
MAX_SUBJECT = 160
# without [smtp]: the mbox's From and every message-id's domain
DEFAULT_SENDER = "strainwatch <strainwatch@localhost>"


def header_text(value: str, limit: int = MAX_SUBJECT) -> str:
    """One line, no control characters, at most `limit` characters: safe in any header or title."""
    text = " ".join(_CONTROL.sub(" ", value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Recipient:
    athlete_id: str
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Notification:
    key: str  # idempotency key: the same news at the same severity always has the same key
    message_id: str  # derived from the key: a resend after a crash is recognisably the same
    recipient: Recipient
    subject: str  # one line, no control characters
    text: str
    html: str
    created_at: datetime  # when it was rendered: the mail's Date, whenever it is sent
    severity: str | None = None  # of the strongest finding; None for notices
    alert_keys: tuple[str, ...] = ()  # the fingerprints of the alerts it tells about


def reference(key: str) -> str:
    """A short, stable reference of an idempotency key: the same on every resend, and the
    start of the mail's Message-ID about the same news (pushes and webhooks carry it)."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]
