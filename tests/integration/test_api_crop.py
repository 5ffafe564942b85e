"""`strainwatch activity ID --crop HH:MM-HH:MM` on runs that came from Strava and
intervals.icu (their local fakes, real HTTP on 127.0.0.1): the streams are fetched again
and cleaned with the crop, whatever the run's age; the crop outlives the source's next edit
and goes with --reset; a manual entry has nothing to crop and says so in one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.support import clock
from tests.support.sources import SourceHarness, days_ago, source_harness

NOW = clock.now().replace(microsecond=0)


@pytest.fixture(params=["strava", "intervals"])
def api_source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SourceHarness]:
    with source_harness(request.param, tmp_path, f"sqlite:///{tmp_path}/sw.db") as harness:
        config = tmp_path / "config.toml"  # the harness's athlete lives at UTC: so does the CLI's
        config.write_text(
            config.read_text(encoding="utf-8").replace('"Europe/Berlin"', '"UTC"'), encoding="utf-8"
        )
        yield harness


def _cli(source: SourceHarness, *args: str) -> Any:
    from strainwatch.cli.main import cli

    return CliRunner().invoke(cli, ["--config", str(source.tmp / "config.toml"), *args], env=clock.env())


def _stored(source: SourceHarness, name: str) -> dict[str, Any]:
    rows = json.loads(_cli(source, "activities", "--json").stdout)
    return next(r for r in rows if r["external_id"] == source.key(name))


def _streams_asked(source: SourceHarness, name: str) -> int:
    if source.strava is not None:
        return len(source.strava.calls(f"/activities/{source.key(name)}/streams"))
    assert source.intervals is not None
    return len(source.intervals.calls(f"/api/v1/activity/{source.key(name)}/streams"))


def test_a_crop_of_a_synced_run_keeps_only_that_part_through_an_edit(api_source: SourceHarness) -> None:
    source = api_source
    start = days_ago(NOW, 2).replace(hour=8, minute=0, second=0)
    source.add_run("a", start, 10.8)  # 08:00 to 08:59 at 3.03 m/s
    source.sync(NOW)
    whole = source.activity_id("a")
    assert source.counted()[source.key("a")] == pytest.approx(10_800, rel=0.01)

    said = _cli(source, "activity", str(whole), "--crop", "08:00-08:30")
    assert said.exit_code == 0, said.output
    assert f"its {'strava' if source.strava else 'intervals'} streams are fetched again" in said.stdout
    asked = _streams_asked(source, "a")
    source.sync(NOW + timedelta(minutes=10))
    assert _streams_asked(source, "a") == asked + 1
    cropped = source.counted()[source.key("a")]
    assert 5300 <= cropped <= 5600  # half an hour at 3.03 m/s
    row = _stored(source, "a")
    assert [c["kind"] for c in row["corrections"]] == ["crop"] and 1780 <= row["moving_time_s"] <= 1810

    source.sync(NOW + timedelta(minutes=20))  # a pass with nothing new: the crop stands, no request
    assert source.counted()[source.key("a")] == pytest.approx(cropped)
    source.edit("a")  # renamed, 1 % longer: the summary comes again, and the crop over it
    source.sync(NOW + timedelta(hours=2))
    assert source.counted()[source.key("a")] == pytest.approx(cropped, rel=0.01)

    assert _cli(source, "activity", str(whole), "--reset").exit_code == 0
    source.sync(NOW + timedelta(hours=3))
    assert source.counted()[source.key("a")] == pytest.approx(10_908, rel=0.01)  # the edited summary
    assert not _stored(source, "a")["corrections"]


def test_a_crop_of_a_run_older_than_the_analysis_window_fetches_its_streams(
    api_source: SourceHarness,
) -> None:
    source = api_source
    start = days_ago(NOW, 50).replace(hour=18, minute=0, second=0)
    source.add_run("old", start, 10.8)
    source.sync(NOW)
    assert _streams_asked(source, "old") == 0  # beyond the 42 days whose streams are read
    said = _cli(source, "activity", str(source.activity_id("old")), "--crop", "18:30-19:00")
    assert said.exit_code == 0, said.output
    source.sync(NOW + timedelta(minutes=10))
    assert _streams_asked(source, "old") == 1
    assert 4900 <= source.counted()[source.key("old")] <= 5500  # 18:30 to its end at 18:59


def test_a_manual_entry_cannot_be_cropped_and_says_what_to_do_instead(api_source: SourceHarness) -> None:
    source = api_source
    source.add_run("m", days_ago(NOW, 1).replace(hour=7, minute=0, second=0), 5.0, manual=True)
    source.sync(NOW)
    manual = source.activity_id("m")
    refused = _cli(source, "activity", str(manual), "--crop", "07:00-07:20")
    assert refused.exit_code == 1
    [line] = refused.stderr.splitlines()
    assert line.startswith(f"strainwatch: error: cannot crop #{manual} (")
    assert "a manual entry" in line and f"`strainwatch activity {manual} --distance KM`" in line
    assert source.counted() == {source.key("m"): pytest.approx(5000)}  # nothing changed
