"""The Strava API through stravalib, at the configured URLs, within the application's quota.

stravalib builds `https://www.strava.com/...` URLs itself; a requests.Session subclass
routes them to `api_url` and `oauth_url` (Strava moves hosts in 2027; tests use a local
server). stravalib's default rate limiter sleeps until the window resets, which would
freeze a pass for up to a day: ours only records the headers, and the sync stops and
resumes on a later pass instead. stravalib's own token refresh (from environment
variables) stays off: we refresh ahead of expiry and persist the rotated token first.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests
from stravalib import exc
from stravalib.protocol import ApiV3

from strainwatch.errors import SourceError
from strainwatch.sources.strava.settings import StravaSettings
from strainwatch.store.quota import SharedQuota

log = logging.getLogger(__name__)

STRAVA_API = "https://www.strava.com/api/v3"
STRAVA_OAUTH = "https://www.strava.com/oauth"
SCOPES = "read,activity:read_all"
REFRESH_MARGIN = timedelta(minutes=5)
RETRIES = 2  # for 5xx and timeouts, after the first attempt
RETRY_PAUSE_S = 1.0


class StravaDeferred(SourceError):
    """Stop for this pass and resume on a later one (quota, 429, a server having trouble)."""


class StravaRateLimited(StravaDeferred):
    """Strava answered 429: no request before `retry_at` (the next quarter hour, or midnight
    UTC when the daily limit is spent)."""

    def __init__(self, what: str, *, retry_at: datetime) -> None:
        super().__init__(what)
        self.retry_at = retry_at


class StravaQuotaKept(StravaDeferred):
    """The configured reserve of the quota is reached: resume when the window has turned."""


class StravaUnavailable(StravaDeferred):
    """5xx after the retries: one resource's trouble, or Strava's (the caller tells them apart)."""


class StravaRevoked(SourceError):
    """The refresh token no longer works: the athlete must authorize again."""


class StravaInactive(SourceError):
    """Strava refuses every request: the application's owner has no subscription."""


class StravaMalformed(SourceError):
    """A response that is not the JSON the API documents."""


class StravaRefused(SourceError):
    """Strava refused one request with a status this client has no rule for (400, 403, 422…):
    about that one resource, so the caller defers it and goes on."""

    def __init__(self, what: str, *, status: int | None) -> None:
        super().__init__(what)
        self.status = status


class StravaGone(StravaRefused):
    """404 or 410: the resource no longer exists (deleted, made private, retired gear)."""


@dataclass(slots=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: datetime


class RoutedSession(requests.Session):
    """Sends stravalib's requests to the configured hosts, with a timeout on each."""

    def __init__(self, api_url: str, oauth_url: str, timeout: float) -> None:
        super().__init__()
        self.api_url, self.oauth_url, self.timeout = api_url, oauth_url, timeout

    def route(self, url: str) -> str:
        for official, configured in ((STRAVA_API, self.api_url), (STRAVA_OAUTH, self.oauth_url)):
            if url.startswith(official):
                return configured + url[len(official) :]
        return url

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, self.route(str(url)), *args, **kwargs)


_HEADERS = {
    "short": ("X-RateLimit-Limit", "X-RateLimit-Usage", 0),
    "daily": ("X-RateLimit-Limit", "X-RateLimit-Usage", 1),
    "read_short": ("X-ReadRateLimit-Limit", "X-ReadRateLimit-Usage", 0),
    "read_daily": ("X-ReadRateLimit-Limit", "X-ReadRateLimit-Usage", 1),
}


