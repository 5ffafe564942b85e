"""What a page handler receives and returns: the request context, a page or a redirect, and
the two errors a handler may raise."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from strainwatch.config.settings import Settings
from strainwatch.views.profile import ProfileCache
from strainwatch.web.access import Login, Session
from strainwatch.web.cache import HistoryCache

if TYPE_CHECKING:
    from strainwatch.store.db import Sessions


class NotFound(Exception):
    """404: also for what exists but this login may not see (its existence is not told)."""


class BadRequest(Exception):
    """400 with a message for the user (a form field that makes no sense)."""


@dataclass(slots=True)
class Page:
    template: str
    values: dict[str, Any]
    data: Any  # the JSON twin
    status: int = 200
    rendered: dict[Any, str] = field(default_factory=dict)  # its HTML per login, CSRF token left out


@dataclass(frozen=True, slots=True)
class Redirect:
    to: str


@dataclass(slots=True)
class Ctx:
    """What a handler knows beyond its path parameters."""

    settings: Settings
    db: Sessions
    clock: Callable[[], datetime]
    login: Login
    session: Session
    query: Mapping[str, str]
    form: Mapping[str, str] = field(default_factory=dict)
    histories: HistoryCache = field(default_factory=HistoryCache)
    profiles: ProfileCache = field(default_factory=lambda: ProfileCache(None))
    path: str = ""  # the address asked for, without its query (for a list's page links)

    def now(self) -> datetime:
        return self.clock()
