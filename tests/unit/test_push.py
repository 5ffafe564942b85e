"""Push channels, the pure parts: the config of [[athletes.channels]], where each message goes,
what a phone shows, how a failure is sorted, and what of a URL is secret."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from strainwatch.alerts.guidance import Guidance
from strainwatch.errors import ConfigError
from strainwatch.kinds import parse_settings
from strainwatch.notify.channels.push import classify, public_name, redact, secret_parts
from strainwatch.notify.channels.push.render import push_alert, push_digest, push_ref
from strainwatch.notify.notification import Recipient
from strainwatch.notify.render import AlertContent, DigestContent, alert_message, message_id
from strainwatch.notify.transport import channels_for
from strainwatch.rules.ceilings import Ceiling, Longest
from tests.support import clock

pytestmark = pytest.mark.clock  # swept by --clock-sweep

BASE = """
[notify]
quiet_hours = "22:00-07:00"
[[athletes]]
id = "sam"
name = "Sam"
email = "sam@example.org"
"""


def _settings(tmp_path: Path, channels: str) -> object:
    return parse_settings(BASE + channels, tmp_path / "config.toml")


def test_channels_route_what_each_takes_with_its_own_quiet_hours(tmp_path: Path) -> None:
    settings = parse_settings(
        BASE
        + """
