"""Never a 500 from input: every route driven with out-of-range ids and dates, made-up paths,
query strings and form bodies answers below 500, in JSON on a .json address, with the
security headers. The issue's cases by name, then Hypothesis over every route (in process,
through the ASGI app with a real SQLite database)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import clock
from tests.support.web import seed, settings_for

pytest.importorskip("starlette")
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

HUGE = "99999999999999999999999"


class Site:
    def __init__(self, client: Any, ids: dict[str, int]) -> None:
        self.client, self.ids = client, ids

    @property
    def csrf(self) -> str:
        """The session's token as the page gives it now: a test before this one may have
        dropped the cookie (the tests run in any order)."""
        found = re.search(r'name="csrf" value="([^"]+)"', self.client.get("/athletes/sam").text)
        assert found
        return found.group(1)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from starlette.testclient import TestClient

    from strainwatch.store.db import open_database
    from strainwatch.web.app import create_app

    tmp_path = tmp_path_factory.mktemp("web-input")
    url = f"sqlite:///{tmp_path / 'sw.db'}"
    settings = settings_for(tmp_path, url)
    sessions = open_database(url)
    ids = seed(sessions, tmp_path, "sam", clock.now())
    app = create_app(settings, sessions, clock.now)
    with TestClient(app, base_url="http://127.0.0.1", follow_redirects=False) as client:
        yield Site(client, ids)


def _check(response: Any, path: str) -> None:
    assert response.status_code < 500, (path, response.status_code, response.text[:300])
    assert (
        response.headers["x-frame-options"] == "DENY"
        and "default-src 'none'" in response.headers["content-security-policy"]
    )
    if path.split("?", maxsplit=1)[0].endswith(".json") and response.status_code != 303:
        assert response.headers["content-type"] == "application/json", path
        response.json()


@pytest.mark.parametrize(
    "path",
    [
        f"/activities/{HUGE}",
        f"/activities/{HUGE}.json",
        "/alerts/9223372036854775808.json",
        "/alerts/9223372036854775807.json",
        "/activities/0",
        "/alerts/-1.json",
        "/nowhere.json",
        "/athletes/nobody.json",
    ],
)
def test_ids_out_of_range_are_not_found(site: Site, path: str) -> None:
    response = site.client.get(path)
    _check(response, path)
    assert response.status_code == 404
    if path.endswith(".json"):
        assert response.json() == {"error": "not found (or not yours to see)"}
    else:
        assert "not found" in response.text and "<nav>" in response.text


@pytest.mark.parametrize(
    "path",
    [
        f"/alerts/{HUGE}/ack",
        f"/injuries/{HUGE}/close",
        "/injuries/9223372036854775808/close",
        f"/activities/{HUGE}/pain",
    ],
)
def test_writes_to_ids_out_of_range_are_not_found(site: Site, path: str) -> None:
    response = site.client.post(path, data={"csrf": site.csrf, "closed": "2020-01-01", "note": "x"})
    _check(response, path)
    assert response.status_code == 404


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31", "1899-12-31", "2999-01-01", "tomorrow"])
def test_days_out_of_range_are_bad_requests(site: Site, as_of: str) -> None:
    response = site.client.get("/athletes/sam.json", params={"as_of": as_of})
    _check(response, "/athletes/sam.json")
    assert response.status_code == 400 and "as_of" in response.json()["error"]
    page = site.client.get("/athletes/sam/activities", params={"since": as_of})
    assert page.status_code == 400 and "since" in page.text


def test_an_injury_cannot_start_in_the_future_or_heal_there(site: Site) -> None:
    today = clock.now().date()
    for start in ("9999-12-31", (today + timedelta(days=3)).isoformat(), "0001-01-01"):
        response = site.client.post(
            "/athletes/sam/injuries", data={"csrf": site.csrf, "start": start, "part": "calf"}
        )
        _check(response, "/athletes/sam/injuries")
        assert response.status_code == 400, start
    logged = site.client.post(
        "/athletes/sam/injuries",
        data={"csrf": site.csrf, "start": (today - timedelta(days=20)).isoformat(), "part": "calf"},
    )
    assert logged.status_code == 303
    injury = site.client.get("/athletes/sam.json").json()["injuries"][0]["id"]
    late = site.client.post(f"/injuries/{injury}/close", data={"csrf": site.csrf, "closed": "9999-12-31"})
    assert late.status_code == 400


def test_a_digit_python_reads_but_int_refuses_is_a_bad_request(site: Site) -> None:
    for days in ("²", "١٢", "1" * 40):
        response = site.client.post(
            "/athletes/sam/mute", data={"csrf": site.csrf, "rule": "acwr", "days": days}
        )
        _check(response, "/athletes/sam/mute")
        assert response.status_code == 400, days
    back = site.client.post(
        "/athletes/sam/mute", data={"csrf": site.csrf, "rule": "acwr", "days": "3", "alert": "²"}
    )
    assert back.status_code == 303 and back.headers["location"] == "/athletes/sam/rules#acwr"


def test_unknown_addresses_and_methods_answer_in_the_askers_language(site: Site) -> None:
    assert site.client.get("/no/such/page.json").json() == {"error": "not found (or not yours to see)"}
    wrong = site.client.get("/alerts/1/ack")
    _check(wrong, "/alerts/1/ack")
    assert wrong.status_code == 405 and "no such request" in wrong.text
    assert site.client.delete("/athletes/sam.json").json()["error"] == "this address takes no such request"


# -- Hypothesis over every route


def _routes() -> list[tuple[str, str]]:
    from strainwatch.web import alerts_history, pages

    every = [*pages.ROUTES, *alerts_history.ROUTES]
    routes = [(path, "POST" if write else "GET") for path, _handler, write in every]
    return [*routes, ("/login", "GET"), ("/login", "POST"), ("/logout", "POST"), ("/static/style.css", "GET")]


PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=24)
numbers = st.one_of(
    st.integers(-5, 10**25).map(str), st.sampled_from(["0", "1", HUGE, "9223372036854775808"])
)
days = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    texts,
    st.sampled_from(["0001-01-01", "9999-12-31", "1899-12-31", "2100-12-31", "", "2026-02-30", "20260101"]),
)
values = st.one_of(days, numbers, texts)
FIELDS = ("csrf", "start", "closed", "part", "note", "days", "rule", "alert", "name", "password", "next")
QUERY = ("as_of", "since", "until", "sport", "q", "next", "rule", "severity", "state", "page", "x")


@st.composite
def requests(draw: st.DrawFn, site: Site) -> tuple[str, str, dict[str, str], dict[str, str] | None]:
    template, method = draw(st.sampled_from(_routes()))
    known = [str(i) for i in site.ids.values()]

    def fill(match: re.Match[str]) -> str:
        if match.group(1) == "athlete_id":
            value = draw(st.one_of(st.sampled_from(["sam", "bob"]), texts))
        else:
            value = draw(st.one_of(st.sampled_from(known), numbers, texts))
        return quote(value, safe="") or "x"

    path = PARAM.sub(fill, template)
    if draw(st.booleans()) and not path.endswith(".json"):
        path += draw(st.sampled_from([".json", "/", "/x", ""]))
    query = draw(st.dictionaries(st.sampled_from(QUERY), values, max_size=3))
    method = draw(st.sampled_from([method, method, method, "GET" if method == "POST" else "POST"]))
    form = None
    if method == "POST":
        form = draw(st.dictionaries(st.sampled_from(FIELDS[1:]), values, max_size=5))
        form["csrf"] = draw(st.one_of(st.just(site.csrf), texts))
    return method, path, query, form


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_route_answers_5xx_to_any_input(site: Site, data: st.DataObject) -> None:
    method, path, query, form = data.draw(requests(site))
    if method == "POST":
        response = site.client.post(path, params=query, data=form)
    else:
        response = site.client.get(path, params=query)
    _check(response, path)


@settings(max_examples=60, deadline=None)
@given(
    body=st.binary(max_size=300),
    kind=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "multipart/form-data",
            "text/plain",
            "",
        ]
    ),
)
def test_no_body_makes_a_5xx(site: Site, body: bytes, kind: str) -> None:
    for path in ("/athletes/sam/injuries", "/login", "/athletes/sam/mute.json"):
        response = site.client.post(path, content=body, headers={"content-type": kind} if kind else {})
        _check(response, path)
