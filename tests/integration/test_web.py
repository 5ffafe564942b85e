"""The web page over real HTTP (uvicorn on a loopback port, httpx): pages and their JSON twins
against the commands' contracts, escaping, security headers, CSRF, logins and who sees what,
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from tests.support import clock
from tests.support.web import (
    HOSTILE_NOTE,
    csrf_token,
    open_seeded,
    password_hash,
    serving,
    settings_for,
)

pytest.importorskip("starlette")

CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"


def _cli_json(tmp_path: Path, *args: str) -> Any:
    from strainwatch.cli.main import cli

    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "config.toml"), *args], env=clock.env())
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_pages_and_json_twins_speak_the_commands_contracts(tmp_path: Path, database_url: str) -> None:
    settings, sessions, ids = open_seeded(tmp_path, database_url)
    sam = ids["sam"]
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        assert http.get("/").status_code == 200  # two athletes: the picker
        picker = http.get("/athletes.json").json()
        assert [a["id"] for a in picker["athletes"]] == ["sam", "bob"]

        status = _cli_json(tmp_path, "status", "--athlete", "sam", "--json")[0]
        overview = http.get("/athletes/sam.json").json()
        assert set(status) <= set(overview)
        assert overview["weeks"] == status["weeks"] and overview["guidance"] == status["guidance"]
        assert [a["id"] for a in overview["alerts"]] == [a["id"] for a in status["alerts"]] == [sam["alert"]]
        assert len(overview["weeks_26"]) == 26
        negotiated = http.get("/athletes/sam", headers={"accept": "application/json"})
        assert negotiated.headers["content-type"] == "application/json" and negotiated.json() == overview

        listed = _cli_json(tmp_path, "activities", "--athlete", "sam", "--json")
        page = http.get("/athletes/sam/activities.json").json()
        assert page["activities"] == list(reversed(listed)) and page["next"] is None  # one page, newest first
        last_day = next(a for a in listed if a["id"] == sam["last_run"])["start_date_local"][:10]
        week = next(
            w for w in reversed(overview["weeks_26"]) if w["start"] <= last_day
        )  # the last run's week
        end = str(date.fromisoformat(week["start"]) + timedelta(days=6))
        in_week = [
            a["distance_m"] / 1000 for a in listed if week["start"] <= a["start_date_local"][:10] <= end
        ]
        assert week["longest_km"] == round(max(in_week), 1) and 2.7 in in_week
        since = http.get("/athletes/sam/activities.json", params={"since": last_day}).json()["activities"]
        assert [a["id"] for a in since] == [sam["last_run"]]
        assert http.get("/athletes/sam/activities.json", params={"q": "run 1"}).json()["activities"]
        assert http.get("/athletes/sam/activities", params={"since": "yesterday"}).status_code == 400

        alerts = {a["id"]: a for a in _cli_json(tmp_path, "alerts", "--all", "--json")}
        alert = http.get(f"/alerts/{sam['alert']}.json").json()
        assert {k: alert[k] for k in alerts[sam["alert"]]} == alerts[sam["alert"]]
        assert alert["rule_info"]["grade"] == "A-" and alert["settings"]["next_run_factor"] == 1.1
        assert [a["id"] for a in alert["activities"]] == [sam["last_run"]]

        run = http.get(f"/activities/{sam['last_run']}.json").json()
        assert {k: run[k] for k in listed[0]} == next(a for a in listed if a["id"] == sam["last_run"])
        assert run["profile"]["source"] == "file" and len(run["profile"]["points"]) == 200
        assert all(p["pace_s_per_km"] is not None for p in run["profile"]["points"][5:-5])
        assert [a["id"] for a in run["alerts"]] == [sam["alert"]]
        no_file = http.get(f"/activities/{sam['first_run']}.json").json()
        assert no_file["profile"]["points"] == [] and "no file" in no_file["profile"]["source"]

        rules = http.get("/athletes/sam/rules.json").json()
        assert {r["id"] for r in rules["rules"]} >= {"long-run-spike", "acwr", "pain-note"}
        system = http.get("/system.json").json()
        assert set(system["sources"]) == {"sam", "bob"} and system["outbox"] == []
        for path in (
            "/athletes/sam",
            "/athletes/sam/activities",
            f"/alerts/{sam['alert']}",
            f"/activities/{sam['last_run']}",
            "/athletes/sam/rules",
            "/system",
        ):
            response = http.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"].startswith("text/html")
            assert response.headers["content-security-policy"] == CSP
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "DENY"
            assert "<script" not in response.text and " style=" not in response.text, path
        svg = http.get("/athletes/sam").text
        assert svg.count('class="bar"') == 2 * 26 and 'class="ceiling"' in svg and "next run ≤" in svg


def test_every_dynamic_value_is_escaped(tmp_path: Path, database_url: str) -> None:
    settings, sessions, ids = open_seeded(tmp_path, database_url)
    sam = ids["sam"]
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        pages = {
            path: http.get(path).text
            for path in (
                "/",
                "/athletes/sam",
                "/athletes/sam/activities",
                f"/alerts/{sam['alert']}",
                f"/activities/{sam['last_run']}",
            )
        }
        for path, html in pages.items():
            for raw in ("<script>", "<img src=x", "<svg onload", "</textarea>", "<marquee>", "<i>n"):
                assert raw not in html, (path, raw)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[f"/alerts/{sam['alert']}"]
        assert pages[f"/alerts/{sam['alert']}"].count("&lt;img src=x onerror=alert(2)&gt;") >= 4
        assert "&lt;/textarea&gt;&lt;svg onload=alert(3)&gt;" in pages[f"/activities/{sam['last_run']}"]
        assert "Sam &lt;marquee&gt;" in pages["/"]
        run = http.get(f"/activities/{sam['last_run']}.json").json()
        assert run["description"] == HOSTILE_NOTE and "<script>alert(1)</script>" in run["name"]


def test_the_run_page_takes_a_crop_and_a_duplicate_as_the_command_does(
    tmp_path: Path, database_url: str
) -> None:
    from strainwatch.store.models import ActivityOverride
    from strainwatch.store.runs import load_runs

    settings, sessions, ids = open_seeded(tmp_path, database_url)
    sam, bob = ids["sam"], ids["bob"]
    first, second, last = sam["first_run"], sam["first_run"] + 1, sam["last_run"]
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        page = http.get(f"/activities/{first}")
        token = csrf_token(page.text)
        assert 'name="crop"' in page.text and 'name="duplicate_of"' in page.text

        def say(run: int, **fields: str) -> httpx.Response:
            return http.post(f"/activities/{run}/correct", data={"csrf": token, **fields})

        assert say(first, crop="7 to 8").status_code == 400
        refused = say(last, crop="07:05-07:40")  # its file is named, but no import record reads it again
        assert refused.status_code == 400 and f"cannot crop #{last}" in refused.text
        assert 'name="crop"' not in http.get(f"/activities/{last}").text  # not offered where it cannot hold
        assert say(first, duplicate_of=str(bob["first_run"])).status_code == 400  # another athlete's run
        assert say(first, duplicate_of=str(first)).status_code == 400
        assert say(first, duplicate_of="12a").status_code == 400
        assert say(first, crop="07:05-07:40", reset="1").status_code == 400  # reset stands alone

        assert say(first, crop="07:05 - 07:40").status_code == 303
        assert "You said: only 07:05-07:40 was the run." in http.get(f"/activities/{first}").text
        assert say(first, duplicate_of=f"#{second}").status_code == 303
        shown = http.get(f"/activities/{first}").text
        assert f'Another recording of <a href="/activities/{second}">run #{second}</a>' in shown
    with sessions() as session:
        word = session.query(ActivityOverride).one()
        zone = settings.athlete("sam").zone
        assert (
            word.crop_from.astimezone(zone).strftime("%H:%M"),
            word.crop_to.astimezone(zone).strftime("%H:%M"),
        ) == ("07:05", "07:40")
        counted = {r.activity_id for r in load_runs(session, settings.athlete("sam"))}
    assert first not in counted and second in counted


def test_no_url_reaches_the_file_system_and_odd_hosts_get_nothing(tmp_path: Path) -> None:
    settings, sessions, _ids = open_seeded(tmp_path, f"sqlite:///{tmp_path / 'sw.db'}")
    (tmp_path / "secret.txt").write_text("top secret", encoding="utf-8")
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        assert http.get("/static/style.css").headers["content-type"].startswith("text/css")
        for path in (
            "/static/../config.toml",
            "/static/%2e%2e/%2e%2e/secret.txt",
            "/static/..%2fweb%2fapp.py",
            "/static/style.css/..%2f..%2fapp.py",
            "//etc/passwd",
            "/athletes/..%2f..%2fsecret.txt",
        ):
            response = http.get(path)
            assert response.status_code == 404 and "top secret" not in response.text, path
        # a DNS-rebinding page calling itself evil.example but resolving to 127.0.0.1
        assert http.get("/athletes/sam.json", headers={"host": "evil.example:8750"}).status_code == 400
        assert http.get("/athletes/sam.json", headers={"host": "localhost"}).status_code == 200


def test_writes_need_the_sessions_csrf_token_and_reach_the_rules(tmp_path: Path, database_url: str) -> None:
    from strainwatch.store.models import Alert, Injury
    from strainwatch.store.runs import load_runs

    settings, sessions, ids = open_seeded(tmp_path, database_url)
    sam = ids["sam"]
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        page = http.get(f"/alerts/{sam['alert']}")
        token = csrf_token(page.text)
        cookie = page.headers["set-cookie"]
        assert (
            "httponly" in cookie.lower()
            and "samesite=lax" in cookie.lower()
            and "secure" not in cookie.lower()
        )
        assert http.post(f"/alerts/{sam['alert']}/ack", data={}).status_code == 403
        assert http.post(f"/alerts/{sam['alert']}/ack", data={"csrf": "x" * 43}).status_code == 403
        with httpx.Client(base_url=base) as other:  # another browser: its own session, not ours
            assert other.post(f"/alerts/{sam['alert']}/ack", data={"csrf": token}).status_code == 403
        with sessions() as session:
            assert session.get(Alert, sam["alert"]).acknowledged_at is None

        done = http.post(f"/alerts/{sam['alert']}/ack", data={"csrf": token})
        assert done.status_code == 303 and done.headers["location"] == f"/alerts/{sam['alert']}"
        assert http.get(f"/alerts/{sam['alert']}.json").json()["acknowledged_by"] == "local"

        pain = http.post(
            f"/activities/{sam['first_run']}/pain", data={"csrf": token, "note": "left calf hurts <b>"}
        )
        assert pain.status_code == 303
        assert (
            http.post(f"/activities/{sam['first_run']}/pain", data={"csrf": token, "note": " "}).status_code
            == 400
        )
        start = clock.now().date() - timedelta(days=300)
        injury = http.post(
            "/athletes/sam/injuries", data={"csrf": token, "start": str(start), "part": "calf"}
        )
        assert injury.status_code == 303
        assert (
            http.post(
                "/athletes/sam/injuries", data={"csrf": token, "start": str(start), "part": "../../etc"}
            ).status_code
            == 400
        )
        run_url = f"/activities/{sam['first_run']}"
        assert http.post(f"{run_url}/correct", data={"distance": "3.1"}).status_code == 403  # no token
        assert http.post(f"{run_url}/correct", data={"csrf": token, "distance": "far"}).status_code == 400
        assert http.post(f"{run_url}/correct", data={"csrf": token}).status_code == 400  # nothing said
        fixed = http.post(
            f"{run_url}/correct", data={"csrf": token, "distance": "3.1", "counts": "not-running"}
        )
        assert fixed.status_code == 303 and fixed.headers["location"] == f"{run_url}#correct"
        assert "You said: 3.10 km run, not a run." in http.get(run_url).text
        with sessions() as session:
            row = session.query(Injury).one()
            settings_sam = settings.athlete("sam")
            runs = {r.activity_id: r for r in load_runs(session, settings_sam)}
            texts = {k: r.text for k, r in runs.items()}
        assert "left calf hurts <b>" in texts[sam["first_run"]]  # the pain-note rule reads it
        assert (runs[sam["first_run"]].distance_m, runs[sam["first_run"]].is_running) == (3100.0, False)
        assert http.post(f"{run_url}/correct", data={"csrf": token, "reset": "1"}).status_code == 303
        assert "You said" not in http.get(run_url).text
        closed = http.post(
            f"/injuries/{row.id}/close", data={"csrf": token, "closed": str(start - timedelta(days=4))}
        )
        assert closed.status_code == 400  # before it started
        healed = str(start + timedelta(days=27))
        assert (
            http.post(f"/injuries/{row.id}/close", data={"csrf": token, "closed": healed}).status_code == 303
        )
        assert http.get("/athletes/sam.json").json()["injuries"][0]["closed"] == healed


def test_the_pain_note_rule_fires_on_a_note_logged_afterwards(tmp_path: Path) -> None:
    """End to end through the real pass: a note logged on the page is a pain-note alert."""
    from strainwatch.cli.main import cli

    url = f"sqlite:///{tmp_path / 'sw.db'}"
    _settings, _sessions, ids = open_seeded(tmp_path, url)
    config = str(tmp_path / "config.toml")
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", config, "sync"], env=clock.env()).exit_code == 0
    run_id = ids["sam"]["first_run"] + 10  # a plain "Run 10" two days before the last run

    def about_it() -> list[dict[str, Any]]:
        alerts = _cli_json(tmp_path, "alerts", "--all", "--json")
        return [a for a in alerts if a["rule"] == "pain-note" and a["activity_ids"] == [run_id]]

    assert about_it() == []
    result = runner.invoke(cli, ["--config", config, "pain", str(run_id), "calf twinge"], env=clock.env())
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["--config", config, "sync"], env=clock.env()).exit_code == 0
    after = about_it()
    assert [a["numbers"]["words"] for a in after] == ["calf, twinge"]
    ack = runner.invoke(cli, ["--config", config, "ack", str(after[0]["id"])], env=clock.env())
    assert ack.exit_code == 0 and "marked read" in ack.output


def test_logins_sessions_and_who_sees_what(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    web = (
        f'[[web.users]]\nname = "sam"\npassword_hash = "{password_hash("sam-secret-1")}"\nathletes = ["sam"]\n'
        f'[[web.users]]\nname = "coach"\npassword_hash = "{password_hash("coach-secret")}"\nathletes = ["*"]\n'
    )
    settings, sessions, ids = open_seeded(tmp_path, database_url, web)
    bob = ids["bob"]
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        assert http.get("/athletes/sam.json").status_code == 401
        to_login = http.get("/athletes/sam/activities?q=x")
        assert (
            to_login.status_code == 303
            and to_login.headers["location"] == "/login?next=%2Fathletes%2Fsam%2Factivities%3Fq%3Dx"
        )
        form = http.get("/login?next=/athletes/sam")
        token = csrf_token(form.text)
        with caplog.at_level(logging.WARNING, logger="strainwatch.web"):
            wrong = http.post("/login", data={"csrf": token, "name": "sam", "password": "nope", "next": "/"})
        assert wrong.status_code == 401 and "Wrong name or password" in wrong.text
        assert any("failed login for 'sam'" in r.getMessage() for r in caplog.records)
        assert all("nope" not in r.getMessage() for r in caplog.records)
        ok = http.post(
            "/login",
            data={"csrf": token, "name": "sam", "password": "sam-secret-1", "next": "//evil.example/x"},
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/"  # never off-site
        assert "httponly" in ok.headers["set-cookie"].lower()
        assert http.get("/athletes/sam.json").status_code == 200

        # sam's login cannot read bob: pages, JSON, alerts, runs, system, writes
        for path in (
            "/athletes/bob",
            "/athletes/bob.json",
            "/athletes/bob/activities.json",
            "/athletes/bob/rules",
            f"/alerts/{bob['alert']}",
            f"/alerts/{bob['alert']}.json",
            f"/activities/{bob['last_run']}.json",
        ):
            assert http.get(path).status_code == 404, path
        assert set(http.get("/system.json").json()["sources"]) == {"sam"}
        assert http.get("/", follow_redirects=False).headers["location"] == "/athletes/sam"
        csrf = csrf_token(http.get("/athletes/sam").text)
        assert http.post(f"/alerts/{bob['alert']}/ack", data={"csrf": csrf}).status_code == 404
        assert (
            http.post(
                "/athletes/bob/injuries", data={"csrf": csrf, "start": "2026-01-01", "part": "calf"}
            ).status_code
            == 404
        )
        assert http.post("/logout", data={"csrf": csrf}).status_code == 303
        assert http.get("/athletes/sam.json").status_code == 401  # the old cookie is dead

    with serving(settings, sessions) as base, httpx.Client(base_url=base) as coach:
        token = csrf_token(coach.get("/login").text)
        coach.post("/login", data={"csrf": token, "name": "coach", "password": "coach-secret"})
        assert coach.get("/athletes/bob.json").status_code == 200
        assert len(coach.get("/athletes.json").json()["athletes"]) == 2


def test_failed_logins_are_rate_limited(tmp_path: Path) -> None:
    web = f'[[web.users]]\nname = "sam"\npassword_hash = "{password_hash("right-password")}"\nathletes = ["sam"]\n'
    settings, sessions, _ids = open_seeded(tmp_path, f"sqlite:///{tmp_path / 'sw.db'}", web)
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        token = csrf_token(http.get("/login").text)
        codes = [
            http.post("/login", data={"csrf": token, "name": "sam", "password": f"guess{i}"}).status_code
            for i in range(6)
        ]
        assert codes == [401] * 5 + [429]
        right = http.post("/login", data={"csrf": token, "name": "sam", "password": "right-password"})
        assert right.status_code == 429  # even the right password waits
        assert http.get("/athletes/sam.json").status_code == 401
        # an X-Forwarded-For from an untrusted peer changes nothing: still this address
        spoofed = http.post(
            "/login",
            data={"csrf": token, "name": "sam", "password": "right-password"},
            headers={"x-forwarded-for": "203.0.113.9"},
        )
        assert spoofed.status_code == 429
        huge = http.post(
            "/login",
            content=b"csrf=" + b"x" * 100_000,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert huge.status_code == 413


def test_a_valid_login_buys_no_guesses_at_another_account(tmp_path: Path) -> None:
    """The issue's scenario: 4 wrong guesses at sam, the guesser's own good login, then more
    wrong guesses at sam: the 6th wrong try is refused, and sam's right password waits too."""
    web = (
        f'[[web.users]]\nname = "sam"\npassword_hash = "{password_hash("sam-password")}"\nathletes = ["sam"]\n'
        f'[[web.users]]\nname = "bob"\npassword_hash = "{password_hash("bob-password")}"\nathletes = ["bob"]\n'
    )
    settings, sessions, _ids = open_seeded(tmp_path, f"sqlite:///{tmp_path / 'sw.db'}", web)
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        token = csrf_token(http.get("/login").text)

        def guess(name: str, password: str) -> int:
            return http.post("/login", data={"csrf": token, "name": name, "password": password}).status_code

        codes = [guess("sam", f"guess{i}") for i in range(4)]
        assert guess("bob", "bob-password") == 303
        token = csrf_token(http.get("/login").text)  # the login gave a fresh session
        codes += [guess("sam", f"guess{i}") for i in range(4, 9)]
        assert codes == [401] * 5 + [429] * 4
        refused = http.post("/login", data={"csrf": token, "name": "sam", "password": "sam-password"})
        assert refused.status_code == 429 and 800 < int(refused.headers["retry-after"]) <= 900
        assert "try again in 15 minutes" in refused.text
        assert refused.headers["x-frame-options"] == "DENY"
        with httpx.Client(base_url=base) as elsewhere:  # another address is no way round it
            other = csrf_token(elsewhere.get("/login").text)
            assert (
                elsewhere.post(
                    "/login",
                    data={"csrf": other, "name": "sam", "password": "x"},
                    headers={"x-forwarded-for": "192.0.2.8"},
                ).status_code
                == 429
            )