@dataclass(slots=True)
class Quota:
    """The application's limits and usage as the last response reported them, plus the
    requests this process made. Never sleeps. With `shared`, every request is also counted
    in the database before it is made, so all processes together keep the reserve."""

    limits: dict[str, list[int]] = field(default_factory=dict)  # name -> [limit, usage]
    requests: int = 0
    shared: SharedQuota | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def __call__(self, headers: Mapping[str, str], _method: str) -> None:
        self.requests += 1
        seen: dict[str, tuple[int, int]] = {}
        for name, (limit_header, usage_header, index) in _HEADERS.items():
            try:
                limit = int(headers[limit_header].split(",")[index])
                usage = int(headers[usage_header].split(",")[index])
            except (KeyError, ValueError, IndexError):
                continue
            self.limits[name] = [limit, usage]
            seen[name] = (limit, usage)
        if self.shared is not None:
            self.shared.observe(self.clock(), seen)

    def take(self, reserve_percent: int) -> bool:
        """Room for one more request, counted in the shared usage when there is one."""
        if not self.allows(reserve_percent):
            return False
        return self.shared is None or self.shared.take(self.clock(), reserve_percent)

    @classmethod
    def restored(cls, limits: Mapping[str, list[int]], seen_at: datetime, now: datetime) -> Quota:
        """The quota a previous pass saw, with usage the resets since have cleared: the short
        windows end on the quarter hour, the daily ones at midnight UTC."""
        quota = cls(limits={name: list(pair) for name, pair in limits.items()})
        for name, pair in quota.limits.items():
            daily = name.endswith("daily")
            if (daily and now.date() != seen_at.date()) or (not daily and now >= next_window(seen_at)):
                pair[1] = 0
        return quota

    def daily_spent(self) -> bool:
        return any(usage >= limit for name, (limit, usage) in self.limits.items() if name.endswith("daily"))

    def allows(self, reserve_percent: int) -> bool:
        """Room for one more request, leaving `reserve_percent` of every limit unused."""
        return all(usage < limit * (1 - reserve_percent / 100) for limit, usage in self.limits.values())

    def describe(self) -> str:
        return (
            ", ".join(f"{name} {usage}/{limit}" for name, (limit, usage) in sorted(self.limits.items()))
            or "unknown"
        )


def window_start(name: str, now: datetime) -> datetime:
    """When Strava's window `name` began: midnight UTC for the daily ones, else the quarter hour."""
    if name.endswith("daily"):
        return datetime.combine(now.astimezone(UTC).date(), datetime.min.time(), UTC)
    return next_window(now) - timedelta(minutes=15)


def next_window(now: datetime) -> datetime:
    """Strava's short limit resets on the quarter hour."""
    quarter = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    return quarter + timedelta(minutes=15)