[[athletes.channels]]
name = "phone"
url_file = "secrets/phone"
send = ["warning"]
quiet_hours = ""
[[athletes.channels]]
name = "club-matrix"
""",
        tmp_path / "config.toml",
    )
    athlete = settings.athletes[0]
    email, phone, matrix = channels_for(settings, athlete)
    assert (email.name, email.kinds, email.quiet_hours) == (
        "email",
        {"alert", "digest", "notice"},
        "22:00-07:00",
    )
    assert (phone.name, phone.kinds, phone.quiet_hours) == ("phone", {"alert"}, "")
    assert (matrix.kinds, matrix.quiet_hours) == (
        {"alert", "digest", "notice"},
        "22:00-07:00",
    )  # the defaults
    assert athlete.channels[0].url_file == tmp_path / "secrets" / "phone"  # relative to the config file


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('name = "email"', "the mail channel"),
        ('name = "Phone!"', "should match pattern"),
        ('name = "phone"\nsend = ["sms"]', "'warning', 'digest' or 'notice'"),
        ('name = "phone"\nquiet_hours = "late"', "not a range like 22:00-07:00"),
        ('name = "phone"\nurl = "ntfy://x"', "unknown key"),
    ],
)
def test_bad_channel_settings_are_refused_naming_the_table(tmp_path: Path, table: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _settings(tmp_path, f"[[athletes.channels]]\n{table}\n")
    assert "[athletes.channels]" in str(caught.value) and message in str(caught.value)


def test_a_channel_name_used_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="channel name 'phone' is used twice"):
        _settings(tmp_path, '[[athletes.channels]]\nname = "phone"\n[[athletes.channels]]\nname = "phone"\n')


SPIKE = AlertContent(
    fingerprint="sam:long-run-spike:2026-11-20",
    rule="long-run-spike",
    severity="warning",
    day="2026-11-20",
    title="Long run 117% above your 30-day longest",
    summary="26.0 km against your longest run of the previous 30 days, 12.0 km: +117 %",
    advice="Keep the next runs under 13.2 km. Take a rest day tomorrow.\nMore about calves below.",
    numbers={"distance_km": 26.0},
    also=["Caution (hill-spike): 400 m down"],
)
SAM = Recipient("sam", "Sam", "sam@example.org")


def test_a_push_is_short_title_numbers_advice_link_and_reference() -> None:
    now = clock.now()
    push = push_alert(SPIKE, SAM, "sw", now, "https://sw.example.org/alerts/7")
    assert push.subject == "Warning: Long run 117% above your 30-day longest"
    assert push.text.splitlines() == [
        SPIKE.summary,
        "Keep the next runs under 13.2 km.",
        "+ 1 more about the same run or day",
        "https://sw.example.org/alerts/7",
        f"ref {push_ref(push.key)}",
    ]
    mail = alert_message(SPIKE, SAM, _chart(), "sw <sw@example.org>", now)
    assert push.key == mail.key and push.severity == "warning"  # the same news: the same key
    assert message_id(push.key, "sw <sw@example.org>").startswith(f"<{push_ref(push.key)}")
    assert "https://" not in push_alert(SPIKE, SAM, "sw", now).text  # no [web] public_url: no link


def test_activity_data_cannot_break_a_push_line() -> None:
    hostile = replace(SPIKE, title="Run\r\nPriority: max\x1b[31m", also=[])
    push = push_alert(hostile, SAM, "sw", clock.now())
    assert "\n" not in push.subject and "\x1b" not in push.subject and "\r" not in push.text


def test_a_digest_is_a_short_summary() -> None:
    findings = [replace(SPIKE, severity="caution", title=f"finding {i}") for i in range(7)]
    day = clock.now().date()
    guide = Guidance(
        day,
        Ceiling("run", 13_200, "long-run-spike", "1.1 x your longest run"),
        Ceiling("week", 52_000, "weekly-volume-jump", "1.3 x your weekly mean"),
        (),
        Longest(30, 12_000),
        40.0,
        1.1,
        1.3,
    )
    digest = DigestContent("2026-11-22", findings, {"acwr": 2}, ["cleared one"], guide)
    push = push_digest(digest, SAM, "sw", clock.now(), "https://sw.example.org/athletes/sam")
    lines = push.text.splitlines()
    assert lines[:6] == [f"Caution: finding {i}" for i in range(5)] + ["+ 2 more"]
    assert "2 finding(s) in older runs" in lines and "1 no longer the case" in lines
    assert "Next run: under 13.2 km" in lines and lines[-2] == "https://sw.example.org/athletes/sam"
    assert push.key == "digest:sam:2026-11-22" and push.subject.startswith(
        "Digest 2026-11-22: Caution: finding 0"
    )


@pytest.mark.parametrize(
    ("messages", "permanent", "why"),
    [
        (["Failed to send ntfy notification to topic 'x': limit reached, error=42901."], False, "HTTP 429"),
        (["Failed to send Gotify notification: Service Unavailable, error=503."], False, "HTTP 503"),
        (["Failed to send ntfy notification: unauthorized, error=40101."], True, "HTTP 401"),
        (["Failed to send JSON POST notification: Forbidden., error=403."], True, "HTTP 403"),
        (["Failed to send Telegram notification: Not Found, error=404."], True, "HTTP 404"),
        (["A Connection error occurred sending Gotify notification to host."], False, "no connection"),
        (["something odd"], False, "not accepted (something odd)"),
        ([], False, "not accepted (no reason given)"),
    ],
)
def test_failures_are_sorted_by_the_status_the_service_answered(
    messages: list[str], permanent: bool, why: str
) -> None:
    assert classify(messages)[0] is permanent and why in classify(messages)[1]
    assert classify(messages, timed_out=True) == (False, "timed out")


@pytest.mark.parametrize(
    ("url", "secrets", "shown"),
    [
        (
            "ntfys://:tk_abcdef123@ntfy.example.org/my-topic?priority=high",
            ["tk_abcdef123", "my-topic"],
            "ntfys://ntfy.example.org",
        ),
        ("gotify://gotify.example.org:8080/AbCdEf12345", ["AbCdEf12345"], "gotify://gotify.example.org"),
        (
            "tgram://123456789:AAE-bot_Token/987654321",
            ["123456789", "AAE-bot_Token", "987654321"],
            "tgram://***",
        ),
        ("ntfy://secret-topic-name", ["secret-topic-name"], "ntfy://***"),
        (
            "json://hooks.example.org/path/hook_S3cret?token=qs_S3cret",
            ["hook_S3cret", "qs_S3cret"],
            "json://hooks.example.org",
        ),
    ],
)
def test_every_secret_piece_of_a_url_is_redacted(url: str, secrets: list[str], shown: str) -> None:
    parts = secret_parts(url)
    said = redact(f"sending to {url} failed; token {secrets[-1]}", parts)
    assert not any(secret in said for secret in secrets), said
    assert public_name(url) == shown and not any(secret in shown for secret in secrets)
    assert "example.org" not in parts  # a real host name is no secret


def test_plain_options_of_a_url_are_not_taken_for_secrets() -> None:
    parts = secret_parts(
        "ntfys://:tk_abcdef123@ntfy.example.org/topic9?auth=token&priority=high&format=markdown"
    )
    assert {"token", "high", "markdown", "8080"}.isdisjoint(parts) and "tk_abcdef123" in parts


def _chart() -> object:
    from strainwatch.notify.chart import sample_chart

    return sample_chart(clock.now().date())
