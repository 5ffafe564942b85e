"""The mail templates: one content object, two bodies; every value escaped in the HTML."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files

from strainwatch.notify.chart import sample_chart
from strainwatch.notify.notification import Recipient
from strainwatch.notify.render import AlertContent, alert_message, notice_message
from tests.support import clock

HOSTILE = "Run Easy run\r\nBcc: someone@example.org <script>alert(1)</script> & \"q\" 'a'"
NOW = datetime(2026, 11, 22, 7, tzinfo=UTC)
WHO = Recipient("sam", "Sam <b>", "sam@example.org")
CHART = sample_chart(clock.now().date())


def test_every_field_is_escaped_in_html_and_plain_in_text() -> None:
    content = AlertContent(
        fingerprint="sam:x",
        rule="long-run-spike",
        severity="warning",
        day="2026-11-21",
        title=HOSTILE,
        summary=HOSTILE,
        advice=HOSTILE,
        numbers={"<i>n": HOSTILE},
        modifiers=[HOSTILE],
        activities=[HOSTILE],
        previous_severity="caution",
        also=[HOSTILE],
    )
    n = alert_message(content, WHO, CHART, "strainwatch <sw@example.org>", NOW)
    assert "<script>" not in n.html and "<i>n" not in n.html and "Hello Sam &lt;b&gt;," in n.html
    assert n.html.count("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;q&#34; &#39;a&#39;") == 7
    assert n.text.count("<script>alert(1)</script> & \"q\" 'a'") == 7  # text is text: shown as it is
    assert "Hello Sam <b>," in n.text and "Now warning (was caution)" in n.text
    assert (
        "\r" not in n.subject
        and "\n" not in n.subject
        and n.subject.startswith("[strainwatch] Now a warning")
    )
    assert n.severity == "warning" and n.alert_keys == ("sam:x",) and n.key == "sam:x:warning"
    # the chart is drawn in both bodies from the same rows
    last = CHART.weeks[-1].week
    row = f"{last.start:%a %d %b}   41.0 km ############################## longest 10.0 km"
    assert (
        row + " <- this week (spike)" in n.text
        and "distance (km) of each week from the Monday shown" in n.text
    )
    assert n.html.count("<tr>") == 12 and "41.0 km" in n.html and "width:150px" in n.html


def test_a_notice_is_the_body_in_both() -> None:
    n = notice_message(WHO, "sw@example.org", "Strava", "Re-authorize <now>", key="k", now=NOW)
    assert n.text == "Hello Sam <b>,\n\nRe-authorize <now>\n"
    assert "<p>Re-authorize &lt;now&gt;</p>" in n.html and n.severity is None


def test_the_templates_are_package_data() -> None:
    folder = files("strainwatch.notify") / "templates"
    names = {entry.name for entry in folder.iterdir()}
    assert {f"{kind}.{ext}.j2" for kind in ("alert", "digest", "notice") for ext in ("txt", "html")} <= names
