"""Issue 17, the pure parts: fuzzed files never raise anything but a file error, bad samples
are dropped, text is cleaned, non-finite numbers never reach JSON, config values are checked."""

from __future__ import annotations

import gzip
import io
import json
import math
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strainwatch.domain import Track
from strainwatch.errors import ActivityFileError, ConfigError
from strainwatch.kinds import parse_settings
from strainwatch.metrics.activity import compute_metrics
from strainwatch.safe_text import NAME_LIMIT, clean_line, clean_text
from strainwatch.sources.files.activity_files import parse_stream
from strainwatch.sources.files.importing.analyse import analyse
from strainwatch.sources.files.importing.discover import plan_import
from strainwatch.store.models import Activity
from strainwatch.views.activity import activity_json
from tests.support.paths import CORPUS

SEEDS = [
    CORPUS / "formats" / "tomtom_run.gpx",
    CORPUS / "formats" / "run_garmin.tcx",
    CORPUS / "formats" / "nike_run.gpx",
    CORPUS / "formats" / "2020-12-02T06_08_29-300_Running.tcx",
]


def _seed(index: int) -> bytes:
    path = SEEDS[index % len(SEEDS)]
    if not path.is_file():
        pytest.skip(f"corpus file {path} missing")
    return path.read_bytes()[:6_000]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(_seed(draw(st.integers(0, len(SEEDS) - 1))))
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "dup"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 2000))]
        elif kind == "insert":
            data[at:at] = draw(
                st.sampled_from(
                    [b"<!DOCTYPE x>", b"&x;", b"<trkpt>", b"\x00", b"Infinity", b"<<", b"9999-", b"\xff\xfe"]
                )
            )
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 500))]
    return bytes(data)


