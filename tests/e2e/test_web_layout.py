"""Every page on a phone (390×844) and a desk (1366×900), in Debian's Chromium: no page wider
than the screen (tables scroll in their own box or wrap), chart text at least 11 px as
drawn, the mail at 390 px too, no serious or critical WCAG 2.2 AA violation found by
axe-core (bundled by axe-playwright-python: nothing is downloaded), and the forms reachable
with the Tab key in order.

`STRAINWATCH_SCREENSHOTS=DIR` saves every page at both sizes there (`NAME-WIDTH.png`).
"""

from __future__ import annotations

import mailbox
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.support import clock
from tests.support.browser import chromium
from tests.support.paths import REPO
from tests.support.web import seed, serving, settings_for

pytestmark = pytest.mark.slow

SIZES = [(390, 844), (1366, 900)]
EXAMPLE_SYNC_AT = "2021-02-01T12:00:00+00:00"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MEASURE = """() => {
  const doc = document.documentElement;
  const drawn = [...document.querySelectorAll('svg text')].filter(t => t.getBoundingClientRect().width > 0);
  const sizes = drawn.map(t => parseFloat(getComputedStyle(t).fontSize) * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b));
  const over = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > doc.clientWidth + 0.5
      && !e.closest('table.list')).map(e => e.tagName + '.' + e.className);
  return {page: doc.scrollWidth, screen: doc.clientWidth, text: sizes.length ? Math.min(...sizes) : null, over: over.slice(0, 5)};
}"""


