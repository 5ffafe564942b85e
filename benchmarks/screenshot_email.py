"""Render a warning email and a digest as a mail client would show their HTML, and take
screenshots with headless Chromium (Debian's `chromium` package).

Run:  python benchmarks/screenshot_email.py [OUT_DIR]

Writes alert.html, alert.png, alert.txt (the plain-text body), and the same for the digest.
The messages are built by the real renderer from a synthetic runner history with a planted
long-run spike and the hostile activity name of the mail tests.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from strainwatch.alerts.guidance import guidance
from strainwatch.metrics.history import History
from strainwatch.notify.chart import weekly_chart
from strainwatch.notify.render import AlertContent, DigestContent, Recipient, alert_message, digest_message
from strainwatch.rules.registry import effective, evaluate_day
from strainwatch.units import say

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.histories import make_run, steady

HOSTILE = "Run Easy run\r\nBcc: someone@example.org <script>alert(1)</script>"  # the `history` fixture of tests/conftest.py


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "email-screenshots")
    out.mkdir(parents=True, exist_ok=True)
    today = date(2026, 11, 22)
    runs = steady(today - timedelta(weeks=11), 11)
    runs.append(make_run(9999, today - timedelta(days=1), 26.0, text=HOSTILE))
    history = History.build(runs, today)
    [finding] = [
        f
        for f in evaluate_day(history, today - timedelta(days=1), effective({}))
        if f.rule == "long-run-spike"
    ]
    chart = weekly_chart(history, today, effective({}), frozenset({finding.day}))
    content = AlertContent(
        fingerprint="sam:long-run-spike:activity:9999",
        rule=finding.rule,
        severity=finding.severity.label,
        day=finding.day.isoformat(),
        title=say(finding.title, "km"),
        summary=say(finding.summary, "km"),
        advice=say(finding.advice, "km"),
        numbers=dict(finding.numbers),
        modifiers=finding.modifiers,
        activities=[f"Sat 21 Nov: {HOSTILE}, 26.00 km"],
    )
    who = Recipient("sam", "Sam", "sam@example.org")
    now = datetime(2026, 11, 22, 7, tzinfo=UTC)
    pages = {
        "alert": alert_message(content, who, chart, "strainwatch <sw@example.org>", now),
        "digest": digest_message(
            DigestContent(
                "2026-11-22",
                [content],
                {"acwr": 3, "long-run-spike": 1},
                ["Every day looks the same"],
                guidance(history, today, effective({})),
            ),
            who,
            chart,
            "strainwatch <sw@example.org>",
            now,
        ),
    }
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    for name, message in pages.items():
        page = out / f"{name}.html"
        page.write_text(message.html, encoding="utf-8")
        (out / f"{name}.txt").write_text(message.text, encoding="utf-8")
        print(f"{page}: subject {message.subject!r}")
        if browser is None:
            print("  no chromium on this machine: apt-get install chromium for the screenshot")
            continue
        shot = out / f"{name}.png"
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                f"--screenshot={shot}",
                "--window-size=700,1400",
                "--hide-scrollbars",
                page.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        print(f"  screenshot: {shot}")


if __name__ == "__main__":
    main()
