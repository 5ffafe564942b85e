"""intervals.icu's REST API (https://intervals.icu/api/v1/docs), the few calls we need.

HTTP basic auth with the user `API_KEY` and the personal key as password. Every answer
we cannot use becomes a typed error here, so the sync decides what it means: a refused
key stops all requests until the key changes; 429 and 5xx defer the source with a
back-off across passes (never a sleep inside a pass).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from strainwatch.errors import SourceError

STREAM_TYPES = "time,distance,altitude,heartrate,velocity_smooth,cadence"


class IntervalsRefused(SourceError):
    """401/403: the key is wrong or revoked, or the athlete id is not the key's."""


class IntervalsDeferred(SourceError):
    """429, 5xx or no answer: asked again on a later pass."""

    def __init__(self, what: str, *, retry_at: datetime | None = None) -> None:
        super().__init__(what)
        self.retry_at = retry_at


class IntervalsMalformed(SourceError):
    """An answer that is not the JSON the API documents."""


class IntervalsGone(SourceError):
    """404 or 410 for one activity (or its streams): deleted since it was listed, or none to give."""


def key_fingerprint(key: str) -> str:
    """Identifies a key in the store (was this one refused?) without keeping it."""
    return hashlib.sha256(b"strainwatch-intervals:" + key.encode()).hexdigest()[:32]


def _retry_at(response: requests.Response, now: datetime) -> datetime | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return now + timedelta(seconds=min(float(value), 86400.0))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return None


class IntervalsClient:
    """One athlete's API session; counts its requests."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float,
        now: datetime,
        on_request: Callable[[], None] | None = None,
    ) -> None:
        self.base = base_url.rstrip("/") + "/api/v1"
        self.session = requests.Session()
        self.session.auth = ("API_KEY", api_key)
        self.session.headers["Accept"] = "application/json"
        self.timeout, self.now, self.on_request = timeout, now, on_request
        self.requests = 0

    def close(self) -> None:
        self.session.close()

    def get(self, path: str, **params: str) -> Any:
        if self.on_request is not None:
            self.on_request()
        self.requests += 1
        try:
            response = self.session.get(self.base + path, params=params, timeout=self.timeout)
        except requests.RequestException as error:
            raise IntervalsDeferred(f"intervals.icu unreachable ({type(error).__name__})") from None
        status = response.status_code
        if status in (401, 403):
            raise IntervalsRefused(f"intervals.icu refused the API key (HTTP {status})")
        if status in (404, 410):
            raise IntervalsGone(f"not found (HTTP {status}): {path}")
        if status == 429:
            raise IntervalsDeferred(
                "intervals.icu rate limit (HTTP 429)", retry_at=_retry_at(response, self.now)
            )
        if status >= 500:
            raise IntervalsDeferred(
                f"intervals.icu failing (HTTP {status})", retry_at=_retry_at(response, self.now)
            )
        if status != 200:
            raise IntervalsMalformed(f"unexpected HTTP {status} for {path}")
        try:
            return response.json()
        except ValueError:
            raise IntervalsMalformed(f"not JSON: {path}") from None

    def activities(self, athlete_id: str, oldest: date, newest: date) -> list[dict[str, Any]]:
        """Every activity whose local start date is in [oldest, newest], in one request."""
        items = self.get(
            f"/athlete/{athlete_id}/activities", oldest=oldest.isoformat(), newest=newest.isoformat()
        )
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise IntervalsMalformed("the activity list is not a list of objects")
        return items

    def streams(self, activity_id: str) -> dict[str, list[Any]]:
        """The activity's streams by type ({"time": [...], "heartrate": [...]})."""
        answer = self.get(f"/activity/{activity_id}/streams.json", types=STREAM_TYPES)
        if not isinstance(answer, list):
            raise IntervalsMalformed(f"the streams of {activity_id} are not a list")
        return {
            str(s["type"]): list(s.get("data") or [])
            for s in answer
            if isinstance(s, dict)
            and isinstance(s.get("type"), str)
            and isinstance(s.get("data") or [], list)
        }

    def events(
        self, athlete_id: str, oldest: date, newest: date, category: str = "WORKOUT"
    ) -> list[dict[str, Any]]:
        """The calendar's events of one category (planned workouts) dated oldest..newest."""
        items = self.get(
            f"/athlete/{athlete_id}/events",
            oldest=oldest.isoformat(),
            newest=newest.isoformat(),
            category=category,
        )
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise IntervalsMalformed("the event list is not a list of objects")
        return items
