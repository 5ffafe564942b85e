"""A generic webhook: each notification as one JSON POST, its body signed with HMAC-SHA256.

The receiver checks `X-Strainwatch-Signature: sha256=<hex>` (the HMAC of the exact body
bytes with the shared secret) before it trusts anything; `ref` (also the X-Strainwatch-Ref
header) is the same on a retry or a crash-resend, so it can drop a copy it has seen.

Sorted like push: an answer of 408, 425, 429 or 5xx, a refused or dropped connection and a
timeout are temporary (retried with backoff); any other 4xx, a redirect (the URL moved) and
an untrusted certificate are permanent. The URL may hold a token: only its scheme and host
are ever shown. Standard library only (urllib): no extra to install.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from strainwatch.notify.channels.base import DeliveryError, PermanentDeliveryError, TemporaryDeliveryError
from strainwatch.notify.notification import DEFAULT_SENDER, Notification, reference

SIGNATURE_HEADER = "X-Strainwatch-Signature"


def signature(secret: bytes, body: bytes) -> str:
    """The header's value: what a receiver recomputes over the raw body and compares with
    hmac.compare_digest."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def payload(n: Notification) -> dict[str, Any]:
    """What the receiver gets: the message as text (no HTML), and what it is about."""
    return {
        "ref": reference(n.key),
        "key": n.key,
        "athlete": n.recipient.athlete_id,
        "subject": n.subject,
        "text": n.text,
        "severity": n.severity,
        "alerts": list(n.alert_keys),
        "created_at": n.created_at.isoformat(),
    }


def temporary_status(status: int) -> bool:
    return status in (408, 425, 429) or status >= 500


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A POST that is redirected is not sent again elsewhere: the 3xx is the answer."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebhookChannel:
    """One athlete's webhook: `name` as configured, one URL, one shared secret."""

    def __init__(
        self, name: str, url: str, secret: bytes, *, timeout: int = 10, sender: str = DEFAULT_SENDER
    ) -> None:
        self.name, self.sender, self.timeout = name, sender, timeout
        self.lease = timedelta(seconds=3 * timeout + 30)
        self._url, self._secret = url, secret
        parts = urlsplit(url)
        self.where = f"webhook {name!r} ({parts.scheme}://{parts.hostname})"
        self._opener = urllib.request.build_opener(_NoRedirect)

    def send(self, notification: Notification) -> str:
        body = json.dumps(payload(notification), ensure_ascii=False, sort_keys=True).encode()
        request = urllib.request.Request(  # noqa: S310 -- the kind admits http and https URLs only
            self._url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "strainwatch",
                "X-Strainwatch-Ref": reference(notification.key),
                SIGNATURE_HEADER: signature(self._secret, body),
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                status = int(answer.status)
        except urllib.error.HTTPError as exc:
            raise self._refused(exc.code) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, ssl.SSLCertVerificationError):
                what = f"certificate not trusted: {exc.reason.verify_message}"
                raise PermanentDeliveryError(what, where=self.where) from None
            raise TemporaryDeliveryError(f"no connection: {exc.reason}", where=self.where) from None
        except (TimeoutError, OSError) as exc:  # a timeout while reading the answer, a reset
            raise TemporaryDeliveryError(f"{type(exc).__name__}: {exc}", where=self.where) from None
        if not 200 <= status < 300:
            raise self._refused(status)
        return f"{self.where} accepted it: HTTP {status}"

    def _refused(self, status: int) -> DeliveryError:
        if temporary_status(status):
            return TemporaryDeliveryError(f"the receiver answered HTTP {status}", where=self.where)
        hint = "check the channel's url and the receiver's secret"
        return PermanentDeliveryError(f"the receiver answered HTTP {status}", where=self.where, hint=hint)