class StravaClient:
    def __init__(
        self,
        settings: StravaSettings,
        client_secret: str,
        tokens: Tokens | None,
        quota: Quota,
        save_tokens: Callable[[Tokens], None],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_request: Callable[[], None] | None = None,
    ) -> None:
        self.settings, self.secret, self.tokens, self.quota = settings, client_secret, tokens, quota
        quota.clock = clock
        self.save_tokens, self.clock, self.on_request = save_tokens, clock, on_request
        self.athlete_id: int | None = None
        self.session = RoutedSession(settings.api_url, settings.oauth_url, settings.timeout)
        # stravalib warns on every client about refresh credentials in the environment; we
        # refresh ourselves, so the warning would only fill the journal
        os.environ.setdefault("SILENCE_TOKEN_WARNINGS", "true")
        self.api = ApiV3(requests_session=self.session, rate_limiter=quota)
        self.api.client_id = self.api.client_secret = None  # no refresh from the environment
        if tokens is not None:
            self.api.access_token = tokens.access_token

    # -- OAuth

    def authorization_url(self, redirect_uri: str) -> str:
        query = urlencode(
            {
                "client_id": self.settings.client_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "approval_prompt": "auto",
                "scope": SCOPES,
            }
        )
        return f"{self.settings.oauth_url}/authorize?{query}"

    def exchange(self, code: str) -> Tokens:
        try:
            info, athlete = self.api.exchange_code_for_token(
                self.settings.client_id, self.secret, code, return_athlete=True
            )
        except exc.Fault as error:
            raise SourceError(
                f"Strava refused the code ({_status(error)})", hint="start again: the code is single-use"
            ) from None
        except requests.RequestException as error:
            raise SourceError(f"cannot reach Strava: {type(error).__name__}") from None
        tokens = _tokens(info)
        self.athlete_id = int(athlete["id"]) if athlete and "id" in athlete else None
        self.save_tokens(tokens)
        self._use(tokens)
        return tokens

    def ensure_fresh(self, now: datetime) -> None:
        """Refresh ahead of expiry; the rotated refresh token is saved before it is relied on."""
        if self.tokens is None:
            raise StravaRevoked("no Strava tokens", hint="authorize with: strainwatch strava auth")
        if self.tokens.expires_at - now > REFRESH_MARGIN:
            return
        self._refresh()

    def _refresh(self) -> None:
        if self.tokens is None:
            raise StravaRevoked("no Strava tokens", hint="authorize with: strainwatch strava auth")
        try:
            info = self.api.refresh_access_token(
                self.settings.client_id, self.secret, self.tokens.refresh_token
            )
        except exc.Fault as error:
            if _status(error) in (400, 401, 403):
                raise StravaRevoked(
                    "Strava no longer accepts this athlete's refresh token (access revoked?)",
                    hint="re-authorize with: strainwatch strava auth",
                ) from None
            raise StravaDeferred(f"token refresh failed ({_status(error)})") from None
        except requests.RequestException as error:
            raise StravaDeferred(f"token refresh failed: {type(error).__name__}") from None
        tokens = _tokens(info)
        self.save_tokens(tokens)
        self._use(tokens)

    def _use(self, tokens: Tokens) -> None:
        self.tokens = tokens
        self.api.access_token = tokens.access_token

    # -- requests

    def get(self, path: str, reserve: int, **params: Any) -> Any:
        """One GET within the quota: 401 refreshes once, 5xx and timeouts are retried a
        bounded number of times, a 429 or an exhausted quota defers the rest of the pass; 404
        and 410 raise StravaGone, any other refusal StravaRefused (both about this path only)."""
        refreshed = False
        attempt = 0
        while True:
            if self.on_request is not None:
                self.on_request()  # progress: the pass is alive between requests
            if not self.quota.take(reserve):
                raise StravaQuotaKept(f"keeping the quota reserve ({self.quota.describe()})")
            try:
                return self.api.get(path, **params)
            except exc.AccessUnauthorized:
                if refreshed:
                    hint = "re-authorize with: strainwatch strava auth"
                    raise StravaRevoked("Strava refuses this athlete's access token", hint=hint) from None
                refreshed = True
                self._refresh()
            except exc.ApplicationInactive:
                raise StravaInactive(
                    "Strava refuses every request: the API application is inactive (its owner needs a "
                    "Strava subscription since 2026-06-30)",
                    hint="import your Strava bulk export instead: strainwatch import export_NNN.zip",
                ) from None
            except exc.Fault as error:
                status = _status(error)
                if status == 429:
                    now = self.clock()
                    retry_at = _next_midnight(now) if self.quota.daily_spent() else next_window(now)
                    raise StravaRateLimited(
                        f"rate limited by Strava (429) until {retry_at:%Y-%m-%d %H:%M} UTC; "
                        f"{self.quota.describe()}",
                        retry_at=retry_at,
                    ) from None
                if status in (404, 410):
                    raise StravaGone(f"Strava answered {status} for {path}", status=status) from None
                if status is not None and status >= 500 and attempt < RETRIES:
                    attempt += 1
                    time.sleep(RETRY_PAUSE_S * attempt)
                    continue
                if status is not None and status >= 500:
                    what = f"Strava answers {status} for {path}; trying again next pass"
                    raise StravaUnavailable(what) from None
                if status is not None and 400 <= status < 500:
                    raise StravaRefused(f"Strava answered {status} for {path}", status=status) from None
                raise StravaMalformed(f"an error body with status {status} from {path}") from None
            except (requests.Timeout, requests.ConnectionError) as error:
                if attempt < RETRIES:
                    attempt += 1
                    time.sleep(RETRY_PAUSE_S * attempt)
                    continue
                raise StravaDeferred(
                    f"cannot reach Strava ({type(error).__name__}); trying again next pass"
                ) from None
            except ValueError:
                raise StravaMalformed(f"not JSON from {path}") from None


def _next_midnight(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), datetime.min.time(), UTC)


def _status(error: exc.Fault) -> int | None:
    response = getattr(error, "response", None)
    return int(response.status_code) if response is not None else None


def _tokens(info: Mapping[str, Any]) -> Tokens:
    try:
        return Tokens(
            str(info["access_token"]),
            str(info["refresh_token"]),
            datetime.fromtimestamp(int(info["expires_at"]), UTC),
        )
    except (KeyError, TypeError, ValueError):
        raise StravaMalformed("the token response lacks access_token, refresh_token or expires_at") from None
