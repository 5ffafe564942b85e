"""The words the mail uses about what the runner ran (issue 21), as pure text: a run left
out of running load, and a warning withdrawn after a correction, in km and in miles."""

from __future__ import annotations

from datetime import UTC, datetime, time

from strainwatch.alerts.guidance import Guidance
from strainwatch.notify.channels.push.render import push_digest
from strainwatch.notify.chart import Chart
from strainwatch.notify.notification import Recipient
from strainwatch.notify.render import DigestContent, digest_message
from strainwatch.rules.ceilings import Longest
from strainwatch.views.activity import left_out_line, left_out_reason
from strainwatch.views.alert import withdrawal_sentence
from tests.support import clock


def test_a_vehicle_like_run_is_named_with_its_distance_pace_and_the_way_to_count_it() -> None:
    reason = left_out_reason("Run", 22_100.0, 22.1 * 62, "km")
    assert reason == "22.10 km at 1:02/km: too fast for a run, looks like a vehicle"
    assert left_out_reason("Run", 22_100.0, 22.1 * 62, "mi") == (
        "13.73 mi at 1:40/mi: too fast for a run, looks like a vehicle"
    )
    assert left_out_reason("Ride", 22_100.0, 22.1 * 62, "km") is None  # a ride needs no word
    assert left_out_reason("Run", 10_000.0, 3000.0, "km") is None  # 5:00/km counts
    day = datetime.combine(clock.today(), time(7, 5), UTC)
    line = left_out_line(day, "Home\r\n\x1b[31mBcc: x", 41, reason)
    assert line == (
        f"{day:%a %d %b}, Home Bcc: x: 22.10 km at 1:02/km: too fast for a run, looks like a vehicle; "
        "`strainwatch activity 41 --running` if it was a run"
    )
    assert left_out_line(day, None, 41, reason).startswith(f"{day:%a %d %b}, run: 22.10 km")


def test_a_withdrawal_says_what_the_run_was_in_the_runners_units() -> None:
    day = clock.today()
    assert withdrawal_sentence("warning", day, 21_740.0, 9_100.0, units="km") == (
        f"the 21.7 km run on {day:%a %d %b} was 9.1 km: warning withdrawn"
    )
    assert withdrawal_sentence("caution", day, 21_740.0, 9_100.0, units="mi", title="Long run") == (
        f"the 13.5 mi run on {day:%a %d %b} was 5.7 mi: caution withdrawn (Long run)"
    )
    assert withdrawal_sentence("warning", day, None, "not a run", units="km") == (
        f"the run on {day:%a %d %b} was not a run: warning withdrawn"
    )


def _digest(**words: list[str]) -> DigestContent:
    guide = Guidance(clock.today(), None, None, (), Longest(30, 12_000), 40.0, 1.1, 1.3)
    return DigestContent("2026-11-22", [], {}, [], guide, "km", **words)


def test_the_digest_and_its_push_twin_carry_both_kinds_of_line() -> None:
    sam = Recipient("sam", "Sam", "sam@example.org")
    withdrawn = ["the 21.7 km run on Sun 17 Jan was 9.1 km: warning withdrawn"]
    left_out = [f"Sun 17 Jan, Drive <b>: 22.10 km at 1:02/km … {i}" for i in range(3)]
    content = _digest(withdrawn=withdrawn, not_counted=left_out)
    chart = Chart((), None, (0.8, 1.5))
    mail = digest_message(content, sam, chart, "sw <sw@example.org>", clock.now())
    assert "1 withdrawn, 3 not counted" in mail.subject
    assert withdrawn[0] in mail.text and left_out[2] in mail.text
    assert "Drive <b>" not in mail.html and "Drive &lt;b&gt;" in mail.html
    push = push_digest(content, sam, "sw", clock.now()).text.splitlines()
    assert withdrawn[0] in push and f"Not counted: {left_out[2]}" in push  # the newest two, then a count
    assert f"Not counted: {left_out[0]}" not in push
    assert "Not counted: and 1 older: `strainwatch activities` names them" in push


def test_a_first_sync_of_years_names_the_newest_five_and_counts_the_rest() -> None:
    sam = Recipient("sam", "Sam", "sam@example.org")
    left_out = [f"run {i}: 22.10 km at 1:02/km" for i in range(7)]
    mail = digest_message(_digest(not_counted=left_out), sam, Chart((), None, (0.8, 1.5)), "sw", clock.now())
    assert "7 not counted" in mail.subject
    assert "run 1:" not in mail.text and all(f"run {i}:" in mail.text for i in range(2, 7))
    assert "and 2 older: `strainwatch activities` names them" in mail.text
