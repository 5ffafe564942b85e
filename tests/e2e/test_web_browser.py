"""The web page in a real browser: Debian's Chromium driven by Playwright (never a
downloaded browser). The pages render under the CSP with no console error, charts are drawn,
hostile activity text is shown as text and never runs, and a write works through the form.

`STRAINWATCH_SCREENSHOTS=DIR` saves the example's overview, alert and run pages there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import clock
from tests.support.browser import chromium
from tests.support.paths import EXAMPLE_LAST_RUN, REPO
from tests.support.web import seed, serving, settings_for

EXE = Path(sys.executable).parent / "strainwatch"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


class Watched:
    """A page with its console errors and dialogs recorded (an alert() would be XSS)."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1100, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def close(self) -> None:
        self.context.close()


def test_pages_render_under_the_csp_and_hostile_text_stays_text(browser: Any, tmp_path: Path) -> None:
    from strainwatch.store.db import open_database

    url = f"sqlite:///{tmp_path / 'sw.db'}"
    settings = settings_for(tmp_path, url, athletes=("sam",))
    sessions = open_database(url)
    ids = seed(sessions, tmp_path, "sam", clock.now())
    watched = Watched(browser)
    page = watched.page
    try:
        with serving(settings, sessions) as base:
            page.goto(f"{base}/")
            assert page.url == f"{base}/athletes/sam"  # one athlete: straight to the overview
            assert page.locator("svg.chart-wide rect.bar").count() == 26
            fill = page.eval_on_selector("rect.bar-longest", "e => getComputedStyle(e).fill")
            assert fill == "rgb(28, 126, 214)"  # the stylesheet applies under the CSP
            assert page.locator("svg.chart-wide line.ceiling").count() == 1

            page.click(f"a[href='/alerts/{ids['alert']}']")
            assert "<script>alert(1)</script>" in page.locator("h1").inner_text()
            page.click("text=I have read this")
            assert "by local" in page.locator("main").inner_text()

            page.goto(f"{base}/activities/{ids['last_run']}")
            assert page.locator("svg.chart-wide polyline").count() == 3  # pace, heart rate, elevation
            page.fill("input[name=note]", "<img src=x onerror=alert(9)> calf")
            page.click("text=Log pain")
            assert "<img src=x onerror=alert(9)> calf" in page.locator("#pain").inner_text()
        assert watched.dialogs == [] and watched.errors == []
    finally:
        watched.close()


def test_login_in_the_browser(browser: Any, tmp_path: Path) -> None:
    from strainwatch.store.db import open_database
    from strainwatch.web.access import hash_password

    url = f"sqlite:///{tmp_path / 'sw.db'}"
    web = f'[[web.users]]\nname = "sam"\npassword_hash = "{hash_password("sam-secret-1")}"\nathletes = ["sam"]\n'
    settings = settings_for(tmp_path, url, web)
    sessions = open_database(url)
    seed(sessions, tmp_path, "sam", clock.now())
    watched = Watched(browser)
    page = watched.page
    try:
        with serving(settings, sessions) as base:
            page.goto(f"{base}/athletes/sam/rules")
            assert "/login" in page.url
            page.fill("input[name=name]", "sam")
            page.fill("input[name=password]", "sam-secret-1")
            page.click("button[type=submit]")
            assert (
                page.url == f"{base}/athletes/sam/rules"
                and "rules in effect" in page.locator("h1").inner_text()
            )
            cookie = next(c for c in watched.context.cookies() if c["name"] == "sw_session")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
            page.goto(f"{base}/athletes/bob")
            assert "not found" in page.locator("h1").inner_text()
        assert watched.dialogs == []
    finally:
        watched.close()


@pytest.mark.slow
def test_the_example_served_by_the_command(browser: Any, tmp_path: Path) -> None:
    """The acceptance path: the example synced, then `strainwatch serve`, in Chromium."""
    example = tmp_path / "examples"
    shutil.copytree(REPO / "examples", example, ignore=shutil.ignore_patterns("state"))
    config = str(example / "strainwatch.toml")
    env = {**os.environ, **clock.env(clock.after(EXAMPLE_LAST_RUN))}  # the example year lies in the past
    subprocess.run([str(EXE), "--config", config, "sync"], check=True, env=env, capture_output=True)
    server = subprocess.Popen(
        [str(EXE), "--config", config, "serve", "--listen", "127.0.0.1:0"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    watched = Watched(browser)
    page = watched.page
    shots = os.environ.get("STRAINWATCH_SCREENSHOTS")
    try:
        assert server.stderr is not None
        line = server.stderr.readline()  # the startup signal: "serving on http://…"
        assert "serving on http://127.0.0.1:" in line, line
        base = line.split("serving on ")[1].split("/ ")[0]
        page.goto(f"{base}/athletes/runner?as_of=2021-06-13")
        assert page.locator("svg.chart-wide rect.bar").count() == 26
        assert "caution" in page.locator("main").inner_text()
        if shots:
            page.screenshot(path=f"{shots}/web-overview.png", full_page=True)
        page.goto(f"{base}/athletes/runner/activities")
        rows = page.locator("table.list tbody tr").count()
        assert rows == 68
        alerts = subprocess.run(
            [str(EXE), "--config", config, "alerts", "--all", "--json"],
            check=True,
            env=env,
            capture_output=True,
            text=True,
        ).stdout
        spike = next(
            a for a in json.loads(alerts) if a["rule"] == "long-run-spike" and a["date"] == "2021-06-13"
        )
        page.goto(f"{base}/alerts/{spike['id']}")
        assert "What to do now" in page.locator("main").inner_text()
        if shots:
            page.screenshot(path=f"{shots}/web-alert.png", full_page=True)
        page.goto(f"{base}/activities/{spike['activity_ids'][0]}")
        assert page.locator("svg.chart-wide polyline").count() == 3
        if shots:
            page.screenshot(path=f"{shots}/web-run.png", full_page=True)
        assert watched.dialogs == [] and watched.errors == []
    finally:
        watched.close()
        server.terminate()
        assert server.wait(10) == 0