@dataclass
class Site:
    base: str
    pages: dict[str, str]
    mbox: Path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The example's runner (a year of real runs) beside an athlete with hostile activity text,
    synced by the real pass (which also writes the mails to the mbox), served on loopback."""
    from strainwatch.cli.main import cli
    from strainwatch.kinds import parse_settings
    from strainwatch.store.db import open_database
    from strainwatch.store.models import Activity, Alert

    tmp = tmp_path_factory.mktemp("layout")
    shutil.copytree(REPO / "examples" / "activities", tmp / "activities")
    url = f"sqlite:///{tmp / 'sw.db'}"
    settings_for(tmp, url, athletes=("ann",))  # writes config.toml
    config = tmp / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + (
            '\n[[athletes]]\nid = "runner"\nname = "Example Runner"\nemail = "runner@example.org"\n'
            f'timezone = "America/Recife"\n[athletes.files]\npaths = ["{tmp / "activities"}"]\n'
        ),
        encoding="utf-8",
    )
    sessions = open_database(url)
    seed(sessions, tmp, "ann", clock.now())
    with sessions() as session, session.begin():  # two pages of ann's activities: the pager shows
        early = clock.now() - timedelta(days=60)
        session.add_all(
            Activity(
                athlete_id="ann",
                source="file",
                external_id=f"early-{i}",
                sport_type="Run",
                name=f"Early {i}",
                start_time=early - timedelta(hours=6 * i),
                distance_m=6000.0,
                moving_time_s=1900.0,
                elapsed_time_s=1900.0,
                gap_profile={},
                raw={},
                created_at=clock.now(),
                updated_at=clock.now(),
            )
            for i in range(100)
        )
    # the example is a fixed year of running: its pass is pinned a fortnight after it, whatever
    # the test clock (the page itself runs on the test clock)
    result = CliRunner().invoke(
        cli, ["--config", str(config), "sync"], env={"STRAINWATCH_NOW": EXAMPLE_SYNC_AT}
    )
    assert result.exit_code == 0, result.output
    settings = parse_settings(config.read_text(encoding="utf-8"), config)
    with sessions() as session:
        spike = (
            session.query(Alert)
            .filter_by(athlete_id="runner", rule="long-run-spike")
            .order_by(Alert.day.desc())
            .first()
        )  # the year's last spike (2021-06-13)
        assert spike is not None
        run = session.get(Activity, spike.activity_ids[0])
        as_of = spike.day.isoformat()
        assert run is not None
    pages = {
        "picker": "/",
        "overview": f"/athletes/runner?as_of={as_of}",
        "overview-today": "/athletes/ann",
        "activities": "/athletes/runner/activities",
        "activities-paged": "/athletes/ann/activities?page=2",
        "activities-first": "/athletes/ann/activities",
        "run": f"/activities/{run.id}",
        "alert": f"/alerts/{spike.id}",
        "alerts": "/athletes/runner/alerts",
        "alerts-all": "/alerts",
        "rules": "/athletes/runner/rules",
        "system": "/system",
        "login": "/login",
        "not-found": "/alerts/999999999",
    }
    with serving(settings, sessions) as base:
        yield Site(base, pages, next(tmp.glob("*.mbox")))


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_page_fits_the_screen_with_readable_charts(
    browser: Any, site: Site, width: int, height: int
) -> None:
    shots = os.environ.get("STRAINWATCH_SCREENSHOTS")
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        charted = 0
        for name, path in site.pages.items():
            page.goto(site.base + path)
            measured = page.evaluate(MEASURE)
            assert measured["page"] <= measured["screen"] == width, (name, measured)
            assert measured["over"] == [], (name, measured)
            if measured["text"] is not None:
                charted += 1
                assert measured["text"] >= 11, (name, measured)
            if shots:
                page.screenshot(path=f"{shots}/{name}-{width}.png", full_page=True)
        assert charted == 3  # the overview of a past day, today's, the run
        page.goto(site.base + site.pages["run"])
        heights = page.eval_on_selector_all(
            "svg.chart",
            "s => s.filter(e => e.getBoundingClientRect().width > 0)"
            ".map(e => e.getBoundingClientRect().height)",
        )
        assert len(heights) == 3 and min(heights) >= 150, heights  # not thin strips
    finally:
        context.close()


def test_the_mail_fits_a_phone(browser: Any, site: Site) -> None:
    """What the pass mailed (a year of history found at once: its digest, with the chart)."""
    bodies = [
        p.get_payload(decode=True).decode()
        for m in mailbox.mbox(site.mbox)
        for p in m.walk()
        if p.get_content_type() == "text/html"
    ]
    assert bodies and any("Last 12 weeks" in b or "weeks" in b for b in bodies)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        for i, html in enumerate(bodies):
            page.set_content(html)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            if shots := os.environ.get("STRAINWATCH_SCREENSHOTS"):
                page.screenshot(path=f"{shots}/mail-{i}-390.png", full_page=True)
    finally:
        page.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_no_serious_accessibility_violation(browser: Any, site: Site, width: int, height: int) -> None:
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    axe = axe_module.Axe()
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        found = {}
        for name, path in site.pages.items():
            page.goto(site.base + path)
            results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
            bad = [
                (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:4])
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if bad:
                found[name] = bad
        assert found == {}
    finally:
        context.close()


def test_the_forms_are_reached_with_the_tab_key_in_order(browser: Any, site: Site) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(site.base + "/athletes/ann")
        controls = page.eval_on_selector_all(
            "main input:not([type=hidden]), main select, main button",
            "els => els.map(e => e.name || e.textContent.trim())",
        )
        reached, ringed = [], set()  # a date field is tabbed through part by part, its picker last
        for _ in range(80):
            page.keyboard.press("Tab")
            focused, outline = page.evaluate("""() => { const e = document.activeElement;
                const control = e && e.closest('main') && e.matches('input, select, button');
                return [control ? (e.name || e.textContent.trim()) : null, getComputedStyle(e).outlineStyle]; }""")
            if focused is not None and focused not in reached:
                reached.append(focused)
            if focused is not None and outline != "none":
                ringed.add(focused)
        assert ringed == set(reached)  # each shows where the focus is
        assert reached == controls  # every control, in the order of the page
        page.goto(site.base + "/athletes/ann")
        page.focus("select[name=part]")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == "note"
        page.keyboard.type("calf tight")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # the form is sent from the keyboard alone
        page.wait_for_url("**/athletes/ann#injuries")
        assert "calf tight" in page.locator("#injuries").inner_text()
    finally:
        context.close()