FUZZ = settings(max_examples=120, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(mutated(), st.booleans(), st.sampled_from(["utf-8", "utf-16-le"]))
def test_fuzzed_gpx_and_tcx_only_ever_raise_a_file_error(data: bytes, gzipped: bool, encoding: str) -> None:
    if encoding != "utf-8":
        data = data.decode("utf-8", "replace").encode(encoding)
    if gzipped:
        data = gzip.compress(data)
    try:
        for activity in parse_stream(io.BytesIO(data), "fuzz.gpx"):
            metrics = compute_metrics(activity.track, activity.summary)
            assert math.isfinite(metrics.distance_m)
    except ActivityFileError:
        pass


@FUZZ
@given(mutated(), st.binary(max_size=200), st.integers(0, 4000))
def test_fuzzed_exports_end_as_outcomes(
    tmp_path_factory: pytest.TempPathFactory, member: bytes, csv_tail: bytes, cut: int
) -> None:
    folder = tmp_path_factory.mktemp("zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "e/activities.csv",
            b"Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Filename\n1,x,a,Run,,activities/1.gpx\n"
            + csv_tail,
        )
        archive.writestr("e/activities/1.gpx", member)
    data = buffer.getvalue()
    path = folder / "export.zip"
    path.write_bytes(data[: len(data) - cut] if cut < len(data) else data)
    plan = plan_import([path], {})
    for job in plan.jobs:
        result = analyse(job, 5.0)
        assert result.problem is not None or result.activities
    for settled in plan.settled:
        assert settled.problem is not None and settled.reason


def test_fuzz_seed_files_import_whole() -> None:
    for path in SEEDS:
        assert parse_stream(io.BytesIO(path.read_bytes()), path.name)


def _track(lats: list[float], lons: list[float], alts: list[float] | None = None) -> Track:
    track = Track()
    start = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
    for i, (la, lo) in enumerate(zip(lats, lons, strict=True)):
        track.append(start + i, la, lo, (alts or [math.nan] * len(lats))[i])
    return track


def test_a_longitude_flipping_at_the_antimeridian_is_not_a_26000_km_run() -> None:
    lats = [10.0 + i * 0.00003 for i in range(600)]
    lons = [179.0 if i % 2 else -179.0 for i in range(600)]
    assert compute_metrics(_track(lats, lons)).distance_m == pytest.approx(2_000, rel=0.01)


def test_impossible_positions_and_a_one_sample_jump_are_dropped() -> None:
    lats = [52.5 + i * 0.00003 for i in range(600)]
    lons = [13.4] * 600
    reference = compute_metrics(_track(lats, lons)).distance_m
    lats[100], lons[100] = 95.0, 13.4  # beyond the pole
    lats[200], lons[200] = 0.0, 0.0  # no fix yet
    lats[300], lons[300] = -33.9, 151.2  # Sydney for one second
    assert compute_metrics(_track(lats, lons)).distance_m == pytest.approx(reference, rel=0.001)


def test_a_move_to_a_new_place_is_accepted_after_a_few_samples() -> None:
    """The first fix was the wrong one: after JUMP_RESET samples elsewhere, elsewhere is real."""
    lats = [0.5] + [52.5 + i * 0.00003 for i in range(599)]
    lons = [0.5] + [13.4] * 599
    assert compute_metrics(_track(lats, lons)).distance_m > 1_500


def test_an_elevation_of_minus_99999_m_is_not_a_climb() -> None:
    lats = [52.5 + i * 0.00003 for i in range(600)]
    alts = [40.0 if i % 50 else -99_999.0 for i in range(600)]
    ascent = compute_metrics(_track(lats, [13.4] * 600, alts)).ascent_m
    assert ascent is not None and ascent < 5


def test_text_is_cleaned_of_escapes_controls_and_bidi_overrides() -> None:
    assert clean_line("Easy \x1b]0;pwned\x07run \x1b[31mred\x1b[0m\u202e!\u202c\x00") == "Easy run red!"
    assert clean_line("two\nlines\ttabbed") == "two lines tabbed"
    assert clean_text("keeps\nnewlines") == "keeps\nnewlines"
    assert clean_text("\ud800lone surrogate") == "lone surrogate"
    long = clean_line("x" * 5000)
    assert long is not None and len(long) == NAME_LIMIT and long.endswith("…")
    assert clean_line("\x1b\x07") is None


def test_activities_json_never_holds_a_non_finite_number() -> None:
    from zoneinfo import ZoneInfo

    activity = Activity(
        id=1,
        athlete_id="sam",
        source="file",
        external_id="x",
        sport_type="Run",
        name="\x1b[2Jx",
        description=None,
        start_time=datetime(2024, 1, 1, tzinfo=UTC),
        distance_m=math.inf,
        moving_time_s=math.nan,
        elapsed_time_s=10.0,
        ascent_m=-math.inf,
        descent_m=None,
        pace_s_per_km=None,
        gap_s_per_km=math.nan,
        avg_hr=math.inf,
        max_hr=None,
        gear=None,
        trainer=False,
        manual=False,
        partial_reason=None,
        raw={},
    )
    document = activity_json(activity, ZoneInfo("UTC"))
    json.dumps(document, allow_nan=False)
    assert document["avg_hr"] is None and document["distance_m"] is None and document["name"] == "x"


_BASE = '[[athletes]]\nid = "sam"\nname = "Sam"\nemail = "sam@example.org"\n'


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (_BASE + 'timezone = "Europe"\n', "key 'timezone': unknown time zone 'Europe'"),
        (_BASE + f'timezone = "Europe/{"A" * 56}"\n', "key 'timezone': unknown time zone"),
        (_BASE + f'timezone = "{"A" * 256}"\n', "key 'timezone'"),
        (
            _BASE + f'[athletes.files]\npaths = ["/srv/{"a" * 256}"]\n',
            "key 'paths' (item 1): a folder or file name",
        ),
        (
            '[storage]\nurl = "postgresql://[::1/x"\n' + _BASE,
            "[storage], key 'url': not a valid database URL",
        ),
        (
            '[strava]\nclient_id = 1\napi_url = "http://[::1"\n' + _BASE,
            "[strava], key 'api_url': not a valid URL",
        ),
        ("a = " + "[" * 50_000 + "]" * 50_000 + "\n" + _BASE, "nested too deeply"),
        (_BASE + "[athletes.files]\ntime_limit = nan\n", "key 'time_limit'"),
        (_BASE + "[athletes.files]\ntime_limit = 1e300\n", "key 'time_limit'"),
        (f'[notify]\nmbox = "/tmp/{"b" * 300}"\n' + _BASE, "[notify], key 'mbox'"),
    ],
)
def test_config_values_that_could_crash_are_refused_by_file_table_and_key(toml: str, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_settings(toml, Path("/etc/strainwatch/config.toml"))
    assert "/etc/strainwatch/config.toml" in str(refused.value)
    assert message in str(refused.value)


def test_a_tilde_sqlite_url_is_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/sam")
    settings_ = parse_settings('[storage]\nurl = "sqlite:///~/sw.db"\n' + _BASE, Path("/etc/sw/config.toml"))
    assert settings_.database_url == "sqlite:////home/sam/sw.db"


def test_timestamps_past_9999_or_before_0001_are_file_errors() -> None:
    body = (
        '<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        '<trkpt lat="1" lon="1"><time>9999-12-31T23:59:59-01:00</time></trkpt></trkseg></trk></gpx>'
    )
    with pytest.raises(ActivityFileError, match="invalid timestamp"):
        parse_stream(io.BytesIO(body.encode()), "x.gpx")
