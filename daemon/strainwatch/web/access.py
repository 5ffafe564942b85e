"""Who is asking, and what they may see.

Loopback without configured logins is open to the machine's own users. Any other setup
logs in: a password checked against its argon2 hash, or a user name in a header set by a
trusted reverse proxy (Authelia, Authentik). Sessions live in memory (a restart logs
everybody out), each with its own CSRF token; failed logins are limited by login_limit.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field

from strainwatch.config.secret_files import check_private
from strainwatch.config.settings import Settings, WebUser
from strainwatch.errors import SecretFileError

log = logging.getLogger(__name__)

MAX_SESSIONS = 10_000


@dataclass(frozen=True, slots=True)
class Login:
    name: str
    athletes: frozenset[str] | None  # None: every athlete
    method: str  # open (loopback) | password | proxy

    def may_see(self, athlete_id: str) -> bool:
        return self.athletes is None or athlete_id in self.athletes


def login_of(user: WebUser, method: str) -> Login:
    return Login(user.name, None if "*" in user.athletes else frozenset(user.athletes), method)


OPEN = Login("local", None, "open")


@dataclass(slots=True)
class Session:
    token: str
    csrf: str
    expires: float  # time.monotonic()
    login: Login | None = None


@dataclass(slots=True)
class SessionStore:
    lifetime_s: float
    _sessions: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._lock:
            found = self._sessions.get(token)
            if found is not None and found.expires < time.monotonic():
                del self._sessions[token]
                return None
            return found

    def new(self, login: Login | None = None) -> Session:
        session = Session(
            secrets.token_urlsafe(32), secrets.token_urlsafe(32), time.monotonic() + self.lifetime_s, login
        )
        with self._lock:
            if len(self._sessions) >= MAX_SESSIONS:
                now = time.monotonic()
                self._sessions = {k: s for k, s in self._sessions.items() if s.expires >= now}
                if len(self._sessions) >= MAX_SESSIONS:  # a flood of anonymous visits: oldest go
                    for k in sorted(self._sessions, key=lambda k: self._sessions[k].expires)[:1000]:
                        del self._sessions[k]
            self._sessions[session.token] = session
        return session

    def drop(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)


def hash_password(password: str) -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


_DUMMY_HASH: list[str] = []


def _stored_hash(user: WebUser) -> str | None:
    if user.password_hash is not None:
        return user.password_hash
    if user.password_hash_file is None:
        return None
    try:
        check_private(user.password_hash_file)
        return user.password_hash_file.read_text(encoding="utf-8").strip() or None
    except (SecretFileError, OSError) as error:
        log.error("web login %s: password hash file unusable: %s", user.name, error)
        return None


def check_password(settings: Settings, name: str, password: str) -> Login | None:
    """The login for a right name and password; None otherwise, after the same work (an
    argon2 verification) either way, so the answer's timing does not tell names apart."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = PasswordHasher()
    user = next((u for u in settings.web.users if u.name == name), None)
    stored = _stored_hash(user) if user is not None else None
    if stored is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hasher.hash(secrets.token_urlsafe(16)))
        stored, user = _DUMMY_HASH[0], None
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return None if user is None else login_of(user, "password")


def trusted_proxy(settings: Settings, client: str | None) -> bool:
    if client is None or not settings.web.trusted_proxies:
        return False
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in settings.web.trusted_proxies)


def proxy_login(settings: Settings, client: str | None, user_name: str | None) -> Login | None:
    """The user a trusted proxy vouches for, when configured as a [[web.users]] entry."""
    if settings.web.auth_header is None or not user_name or not trusted_proxy(settings, client):
        return None
    user = next((u for u in settings.web.users if u.name == user_name.strip()), None)
    if user is None:
        log.warning("web: the proxy vouches for %r, who is not in [[web.users]]", user_name[:64])
        return None
    return login_of(user, "proxy")
