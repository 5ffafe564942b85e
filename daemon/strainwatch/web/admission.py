"""How many requests the page works on at once, and how long a request may take to send its
body. A request beyond the lane's slots waits in line (first come, first served) instead of
being refused; only a line longer than QUEUE_LIMIT, or a wait longer than QUEUE_WAIT_S, is a
503 with Retry-After. Logins have a lane of their own: an argon2 check takes a core and
64 MiB, and a runner logging in must not wait behind a crowd of page views.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_SLOTS = 4  # pages worked on at once: the work is mostly Python, the cores are few
LOGIN_SLOTS = 2
QUEUE_LIMIT = 1000
QUEUE_WAIT_S = 20.0
BODY_TIMEOUT_S = 10.0  # the whole body of a form, from the end of its headers
UNQUEUED = ("/static/", "/favicon.ico")


@dataclass(slots=True)
class Lane:
    slots: int
    waiting: int = 0
    semaphore: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.semaphore = asyncio.Semaphore(self.slots)


Refusal = Callable[[Request, int, str, dict[str, str]], Response]


class Admission:
    page_slots = PAGE_SLOTS
    login_slots = LOGIN_SLOTS
    queue_limit = QUEUE_LIMIT
    queue_wait_s = QUEUE_WAIT_S
    body_timeout_s = BODY_TIMEOUT_S

    def __init__(self, app: ASGIApp, refuse: Refusal) -> None:
        self.app, self.refuse = app, refuse
        self.lanes: dict[str, Lane] = {}  # made on the first request, inside the server's loop

    def lane(self, path: str) -> Lane:
        name = "login" if path == "/login" else "pages"
        if name not in self.lanes:
            self.lanes[name] = Lane(self.login_slots if name == "login" else self.page_slots)
        return self.lanes[name]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNQUEUED):
            await self.app(scope, receive, send)
            return
        lane = self.lane(scope["path"])
        if lane.waiting >= self.queue_limit:
            await self._busy(scope, receive, send)
            return
        lane.waiting += 1
        try:
            async with asyncio.timeout(self.queue_wait_s):
                await lane.semaphore.acquire()
        except TimeoutError:
            await self._busy(scope, receive, send)
            return
        finally:
            lane.waiting -= 1
        try:
            await self.app(scope, self._with_deadline(receive), send)
        finally:
            lane.semaphore.release()

    async def _busy(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.refuse(
            Request(scope, receive), 503, "the page is busy: try again in a moment", {"retry-after": "5"}
        )
        await response(scope, receive, send)

    def _with_deadline(self, receive: Receive) -> Callable[[], Awaitable[Message]]:
        """`receive`, but the body must have arrived BODY_TIMEOUT_S after the request was
        admitted: a client trickling a form a byte at a time holds a slot no longer."""
        deadline = asyncio.get_running_loop().time() + self.body_timeout_s

        async def receive_in_time() -> Message:
            try:
                async with asyncio.timeout_at(deadline):
                    return await receive()
            except TimeoutError:
                slow = "the request's body came too slowly"
                raise HTTPException(408, slow, {"connection": "close"}) from None

        return receive_in_time