def test_behind_a_trusted_proxy_failed_logins_count_per_forwarded_client(tmp_path: Path) -> None:
    web = (
        f'auth_header = "Remote-User"\ntrusted_proxies = ["127.0.0.1"]\n'
        f'[[web.users]]\nname = "sam"\npassword_hash = "{password_hash("right-password")}"\nathletes = ["sam"]\n'
        f'[[web.users]]\nname = "bob"\npassword_hash = "{password_hash("bob-password")}"\nathletes = ["bob"]\n'
    )
    settings, sessions, _ids = open_seeded(tmp_path, f"sqlite:///{tmp_path / 'sw.db'}", web)
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        token = csrf_token(http.get("/login").text)
        attacker = {"x-forwarded-for": "198.51.100.7"}
        codes = [
            http.post(
                "/login", data={"csrf": token, "name": f"user{i}", "password": "guess"}, headers=attacker
            ).status_code
            for i in range(11)
        ]
        assert codes == [401] * 10 + [429]  # the address's allowance, across names
        neighbour = http.post(
            "/login",
            data={"csrf": token, "name": "bob", "password": "bob-password"},
            headers={"x-forwarded-for": "192.0.2.1"},
        )
        assert neighbour.status_code == 303  # the attacker's failures did not lock others out


def test_a_trusted_proxy_header_logs_in_and_an_untrusted_one_does_not(tmp_path: Path) -> None:
    users = '[[web.users]]\nname = "sam"\nathletes = ["sam"]\n'
    trusted = f'auth_header = "Remote-User"\ntrusted_proxies = ["127.0.0.0/8"]\n{users}'
    settings, sessions, _ids = open_seeded(tmp_path, f"sqlite:///{tmp_path / 'sw.db'}", trusted)
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        assert http.get("/athletes/sam.json", headers={"remote-user": "sam"}).status_code == 200
        assert http.get("/athletes/bob.json", headers={"remote-user": "sam"}).status_code == 404
        assert http.get("/athletes/sam.json", headers={"remote-user": "mallory"}).status_code == 401
        assert http.get("/athletes/sam.json").status_code == 401
        secure = httpx.get(
            f"{base}/athletes/sam", headers={"remote-user": "sam", "x-forwarded-proto": "https"}
        )
        assert "secure" in secure.headers["set-cookie"].lower()
    elsewhere = f'auth_header = "Remote-User"\ntrusted_proxies = ["10.9.8.7"]\n{users}'
    settings = settings_for(tmp_path, f"sqlite:///{tmp_path / 'sw.db'}", elsewhere)
    with serving(settings, sessions) as base, httpx.Client(base_url=base) as http:
        assert http.get("/athletes/sam.json", headers={"remote-user": "sam"}).status_code == 401
        plain = httpx.get(f"{base}/login", headers={"x-forwarded-proto": "https"})
        assert "secure" not in plain.headers["set-cookie"].lower()  # only a trusted proxy says https


