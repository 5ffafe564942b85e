"""The expat readers of GPX and TCX: what ElementTree's `.text` would give, in bounded memory,
and timestamps read the fast way to the same value as the slow one."""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strainwatch.errors import ActivityFileError
from strainwatch.sources.files import gpx
from strainwatch.sources.files.activity_files import parse_stream
from strainwatch.sources.files.tcx import parse_tcx
from strainwatch.sources.files.timestamps import epoch_seconds, parse_iso_utc

HEAD = (
    '<gpx xmlns="http://www.topografix.com/GPX/1/1" '
    'xmlns:g="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" creator="watch">'
)


def _point(second: int, inner: str = "") -> str:
    return f'<trkpt lat="52.5" lon="13.{second}"><time>2024-05-01T06:00:{second:02d}Z</time>{inner}</trkpt>'


def _gpx(body: str, meta: str = "") -> bytes:
    return f"{HEAD}<trk>{meta}<trkseg>{body}</trkseg></trk></gpx>".encode()


def test_fields_are_read_as_elementtree_text_would_be() -> None:
    first = (
        '<trkpt lat="52.5" lon="13.4"><ele>4<!-- split -->1.5<b/>99</ele>'
        "<time><![CDATA[2024-05-01T06:00:00Z]]></time>"
        "<extensions><g:TrackPointExtension><g:hr>1&#52;0</g:hr><g:cad> 85 </g:cad>"
        "</g:TrackPointExtension></extensions></trkpt>"
    )
    meta = "<name>Lauf &amp; <b>mehr</b> tail</name><desc><!-- c -->Easy</desc><type>running</type>"
    [activity] = parse_stream(io.BytesIO(_gpx(first + _point(5), meta)), "x.gpx")
    track = activity.track
    assert (track.altitude[0], track.heart_rate[0], track.cadence[0]) == (41.5, 140.0, 85.0)
    assert (activity.name, activity.description, activity.sport_type) == ("Lauf &", "Easy", "Run")
    assert activity.device == "watch"
    assert list(track.time) == [parse_iso_utc(f"2024-05-01T06:00:0{s}Z").timestamp() for s in (0, 5)]


def test_heart_rate_is_read_only_inside_a_child_of_the_point() -> None:
    direct = _point(0, "<g:hr>150</g:hr>")
    nested = _point(1, "<extensions><g:a><g:b><g:heartrate>151</g:heartrate></g:b></g:a></extensions>")
    [activity] = parse_stream(io.BytesIO(_gpx(direct + nested)), "x.gpx")
    hr = list(activity.track.heart_rate)
    assert math.isnan(hr[0]) and hr[1] == 151.0


def test_a_description_is_kept_to_its_first_megabyte_whatever_splits_it() -> None:
    piece = "D" * 60_000 + "<!-- -->"
    desc = piece * 40  # 2.4 MB of text in runs the reader's markup limit never sees whole
    [activity] = parse_stream(io.BytesIO(_gpx(_point(0) + _point(5), f"<desc>{desc}</desc>")), "x.gpx")
    assert activity.description == "D" * gpx.MAX_FIELD_CHARS


def test_a_point_spanning_more_than_its_byte_limit_is_refused() -> None:
    text = ("<!--" + "x" * 60_000 + "-->") * 40
    with pytest.raises(ActivityFileError, match="too many elements or bytes"):
        parse_stream(io.BytesIO(_gpx(_point(0, f"<extensions>{text}</extensions>") + _point(5))), "x.gpx")


def test_a_trackpoint_with_too_many_elements_is_refused() -> None:
    tcx = (
        "<TrainingCenterDatabase><Activities><Activity Sport='Running'><Lap><Track><Trackpoint>"
        + "<e/>" * 1000
        + "</Trackpoint></Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    )
    with pytest.raises(ActivityFileError, match="trackpoint with too many elements"):
        parse_tcx(io.BytesIO(tcx.encode()), "x.tcx")


def test_tcx_takes_the_first_heart_rate_that_is_a_number() -> None:
    point = (
        "<Trackpoint><Time>2024-05-01T06:00:0{}Z</Time><HeartRateBpm><Value>n/a</Value><Value>150</Value>"
        "<Value>160</Value></HeartRateBpm><Extensions><x:TPX xmlns:x='urn:x'><x:RunCadence>88</x:RunCadence>"
        "</x:TPX></Extensions></Trackpoint>"
    )
    tcx = (
        "<TrainingCenterDatabase><Activities><Activity Sport='Running'><Lap><TotalTimeSeconds>5</TotalTimeSeconds>"
        f"<Track>{point.format(0)}{point.format(5)}</Track></Lap><Notes> a<!-- -->b </Notes>"
        "<Creator><Name>Forerunner</Name></Creator></Activity></Activities></TrainingCenterDatabase>"
    )
    [activity] = parse_tcx(io.BytesIO(tcx.encode()), "x.tcx")
    assert list(activity.track.heart_rate) == [150.0, 150.0]
    assert list(activity.track.cadence) == [88.0, 88.0]
    assert (activity.description, activity.device, activity.summary.timer_time_s) == ("ab", "Forerunner", 5.0)


# hypothesis's bounds are naive; the values are UTC
_SECONDS = st.datetimes(datetime(1980, 1, 1), datetime(2099, 12, 31), timezones=st.just(UTC))  # noqa: DTZ001


@given(_SECONDS, st.sampled_from(["seconds", "milliseconds", "microseconds"]), st.integers(0, 3))
def test_fast_timestamps_equal_the_slow_ones(when: datetime, precision: str, later: int) -> None:
    """Consecutive samples share the minute the fast path keeps; each value must be the one
    `datetime.timestamp()` gives, to the bit."""
    for step in range(later + 1):
        text = (
            when.replace(second=min(59, when.second + step), tzinfo=None).isoformat(timespec=precision) + "Z"
        )
        assert epoch_seconds(text) == parse_iso_utc(text).timestamp()


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01T06:00:60Z",
        "2024-05-01T06:00:5xZ",
        "2024-05-01T06:00:05.12Z",
        " 2024-05-01T06:00:05Z ",
        "2024-05-01T06:00:٣5Z",
        "2024-05-01T06:00:05+02:00",
        "2024-05-01T06:00:05.1234567Z",
    ],
)
def test_unusual_timestamps_take_the_slow_path_to_the_same_outcome(text: str) -> None:
    epoch_seconds("2024-05-01T06:00:00Z")  # the minute is remembered
    try:
        expected: object = parse_iso_utc(text).timestamp()
    except ActivityFileError as exc:
        expected = str(exc)
    try:
        got: object = epoch_seconds(text)
    except ActivityFileError as exc:
        got = str(exc)
    assert got == expected
