"""The ASGI application: routing, who is asking, CSRF, JSON or HTML, security headers.

Every page handler (pages.py) is a plain function run in a worker thread with a database
session; it returns a `Page` (a template, its values and the JSON twin) or a redirect. No
route takes a file path: the one static file is read into memory from the package.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache, partial
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from strainwatch.config.settings import Settings, split_listen
from strainwatch.errors import StrainwatchError
from strainwatch.views.profile import ProfileCache
from strainwatch.web import alerts_history, pages
from strainwatch.web.access import (
    OPEN,
    Login,
    Session,
    SessionStore,
    check_password,
    proxy_login,
    trusted_proxy,
)
from strainwatch.web.admission import Admission
from strainwatch.web.cache import HistoryCache
from strainwatch.web.login_limit import LoginLimiter
from strainwatch.web.page import BadRequest, Ctx, NotFound, Page, Redirect
from strainwatch.web.recent import RecentPages
from strainwatch.web.when import time_tag

if TYPE_CHECKING:
    from strainwatch.store.db import Sessions
    from strainwatch.views.profile import TrackReader

log = logging.getLogger(__name__)

COOKIE = "sw_session"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
CSRF_SLOT = "csrf-slot-6b1f0c"  # where each session's token goes into a page's shared HTML
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


Handler = Callable[..., "Page | Redirect"]


@cache
def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("strainwatch.web", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["urlpart"] = lambda v: quote(str(v), safe="")
    env.filters["when"] = pass_context(lambda context, value, zone=UTC: time_tag(value, context["now"], zone))
    return env


@cache
def stylesheet() -> bytes:
    return resources.files("strainwatch.web").joinpath("static/style.css").read_bytes()


class Web:
    def __init__(
        self,
        settings: Settings,
        db: Sessions,
        now: Callable[[], datetime],
        histories: HistoryCache | None = None,
        recent: RecentPages[Page | Redirect] | None = None,
        *,
        samples: TrackReader | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.now = now
        self.sessions = SessionStore(settings.web.session_hours * 3600.0)
        self.limiter = LoginLimiter()
        self.histories = histories or HistoryCache()
        self.recent: RecentPages[Page | Redirect] = recent or RecentPages()
        self.profiles = ProfileCache(samples)
        host = split_listen(settings.web.listen)[0]
        public = urlsplit(settings.web.public_url).hostname if settings.web.public_url else None
        self.open_hosts = LOOPBACK_NAMES | {host} | ({public} if public else set())

    # -- who is asking

    def peer(self, request: Request) -> str:
        return request.client.host if request.client else "?"

    def client(self, request: Request) -> str:
        """The address a login attempt is counted against: behind a trusted proxy the client
        it forwarded for (else every user would share the proxy's count), else the peer."""
        peer = self.peer(request)
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded and trusted_proxy(self.settings, peer):
            return forwarded.rsplit(",", 1)[-1].strip()[:64] or peer
        return peer

    def https(self, request: Request) -> bool:
        if request.url.scheme == "https":
            return True
        forwarded = request.headers.get("x-forwarded-proto", "")
        return forwarded == "https" and trusted_proxy(self.settings, self.peer(request))

    def session_of(self, request: Request) -> tuple[Session, bool]:
        found = self.sessions.get(request.cookies.get(COOKIE))
        return (found, False) if found is not None else (self.sessions.new(), True)

    def login_of(self, request: Request, session: Session) -> Login | None:
        if not self.settings.web.login_required:
            return OPEN
        header = self.settings.web.auth_header
        if header is not None:
            vouched = proxy_login(self.settings, self.peer(request), request.headers.get(header))
            if vouched is not None:
                return vouched
        return session.login

    def host_allowed(self, request: Request) -> bool:
        """Open (loopback) mode answers only to loopback names: a DNS-rebinding page that
        resolves its own name to 127.0.0.1 gets nothing."""
        if self.settings.web.login_required:
            return True
        host = request.headers.get("host", "")
        name = host[1 : host.find("]")] if host.startswith("[") else host.rsplit(":", 1)[0]
        return name in self.open_hosts

    # -- responses

    def set_cookie(self, request: Request, response: Response, session: Session) -> None:
        response.set_cookie(
            COOKIE,
            session.token,
            max_age=int(self.sessions.lifetime_s),
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.https(request),
        )

    def render(self, request: Request, ctx: Ctx, page: Page, as_json: bool) -> Response:
        if as_json:
            return JSONResponse(page.data, status_code=page.status, headers={"cache-control": "no-store"})
        html = page.rendered.get(ctx.login)
        if html is None:  # once per page and login: a crowd sharing the page shares its HTML too
            values = {
                **page.values,
                "login": ctx.login,
                "csrf": CSRF_SLOT,
                "athletes_nav": [a for a in self.settings.athletes if ctx.login.may_see(a.id)],
                "login_required": self.settings.web.login_required,
                "now": ctx.now(),
            }
            html = templates().get_template(f"{page.template}.html.j2").render(**values)
            page.rendered[ctx.login] = html
        html = html.replace(CSRF_SLOT, ctx.session.csrf)
        return HTMLResponse(html, status_code=page.status, headers={"cache-control": "no-store"})


MAX_FORM_BYTES = 32 * 1024


def body_refused(request: Request) -> Response | None:
    """A form larger than any of ours (or of unknown length) is refused before it is read."""
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        return message_response(request, 411, "a form needs a Content-Length")
    if int(length) > MAX_FORM_BYTES:
        return message_response(request, 413, "this form is too large")
    return None


def same_token(given: object, expected: str) -> bool:
    """A form's CSRF token against the session's, in constant time (as bytes: a token with
    non-ASCII letters is simply wrong, not an error)."""
    return isinstance(given, str) and secrets.compare_digest(given.encode(), expected.encode())


def wants_json(request: Request) -> bool:
    if request.url.path.endswith(".json"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _message_page(status: int, message: str) -> Page:
    return Page("message", {"title": message, "message": message}, {"error": message}, status)


class IdConvertor(Convertor[int]):
    """A row id: 1 to 18 digits, so every id a path can name fits a 64-bit column (a longer
    one matches no route and is a 404, never an overflow in the database driver)."""

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


def message_response(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """An error as the asker reads it: JSON for a .json address (or an Accept asking for
    it), else the page with the site's frame, without anything of a login in it."""
    extra = {"cache-control": "no-store", **(headers or {})}
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status, headers=extra)
    html = (
        templates()
        .get_template("message.html.j2")
        .render(title=message, message=message, login=None, athletes_nav=[], csrf="", login_required=True)
    )
    return HTMLResponse(html, status_code=status, headers=extra)


MESSAGES = {404: "not found (or not yours to see)", 405: "this address takes no such request"}


async def http_error(request: Request, error: Exception) -> Response:
    """Starlette's own answers (no route, wrong method, an unreadable form) in our frame."""
    status = error.status_code if isinstance(error, HTTPException) else 400
    message = MESSAGES.get(status) or str(getattr(error, "detail", error))[:200]
    return message_response(request, status, message, getattr(error, "headers", None))


async def server_error(request: Request, error: Exception) -> Response:
    log.error("web: %s %s failed: %s", request.method, request.url.path, error, exc_info=error)
    return message_response(request, 500, "something went wrong on the server; it is in the log")


def route(web: Web, handler: Handler, *, write: bool = False) -> Callable[[Request], Any]:
    """The handler behind login, CSRF (for writes) and JSON/HTML negotiation."""

    async def endpoint(request: Request) -> Response:
        if not web.host_allowed(request):
            return message_response(request, 400, "unknown host name")
        session, new = web.session_of(request)
        as_json = wants_json(request)
        login = web.login_of(request, session)
        if login is None:
            if as_json or write:
                response: Response = JSONResponse({"error": "login required"}, status_code=401)
            else:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
            if new:
                web.set_cookie(request, response, session)
            return response
        form: dict[str, str] = {}
        if write:
            if (refused := body_refused(request)) is not None:
                return refused
            parsed = await request.form(max_files=0, max_fields=20, max_part_size=16 * 1024)
            form = {k: v for k, v in parsed.items() if isinstance(v, str)}
            if new or not same_token(form.get("csrf"), session.csrf):
                log.warning(
                    "web: %s %s refused: bad CSRF token (from %s)",
                    request.method,
                    request.url.path,
                    web.client(request),
                )
                return message_response(request, 403, "this form has expired: reload the page and try again")
        query = dict(request.query_params)
        ctx = Ctx(
            web.settings,
            web.db,
            web.now,
            login,
            session,
            query,
            form,
            web.histories,
            web.profiles,
            request.url.path,
        )
        params = dict(request.path_params)
        started = time.perf_counter()
        try:
            if write:
                web.recent.clear()  # before and after: no page from before the write is shown after it
                result = await run_in_threadpool(handler, ctx, **params)
                web.recent.clear()
            else:
                key = (request.url.path, tuple(sorted(query.items())), login.athletes)
                result = await run_in_threadpool(web.recent.get, key, partial(handler, ctx, **params))
        except NotFound:
            result = _message_page(404, "not found (or not yours to see)")
        except (BadRequest, StrainwatchError) as error:
            result = _message_page(400, str(error))
        if isinstance(result, Redirect):
            response = RedirectResponse(result.to, status_code=303)
        else:
            response = web.render(request, ctx, result, as_json)
        response.headers["server-timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        if new:
            web.set_cookie(request, response, session)
        return response

    return endpoint


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//evil.example` or `https://…`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def login_page(request: Request) -> Response:
    web: Web = request.app.state.web
    if not web.host_allowed(request):
        return message_response(request, 400, "unknown host name")
    session, new = web.session_of(request)
    error, status, headers = "", 200, {"cache-control": "no-store"}
    next_url = safe_next(request.query_params.get("next"))
    if request.method == "POST":
        if (refused := body_refused(request)) is not None:
            return refused
        form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        next_url = safe_next(values.get("next"))
        client = web.client(request)
        name = values.get("name", "")[:64]
        if new or not same_token(values.get("csrf"), session.csrf):
            error, status = "This form has expired: try again.", 403
        elif (wait := web.limiter.wait_s(name, client)) > 0:
            log.warning("web: login for %r from %s refused: too many failed logins", name, client)
            error, status = f"Too many failed logins: try again in {_minutes(wait)}.", 429
            headers["retry-after"] = str(math.ceil(wait))
        else:
            login = await run_in_threadpool(check_password, web.settings, name, values.get("password", ""))
            if login is None:
                web.limiter.failed(name, client)
                log.warning("web: failed login for %r from %s", name, client)
                error, status = "Wrong name or password.", 401
            else:
                web.limiter.succeeded(name)
                web.sessions.drop(session.token)
                fresh = web.sessions.new(login)
                log.info("web: %s logged in from %s", login.name, client)
                response: Response = RedirectResponse(next_url, status_code=303)
                web.set_cookie(request, response, fresh)
                return response
    html = (
        templates()
        .get_template("login.html.j2")
        .render(
            csrf=session.csrf,
            next=next_url,
            error=error,
            login=None,
            athletes_nav=[],
            login_required=web.settings.web.login_required,
        )
    )
    response = HTMLResponse(html, status_code=status, headers=headers)
    if new:
        web.set_cookie(request, response, session)
    return response


def _minutes(seconds: float) -> str:
    if seconds >= 5400:
        return f"{seconds / 3600:.0f} hours"
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


async def logout(request: Request) -> Response:
    web: Web = request.app.state.web
    session = web.sessions.get(request.cookies.get(COOKIE))
    if (refused := body_refused(request)) is not None:
        return refused
    form = await request.form(max_files=0, max_fields=5, max_part_size=1024)
    token = form.get("csrf")
    if session is not None and same_token(token, session.csrf):
        web.sessions.drop(session.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


async def style(_request: Request) -> Response:
    return Response(stylesheet(), media_type="text/css", headers={"cache-control": "max-age=3600"})


class SecurityHeaders:
    """The same headers on every answer, 404s and errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(
    settings: Settings,
    db: Sessions,
    now: Callable[[], datetime],
    histories: HistoryCache | None = None,
    recent: RecentPages[Page | Redirect] | None = None,
    *,
    samples: TrackReader | None = None,
) -> ASGIApp:
    """`samples`: how a run's samples are read from its file for the run page's profile
    (sources.samples.recorded_track, handed in by who serves: the web reads no source);
    None shows no profile."""
    register_url_convertor("id", IdConvertor())
    web = Web(settings, db, now, histories, recent, samples=samples)
    env = templates()
    for name in env.list_templates(extensions=["j2"]):  # compiled now, not on a runner's first look
        env.get_template(name)
    routes = [
        Route("/login", login_page, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/static/style.css", style),
        Route("/favicon.ico", lambda _request: Response(status_code=204)),  # no icon, and no 404 logged
    ]
    for path, handler, write in [*pages.ROUTES, *alerts_history.ROUTES]:
        methods = ["POST"] if write else ["GET"]
        routes.append(Route(path, route(web, handler, write=write), methods=methods))
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error, Exception: server_error})
    app.state.web = web
    return SecurityHeaders(Admission(app, message_response))
