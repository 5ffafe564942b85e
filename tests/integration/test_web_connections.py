"""Not down from a few sockets: the real server (uvicorn on loopback) with connections that send
nothing, trickle headers or a body; the queue in front of the pages; the pages shared by a
crowd. Deadlines are shortened for the tests; each wait is bounded by a signal (the server
closing the socket), never a sleep."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import clock
from tests.support.web import seed, serving, settings_for

pytest.importorskip("starlette")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from strainwatch.store.db import open_database
    from strainwatch.web.admission import Admission
    from strainwatch.web.connections import GuardedH11Protocol

    monkeypatch.setattr(GuardedH11Protocol, "header_timeout_s", 1.0)
    monkeypatch.setattr(Admission, "body_timeout_s", 1.0)
    url = f"sqlite:///{tmp_path / 'sw.db'}"
    settings = settings_for(tmp_path, url, athletes=("sam",))
    sessions = open_database(url)
    seed(sessions, tmp_path, "sam", clock.now())
    with serving(settings, sessions) as base:
        yield base


def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def _closed_after(sock: socket.socket, limit: float = 10.0, since: float | None = None) -> float:
    """Seconds from `since` (default: now) until the server closes `sock` (reads until EOF,
    waiting at most `limit`)."""
    started = time.monotonic() if since is None else since
    sock.settimeout(limit)
    try:
        while sock.recv(4096):
            pass
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def test_idle_connections_neither_block_the_page_nor_stay(site: str) -> None:
    opened = time.monotonic()
    idle = [socket.create_connection(("127.0.0.1", _port(site))) for _ in range(100)]
    try:
        response = httpx.get(f"{site}/athletes/sam.json", timeout=5)
        assert response.status_code == 200 and response.headers["x-frame-options"] == "DENY"
        # Counted from the first socket's opening, not from here: the page above may take most
        # of the deadline on a loaded machine.
        waited = _closed_after(idle[0], since=opened)
        assert 0.9 < waited < 5  # closed at the header deadline (1 s in this test)
        assert all(_closed_after(s, 5) < 5 for s in idle[1:])
    finally:
        for s in idle:
            s.close()


def test_headers_trickled_a_byte_at_a_time_do_not_hold_a_connection(site: str) -> None:
    sock = socket.create_connection(("127.0.0.1", _port(site)))
    started = time.monotonic()
    try:
        request = b"GET /athletes/sam HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
        closed = False
        for byte in request:  # one byte every 20 ms: the data keeps coming, but too slowly
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            sock.settimeout(0.02)
            try:
                if sock.recv(1) == b"":
                    closed = True
                    break
            except TimeoutError:
                pass
        assert closed and time.monotonic() - started < 4
    finally:
        sock.close()


def test_a_body_that_does_not_come_is_a_408_with_the_headers(site: str) -> None:
    with httpx.Client(base_url=site) as http:
        page = http.get("/athletes/sam")
        cookie = page.headers["set-cookie"].split(";")[0]
    sock = socket.create_connection(("127.0.0.1", _port(site)))
    try:
        sock.sendall(
            b"POST /athletes/sam/injuries HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: "
            + cookie.encode()
            + b"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ncsrf="
        )
        sock.settimeout(5)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        head = answer.split(b"\r\n\r\n")[0].lower()
        assert (
            head.startswith(b"http/1.1 408")
            and b"x-frame-options: deny" in head
            and b"connection: close" in head
        )
    finally:
        sock.close()


def test_the_queue_waits_rather_than_refuses_and_a_full_one_says_503_with_the_headers() -> None:
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response

    from strainwatch.web.admission import Admission
    from strainwatch.web.app import SecurityHeaders

    release = asyncio.Event()
    running = 0

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal running
        running += 1
        await release.wait()
        await PlainTextResponse("ok")(scope, receive, send)

    def refuse(_request: Request, status: int, message: str, headers: dict[str, str]) -> Response:
        return PlainTextResponse(message, status_code=status, headers=headers)

    admission = Admission(slow_app, refuse)
    admission.page_slots, admission.queue_limit = 2, 3
    app = SecurityHeaders(admission)

    async def call(path: str) -> tuple[int, dict[bytes, bytes]]:
        sent: list[Any] = []
        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [],
            "http_version": "1.1",
            "scheme": "http",
            "server": ("127.0.0.1", 1),
            "client": None,
        }

        async def receive() -> Any:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return sent[0]["status"], dict(sent[0]["headers"])

    async def scenario() -> None:
        calls = [asyncio.create_task(call("/athletes/sam")) for _ in range(5)]
        while running < 2 or admission.lanes["pages"].waiting < 3:
            await asyncio.sleep(0)
        status, headers = await call("/athletes/sam")  # the sixth: the line is full
        assert status == 503 and headers[b"retry-after"] == b"5" and headers[b"x-frame-options"] == b"DENY"
        assert running == 2  # two at work, three waiting, none refused
        release.set()
        assert [s for s, _ in await asyncio.gather(*calls)] == [200] * 5

    asyncio.run(asyncio.wait_for(scenario(), 10))


def test_a_crowd_asking_for_one_page_shares_one_modelling() -> None:
    from strainwatch.web.recent import RecentPages

    recent: RecentPages[int] = RecentPages(ttl_s=60)
    made, gate = [], threading.Event()

    def make() -> int:
        gate.wait(5)
        made.append(1)
        return 42

    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(recent.get("k", make))) for _ in range(8)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(5)
    assert results == [42] * 8 and made == [1]
    recent.clear()
    assert recent.get("k", lambda: 7) == 7  # a write (or a pass) drops what was kept
    with pytest.raises(KeyError):
        recent.get("bad", lambda: {}["x"])
    assert recent.get("bad", lambda: 5) == 5  # a failure is not kept


def test_a_page_older_than_its_time_is_made_again() -> None:
    from strainwatch.web.recent import RecentPages

    now = [100.0]
    recent: RecentPages[str] = RecentPages(ttl_s=1.0, clock=lambda: now[0])
    assert recent.get("k", lambda: "first") == "first"
    now[0] += 0.5
    assert recent.get("k", lambda: "second") == "first"
    now[0] += 0.6
    assert recent.get("k", lambda: "third") == "third"


def test_a_write_is_seen_on_the_next_look(tmp_path: Path) -> None:
    from strainwatch.store.db import open_database

    url = f"sqlite:///{tmp_path / 'sw.db'}"
    settings = settings_for(tmp_path, url, athletes=("sam",))
    sessions = open_database(url)
    seed(sessions, tmp_path, "sam", clock.now())
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        page = http.get("/athletes/sam")
        assert http.get("/athletes/sam.json").json()["injuries"] == []
        token = page.text.split('name="csrf" value="')[1].split('"')[0]
        start = str(clock.now().date())
        assert (
            http.post(
                "/athletes/sam/injuries", data={"csrf": token, "start": start, "part": "calf"}
            ).status_code
            == 303
        )
        assert [i["start"] for i in http.get("/athletes/sam.json").json()["injuries"]] == [start]


def test_a_shared_page_carries_each_sessions_own_token(tmp_path: Path) -> None:
    from strainwatch.store.db import open_database

    url = f"sqlite:///{tmp_path / 'sw.db'}"
    settings = settings_for(tmp_path, url, athletes=("sam",))
    sessions = open_database(url)
    seed(sessions, tmp_path, "sam", clock.now())
    with (
        serving(settings, sessions) as base,
        httpx.Client(base_url=base) as one,
        httpx.Client(base_url=base) as two,
    ):
        first, second = one.get("/athletes/sam").text, two.get("/athletes/sam").text  # the same page, shared
        tokens = [page.split('name="csrf" value="')[1].split('"')[0] for page in (first, second)]
        assert tokens[0] != tokens[1] and first.replace(tokens[0], "") == second.replace(tokens[1], "")
        assert (
            two.post("/athletes/sam/mute", data={"csrf": tokens[0], "rule": "acwr", "days": "2"}).status_code
            == 403
        )
        assert (
            two.post("/athletes/sam/mute", data={"csrf": tokens[1], "rule": "acwr", "days": "2"}).status_code
            == 303
        )


def test_bytes_that_are_no_request_get_a_400_with_the_headers(site: str) -> None:
    sock = socket.create_connection(("127.0.0.1", _port(site)))
    try:
        sock.sendall(b"NOT HTTP AT ALL\x00\r\n\r\n")
        sock.settimeout(5)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        head = answer.split(b"\r\n\r\n")[0].lower()
        assert head.startswith(b"http/1.1 400") and b"x-frame-options: deny" in head
        assert b"content-security-policy: default-src 'none'" in head
    finally:
        sock.close()