@pytest.mark.parametrize(
    "web", ['listen = "0.0.0.0:8750"', 'listen = "[::]:8750"', 'listen = "192.168.1.5:80"']
)
def test_listening_beyond_loopback_without_logins_is_refused(tmp_path: Path, web: str) -> None:
    from strainwatch.cli.main import cli
    from strainwatch.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        settings_for(tmp_path, f"sqlite:///{tmp_path / 'sw.db'}", web)
    assert "no login is configured" in str(refused.value) and len(str(refused.value).splitlines()) == 1
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "config.toml"), "serve"])
    assert result.exit_code == 1
    assert result.stderr.startswith("strainwatch: error: ") and len(result.stderr.strip().splitlines()) == 1
    settings_for(tmp_path, f"sqlite:///{tmp_path / 'sw.db'}", 'listen = "127.0.0.1:8750"')
    flag = CliRunner().invoke(
        cli, ["--config", str(tmp_path / "config.toml"), "serve", "--listen", "0.0.0.0:8750"]
    )
    assert flag.exit_code == 1 and "--listen: listen = '0.0.0.0:8750' is reachable" in flag.stderr


def test_web_passwd_prints_or_writes_a_hash_that_verifies(tmp_path: Path) -> None:
    from argon2 import PasswordHasher

    from strainwatch.cli.main import cli

    printed = CliRunner().invoke(
        cli, ["web", "passwd", "--name", "ann"], input="correct horse\ncorrect horse\n"
    )
    assert printed.exit_code == 0 and "correct horse" not in printed.stdout
    hashed = re.search(r'password_hash = "([^"]+)"', printed.stdout).group(1)
    assert PasswordHasher().verify(hashed, "correct horse")
    target = tmp_path / "ann.hash"
    written = CliRunner().invoke(
        cli, ["web", "passwd", "--output", str(target)], input="correct horse\ncorrect horse\n"
    )
    assert written.exit_code == 0 and target.stat().st_mode & 0o777 == 0o600
    assert PasswordHasher().verify(target.read_text().strip(), "correct horse")
    short = CliRunner().invoke(cli, ["web", "passwd"], input="short\nshort\n")
    assert short.exit_code == 2


def test_the_history_cache_is_rebuilt_when_its_inputs_change(tmp_path: Path, database_url: str) -> None:
    from strainwatch.store import journal
    from strainwatch.store.models import Activity
    from strainwatch.web.cache import HistoryCache

    settings, sessions, ids = open_seeded(tmp_path, database_url)
    sam = settings.athlete("sam")
    cache, today = HistoryCache(size=1), clock.now().date()
    with sessions() as session:
        first = cache.get(session, sam, today)
        assert cache.get(session, sam, today) is first
    with sessions() as session, session.begin():
        journal.add_pain_note(
            session, session.get(Activity, ids["sam"]["first_run"]), "calf", None, clock.now()
        )
    with sessions() as session:
        noted = cache.get(session, sam, today)
        assert noted is not first and any("calf" in r.text for r in noted.runs)
    with sessions() as session, session.begin():
        session.get(Activity, ids["sam"]["first_run"]).deleted = True  # updated_at untouched
    with sessions() as session:
        fewer = cache.get(session, sam, today)
        assert len(fewer.runs) == len(noted.runs) - 1
        cache.get(session, settings.athlete("bob"), today)  # size 1: sam's goes
        assert cache.get(session, sam, today) is not fewer
