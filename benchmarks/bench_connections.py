"""Issue 23's figures: is the page still there for a runner while a few sockets sit open and a
crowd asks for the overview at once?

Run:  python benchmarks/bench_connections.py [--requests 200] [--idle 100] [--rounds 3]

Syncs the bundled example into a fresh folder, starts `strainwatch serve` (with a login) at
the example's day, logs in, opens `--idle` TCP connections that never send a byte, then
fires `--requests` overview requests at once (each on its own connection, `Connection:
close`), and during that burst one login (an argon2 check). It prints, per round, the errors
(anything but 200), the median, p95 and slowest answer of the burst, and the login's status
and time; at the end, how long the idle connections were held before the server closed
them. The client is raw asyncio sockets, so that it costs the 2-core machine little beside
the server it measures. Run it on a quiet machine (look at `uptime` first).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent / "strainwatch"
NOW = "2021-01-17T20:00:00-03:00"  # the example's day (README's first command)
PASSWORD = "bench-password-1"  # noqa: S105 (a throwaway login in a temporary folder)


def prepare(root: Path) -> Path:
    from argon2 import PasswordHasher

    shutil.copytree(REPO / "examples" / "activities", root / "activities")
    config = root / "config.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{root}/sw.db"\n[web]\nlisten = "127.0.0.1:0"\n'
        f'[[web.users]]\nname = "runner"\npassword_hash = "{PasswordHasher().hash(PASSWORD)}"\nathletes = ["*"]\n'
        '[[athletes]]\nid = "runner"\nname = "Example Runner"\nemail = "runner@example.org"\n'
        f'timezone = "America/Recife"\n[athletes.files]\npaths = ["{root}/activities"]\n',
        encoding="utf-8",
    )
    subprocess.run([str(EXE), "--config", str(config), "sync"], check=True, capture_output=True, env=env())
    return config


def env() -> dict[str, str]:
    return {**os.environ, "STRAINWATCH_NOW": NOW}


async def request(port: int, raw: bytes) -> tuple[int, bytes, float]:
    """(status, whole answer, seconds) of one request on a fresh connection; status 0: none."""
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(raw)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(-1), 60)
        writer.close()
    except (OSError, TimeoutError):
        return 0, b"", time.perf_counter() - started
    head = answer.split(b"\r\n", 1)[0].split()
    status = int(head[1]) if len(head) > 1 and head[1].isdigit() else 0
    return status, answer, time.perf_counter() - started


def get(path: str, cookie: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    ).encode()


def post(path: str, cookie: str, form: dict[str, str]) -> bytes:
    body = urlencode(form).encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def cookie_of(answer: bytes) -> str:
    found = re.search(rb"set-cookie: (sw_session=[^;]+)", answer, re.IGNORECASE)
    assert found, answer[:300]
    return found.group(1).decode()


async def log_in(port: int) -> tuple[str, str]:
    """A logged-in session's cookie, and a fresh session's cookie and CSRF token for a login."""
    _, form, _ = await request(port, get("/login", ""))
    cookie = cookie_of(form)
    csrf = re.search(rb'name="csrf" value="([^"]+)"', form).group(1).decode()  # type: ignore[union-attr]
    status, answer, _ = await request(
        port, post("/login", cookie, {"csrf": csrf, "name": "runner", "password": PASSWORD})
    )
    assert status == 303, answer[:300]
    return cookie_of(answer), csrf


async def fresh_login_form(port: int) -> tuple[str, str] | int:
    """A fresh session's cookie and CSRF token, or the status that refused the form."""
    status, form, _ = await request(port, get("/login", ""))
    found = re.search(rb'name="csrf" value="([^"]+)"', form)
    return (cookie_of(form), found.group(1).decode()) if status == 200 and found else status


async def hold_idle(port: int, count: int) -> list[asyncio.Task[float]]:
    """`count` connections that send nothing; each task ends with the seconds until the server
    closed it."""

    async def one() -> float:
        started = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return -1.0
        with contextlib.suppress(OSError, TimeoutError):
            await asyncio.wait_for(reader.read(-1), 120)
        writer.close()
        return time.perf_counter() - started

    tasks = [asyncio.create_task(one()) for _ in range(count)]
    await asyncio.sleep(0.5)  # let them all connect
    return tasks


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def burst(port: int, cookie: str, count: int) -> None:
    page = get("/athletes/runner", cookie)
    form = await fresh_login_form(port)
    crowd = [asyncio.create_task(request(port, page)) for _ in range(count)]
    await asyncio.sleep(0.05)  # the login arrives while the crowd is queued
    if isinstance(form, int):
        login_status, login_s = form, 0.0  # not even the login form was served
    else:
        login = post("/login", form[0], {"csrf": form[1], "name": "runner", "password": PASSWORD})
        login_status, _, login_s = await request(port, login)
    answers = await asyncio.gather(*crowd)
    times = [s for _, _, s in answers]
    errors = sum(1 for status, _, _ in answers if status != 200)
    codes = sorted({status for status, _, _ in answers})
    print(
        f"  {count} overviews: {errors} errors (statuses {codes}), median {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {pct(times, 0.95) * 1000:.0f} ms, slowest {max(times) * 1000:.0f} ms; "
        f"login during it: {login_status} in {login_s * 1000:.0f} ms"
    )


async def measure(port: int, requests: int, idle: int, rounds: int) -> None:
    cookie, _ = await log_in(port)
    status, _, first = await request(port, get("/athletes/runner", cookie))
    print(f"first overview (models the history): {status} in {first * 1000:.0f} ms")
    held = await hold_idle(port, idle)
    print(f"{idle} idle connections open")
    for _ in range(rounds):
        await burst(port, cookie, requests)
    closed = await asyncio.gather(*held)
    dropped = [s for s in closed if s >= 0]
    if dropped:
        print(
            f"idle connections closed by the server after {min(dropped):.1f}-{max(dropped):.1f} s "
            f"({len(dropped)} of {idle} had connected)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--idle", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="bench-connections-") as tmp:
        config = prepare(Path(tmp))
        server = subprocess.Popen(
            [str(EXE), "--config", str(config), "serve"], stderr=subprocess.PIPE, text=True, env=env()
        )
        try:
            assert server.stderr is not None
            line = server.stderr.readline()
            found = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", line)
            assert found, line
            asyncio.run(measure(int(found.group(1)), args.requests, args.idle, args.rounds))
        finally:
            server.terminate()
            server.wait(10)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
