"""The runner's mailbox over a real year: runner-2020 arriving one day at a time.

Run:  python benchmarks/bench_replay.py [--corpus DIR] [--in-process] [--keep DIR]

Each day from the first run to a week after the last, the files of that day's runs are
copied into the watched folder and one `strainwatch sync` runs with its clock pinned to
20:00 local time (`STRAINWATCH_NOW`), mail going to the default mbox beside the database, as
a new user's timer would. By default every pass is a real `python -m strainwatch` process;
`--in-process` calls the same click command in this process (the same code path, minus the
interpreter start-up) and is several times faster.

Prints: mails per month, the busiest 7 days, ACWR alerts per year, alerts per rule and
severity, whether `strainwatch backtest --mail` over the same store lists exactly the mail the
passes sent, and the mails day by day. To measure another checkout, run this script with
PYTHONPATH=<checkout>/daemon.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import mailbox
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ZONE = "America/Recife"  # where runner-2020 ran (the README example's time zone)
_TIME = re.compile(rb"<time>([^<]+)</time>")


def run_day(path: Path, zone: ZoneInfo) -> date:
    """The local date of a GPX file's first fix."""
    with path.open("rb") as handle:
        head = handle.read(64_000)
    found = _TIME.search(head)
    if found is None:
        raise SystemExit(f"{path}: no <time> in the first 64 kB")
    stamp = datetime.fromisoformat(found.group(1).decode().replace("Z", "+00:00"))
    return stamp.astimezone(zone).date()


def config_text(root: Path) -> str:
    return (
        f'[storage]\nurl = "sqlite:///{root}/state/strainwatch.db"\n\n'
        '[[athletes]]\nid = "runner"\nname = "Replay Runner"\nemail = "runner@example.org"\n'
        f'timezone = "{ZONE}"\n\n[athletes.files]\npaths = ["{root}/inbox"]\n'
    )


def sync(config: Path, now: str, in_process: bool) -> None:
    env = {**os.environ, "STRAINWATCH_NOW": now}
    args = ["--config", str(config), "-q", "sync"]
    if not in_process:
        subprocess.run(
            [sys.executable, "-m", "strainwatch", *args], env=env, check=True, stdout=subprocess.DEVNULL
        )
        return
    from strainwatch.cli.main import cli

    os.environ["STRAINWATCH_NOW"] = now
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            cli.main(args, prog_name="strainwatch", standalone_mode=False)
    finally:
        del os.environ["STRAINWATCH_NOW"]


def cli_json(config: Path, *args: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-m", "strainwatch", "--config", str(config), *args, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def compare_with_preview(config: Path, last: date, mails: list[tuple[date, str, str]]) -> None:
    """`backtest --mail` over the same store must list exactly the mail the passes sent."""
    try:
        preview = cli_json(config, "backtest", "--mail", "--at", "20:00", "--until", last.isoformat())
    except subprocess.CalledProcessError as exc:
        print(f"backtest --mail: not available here ({exc.stderr.strip().splitlines()[-1]})")
        return
    listed = [(date.fromisoformat(m["date"]), m["kind"], m["subject"]) for m in preview["mails"]]
    if sorted(listed) == mails:
        print(f"backtest --mail agrees with the replay: the same {len(mails)} mails (date, kind, subject)")
        return
    print("backtest --mail DISAGREES with the replay:")
    for item in sorted(set(listed) ^ set(mails)):
        print(
            f"  {'preview only' if item in listed else 'sent only':<12}  {item[0]}  {item[1]:<6}  {item[2]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=Path(os.environ.get("STRAINWATCH_CORPUS", "tests/corpus"))
    )
    parser.add_argument("--in-process", action="store_true", help="call the sync command in this process")
    parser.add_argument(
        "--keep", type=Path, help="work in this folder and keep it (default: a temporary one)"
    )
    args = parser.parse_args()
    zone = ZoneInfo(ZONE)
    files = sorted((args.corpus / "runner-2020").glob("*.gpx"))
    by_day: dict[date, list[Path]] = {}
    for f in files:
        by_day.setdefault(run_day(f, zone), []).append(f)
    first, last = min(by_day), max(by_day) + timedelta(days=7)
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-replay-"))
    if args.keep and root.exists():
        shutil.rmtree(root)
    (root / "inbox").mkdir(parents=True)
    (root / "state").mkdir()
    config = root / "strainwatch.toml"
    config.write_text(config_text(root), encoding="utf-8")

    started = time.perf_counter()
    day = first
    passes = 0
    while day <= last:
        for f in by_day.get(day, []):
            shutil.copy(f, root / "inbox" / f.name)
        sync(
            config,
            datetime.combine(day, datetime.min.time().replace(hour=20), zone).isoformat(),
            args.in_process,
        )
        passes += 1
        day += timedelta(days=1)
    elapsed = time.perf_counter() - started

    mails = []
    for message in mailbox.mbox(root / "state" / "mail.mbox"):
        sent = parsedate_to_datetime(message["Date"]).astimezone(zone)
        subject = re.sub(r"\r?\n", "", str(message["Subject"])).removeprefix("[strainwatch] ")
        kind = "digest" if subject.startswith("Digest") else "alert"
        mails.append((sent.date(), kind, subject))
    mails.sort()
    alerts = cli_json(config, "alerts", "--all")

    months = (last - first).days / 30.44
    per_month = Counter(d.strftime("%Y-%m") for d, _, _ in mails)
    busiest = max(
        (
            (sum(1 for d, _, _ in mails if start <= d < start + timedelta(days=7)), start)
            for start in (first + timedelta(days=i) for i in range((last - first).days + 1))
        ),
        default=(0, first),
    )
    print(
        f"runner-2020: {len(files)} files, {passes} daily passes {first}..{last} "
        f"({'in-process' if args.in_process else 'one process per pass'}), {elapsed:.0f} s"
    )
    print(
        f"mails: {len(mails)} in {months:.1f} months = {len(mails) / months:.1f} a month "
        f"({Counter(k for _, k, _ in mails)['alert']} alerts at once, "
        f"{Counter(k for _, k, _ in mails)['digest']} digests)"
    )
    print("  per month: " + ", ".join(f"{m} {n}" for m, n in sorted(per_month.items())))
    print(f"busiest 7 days: {busiest[0]} mails from {busiest[1]}")
    acwr = Counter(str(a["date"])[:4] for a in alerts if a["rule"] == "acwr")
    print("ACWR alerts per year: " + (", ".join(f"{y} {n}" for y, n in sorted(acwr.items())) or "none"))
    print(f"alerts stored: {len(alerts)}; per rule and severity:")
    for (rule, severity), n in sorted(Counter((str(a["rule"]), str(a["severity"])) for a in alerts).items()):
        print(f"  {rule:<20} {severity:<8} {n}")
    compare_with_preview(config, last, mails)
    print("mails day by day:")
    for d, kind, subject in mails:
        print(f"  {d}  {kind:<6}  {subject}")
    if not args.keep:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
