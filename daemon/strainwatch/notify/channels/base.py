"""What a channel is: one `send` that delivers a rendered notification or says why not.

Failures are sorted at this boundary: temporary ones (a server down or busy) are retried by
the outbox with backoff; permanent ones wait, parked, for the user and `outbox retry`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from strainwatch.errors import StrainwatchError
from strainwatch.notify.notification import Notification


class DeliveryError(StrainwatchError):
    permanent = False


class TemporaryDeliveryError(DeliveryError):
    """Try again later: the server is down, busy, or said 4xx."""


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help until the user acts: 5xx, authentication, TLS trust."""

    permanent = True


class Channel(Protocol):
    name: str  # the outbox rows it delivers: "email" (SMTP or mbox)
    sender: str
    lease: timedelta  # how long one send may take: a claim older than this was a crash

    def send(self, notification: Notification) -> str:
        """Deliver; return what the other side said (the receipt). Raises DeliveryError."""
        ...
