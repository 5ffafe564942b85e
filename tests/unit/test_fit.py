"""The FIT decoder against fitdecode (the reference), on the corpus and on files made here."""

from __future__ import annotations

import gzip
import io
import math
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strainwatch.domain import ParsedActivity
from strainwatch.errors import ActivityFileError, NotAnActivity, UnusableActivity
from strainwatch.sources.files import fit_profile
from strainwatch.sources.files.activity_files import parse_stream
from strainwatch.sources.files.fit import parse_fit
from strainwatch.sources.files.fit_crc import crc_byte_sdk, fit_crc
from tests.support.fit_files import (
    FLOAT32,
    RECORD,
    SESSION,
    UINT8,
    UINT32,
    FitWriter,
    Sample,
    fit_time,
    profile_tables_source,
    reference_read,
    utc,
    write_run,
)
from tests.support.paths import CORPUS

CORPUS_FITS = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.glob("*/*.fit*"))
RAW_TEXT = re.compile(r"[A-Z]\w*(Error|Exception)\b|Traceback|struct\.|@ \d+")


def _bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _ours(data: bytes) -> tuple[str, object]:
    try:
        return "ok", parse_stream(io.BytesIO(data), "test.fit")
    except NotAnActivity as exc:
        return "not_activity", exc
    except UnusableActivity as exc:
        return "unusable", exc
    except ActivityFileError as exc:
        return "refused", exc


def _same(a: float, b: float) -> bool:
    if a != a or b != b:
        return a != a and b != b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_profile_tables_are_fitdecodes() -> None:
    assert Path(fit_profile.__file__).read_text(encoding="utf-8") == profile_tables_source()


def test_crc_is_the_sdks() -> None:
    data = os.urandom(1001)
    for cut in (0, 1, 2, 3, 500, 1001):
        expected = 0
        for byte in data[:cut]:
            expected = crc_byte_sdk(expected, byte)
        assert fit_crc(data[:cut]) == expected
    assert fit_crc(data[501:], fit_crc(data[:501])) == fit_crc(data)


def test_corpus_has_fit_files(corpus: Path) -> None:
    assert len(CORPUS_FITS) >= 18


@pytest.mark.parametrize("name", CORPUS_FITS)
def test_corpus_file_reads_as_fitdecode_reads_it(corpus: Path, name: str) -> None:
    data = _bytes(corpus / name)
    expected, detail = reference_read(data)
    outcome, ours = _ours(data)
    assert outcome == expected, (ours, detail)
    if outcome != "ok":
        assert not RAW_TEXT.search(str(ours)), ours
        return
    reference, stopped = detail  # type: ignore[misc]
    activities: list[ParsedActivity] = ours  # type: ignore[assignment]
    assert len(activities) == len(reference)
    for mine, ref in zip(activities, reference, strict=True):
        assert mine.raw["sport"] == ref.sport
        assert mine.device == ref.device
        summary = mine.summary
        assert (summary.distance_m, summary.timer_time_s, summary.elapsed_time_s) == ref.summary
        track = mine.track
        assert len(track) == len(ref.records)
        columns = (
            track.time,
            track.lat,
            track.lon,
            track.altitude,
            track.distance,
            track.heart_rate,
            track.cadence,
        )
        for i, record in enumerate(ref.records):
            for column, value in zip(columns, record, strict=True):
                assert _same(column[i], value), (i, record, [c[i] for c in columns])
        assert (mine.partial_reason is not None) == (stopped == "partial")
        assert (mine.raw["note"] is not None) == (stopped == "note")
        for text in (mine.partial_reason, mine.raw["note"]):
            assert text is None or not RAW_TEXT.search(text)


def _samples(start_minute: int = 0, count: int = 120, step: int = 1) -> list[Sample]:
    start = utc(2024, 5, 1, 7, start_minute)
    return [
        Sample(
            start + timedelta(seconds=i * step),
            52.5 + i * 1e-5,
            13.4 - i * 1e-5,
            2.5 * i,
            34.2 + (i % 7),
            140 + i % 20,
            85 + i % 3,
        )
        for i in range(count)
    ]


def _check_track(activity: ParsedActivity, samples: list[Sample]) -> None:
    track = activity.track
    assert [round(t) for t in track.time] == [s.time.timestamp() for s in samples]
    for i, s in enumerate(samples):
        assert track.lat[i] == pytest.approx(s.lat, abs=1e-6)
        assert track.lon[i] == pytest.approx(s.lon, abs=1e-6)
        assert track.distance[i] == pytest.approx(s.distance, abs=0.01)
        assert track.altitude[i] == pytest.approx(s.altitude, abs=0.2)
        assert (track.heart_rate[i], track.cadence[i]) == (s.heart_rate, s.cadence)


@pytest.mark.parametrize("big", [False, True], ids=["little-endian", "big-endian"])
@pytest.mark.parametrize("compressed", [False, True], ids=["full", "compressed-timestamps"])
@pytest.mark.parametrize("developer", [False, True], ids=["plain", "developer-fields"])
def test_generated_run_is_read_exactly(big: bool, compressed: bool, developer: bool) -> None:
    samples = _samples()
    writer = FitWriter(big_endian=big)
    write_run(writer, samples, compressed=compressed, developer=developer)
    [activity] = parse_fit(io.BytesIO(writer.part()), "run.fit")
    assert activity.sport_type == "Run"
    assert activity.device == "garmin fr945"
    assert activity.start_time == samples[0].time
    assert activity.partial_reason is None
    _check_track(activity, samples)


def test_big_endian_file_matches_its_little_endian_twin() -> None:
    """Some Lezyne and older devices write big-endian definitions; fitdecode agrees with us
    on them, or refuses with an internal error, which we must not."""
    samples = _samples()
    big, little = FitWriter(big_endian=True), FitWriter()
    write_run(big, samples)
    write_run(little, samples)
    [a] = parse_fit(io.BytesIO(big.part()), "a")
    [b] = parse_fit(io.BytesIO(little.part()), "b")
    assert a.track.columns() == b.track.columns()
    outcome, detail = reference_read(big.part())
    if outcome == "ok":
        [ref], _ = detail
        assert len(ref.records) == len(a.track)


def test_chained_parts_and_garbage_after_them() -> None:
    first, second = FitWriter(), FitWriter()
    write_run(first, _samples(0))
    write_run(second, _samples(30))
    data = first.part() + second.part()
    activities = parse_fit(io.BytesIO(data), "c")
    assert sum(len(a.track) for a in activities) == 240
    noted = parse_fit(io.BytesIO(data + b"\0" * 40), "c")[0]
    assert noted.partial_reason is None and noted.raw["note"] and "after the activity" in noted.raw["note"]


def test_a_bad_checksum_is_refused_even_where_decoding_would_stop_first(corpus: Path) -> None:
    """Damage inside the data once made fitdecode stop part-way and keep the records before
    it; the checksum is there to say the file is corrupt, so the file is refused."""
    data = bytearray((corpus / "formats" / "runpandas-fr645m-run.fit").read_bytes())
    data[len(data) // 2] ^= 0xFF
    with pytest.raises(ActivityFileError, match="checksum mismatch"):
        parse_fit(io.BytesIO(bytes(data)), "x")


def test_a_file_cut_before_its_checksum_keeps_what_was_read() -> None:
    writer = FitWriter()
    write_run(writer, _samples())
    data = writer.part()
    [activity] = parse_fit(io.BytesIO(data[: len(data) // 2]), "cut")
    assert activity.partial_reason and "file ends early" in activity.partial_reason
    assert 10 < len(activity.track) < 120


def test_impossible_and_non_finite_values_are_dropped() -> None:
    writer = FitWriter()
    writer.define(
        0,
        RECORD,
        [(253, 4, UINT32), (0, 4, 0x85), (1, 4, 0x85), (78, 4, FLOAT32), (3, 4, FLOAT32), (4, 1, UINT8)],
    )
    start = utc(2024, 1, 1)
    rows = [  # enhanced_altitude is stored as (metres + 500) * 5
        [fit_time(start), 0x7FFFFFF0, 10, -99_999.0, math.inf, 80],  # latitude past the pole, -20,500 m, inf
        [fit_time(start) + 1, 10, 10, math.nan, 1000.0, 80],  # a heart rate of 1,000
        [fit_time(start) + 2, 10, None, 3000.0, 150.0, 80],  # a latitude without its longitude; 100 m
    ]
    for row in rows:
        writer.message(0, row)
    [activity] = parse_fit(io.BytesIO(writer.part()), "odd")
    track = activity.track
    assert [v == v for v in track.lat] == [v == v for v in track.lon] == [False, True, False]
    assert [v == v for v in track.altitude] == [False, False, True]
    assert track.altitude[2] == 100.0
    assert [v == v for v in track.heart_rate] == [False, False, True]


def test_thirty_thousand_sessions_are_split_in_one_pass() -> None:
    """300,000 records in 30,000 sessions: each record goes to its session by time."""
    writer = FitWriter()
    writer.define(0, RECORD, [(253, 4, UINT32), (3, 1, UINT8)])
    writer.define(1, SESSION, [(2, 4, UINT32), (5, 1, 0x00)])
    start = fit_time(utc(2023, 1, 1))
    body = bytearray()
    for i in range(300_000):
        body += b"\x00" + (start + i).to_bytes(4, "little") + bytes((120 + i % 50,))
    for s in range(30_000):
        body += b"\x01" + (start + 10 * s).to_bytes(4, "little") + b"\x01"
    writer.body += body
    activities = parse_fit(io.BytesIO(writer.part()), "many")
    assert len(activities) == 30_000
    assert {len(a.track) for a in activities} == {10}
    assert activities[-1].external_id == "many#30000"
    assert (
        activities[12_345].track.time[0]
        == activities[12_345].start_time.timestamp()
        == start + 123_450 + 631065600
    )


def _run_bytes() -> bytes:
    writer = FitWriter()
    write_run(writer, _samples(count=40), compressed=True, developer=True)
    return writer.part()


SEEDS = [_run_bytes()]


def _with_crc(data: bytearray) -> bytes:
    """Recompute the checksums, so that decoding goes past them to the damage."""
    size = data[0] if data else 0
    if len(data) >= 14 and size >= 14:
        data[12:14] = fit_crc(bytes(data[:12])).to_bytes(2, "little")
    if len(data) >= 2:
        data[-2:] = fit_crc(bytes(data[:-2])).to_bytes(2, "little")
    return bytes(data)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["flip", "set", "truncate", "header", "insert"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if action == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "set":
            data[at] = draw(st.sampled_from([0x00, 0xFF, 0x40, 0x60, 0x80, 0x7F]))
        elif action == "truncate":
            del data[at:]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            field = draw(st.sampled_from([(0, 1), (1, 1), (4, 4)]))
            value = draw(st.integers(0, 2 ** (8 * field[1]) - 1))
            if len(data) >= field[0] + field[1]:
                data[field[0] : field[0] + field[1]] = value.to_bytes(field[1], "little")
    return _with_crc(data) if draw(st.booleans()) else bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_damaged_fit_is_a_clean_refusal_or_partial_read(data: bytes) -> None:
    outcome, result = _ours(data)
    if outcome != "ok":
        assert not RAW_TEXT.search(str(result)), result
        return
    for activity in result:  # type: ignore[attr-defined]
        track = activity.track
        assert len(track) >= 2
        assert all(math.isfinite(t) for t in track.time)
        assert all(v != v or -90 <= v <= 90 for v in track.lat)
        assert all(v != v or -500 <= v <= 9000 for v in track.altitude)
        assert all(v != v or math.isfinite(v) for column in track.columns().values() for v in column)
        for text in (activity.partial_reason, activity.raw["note"], activity.device):
            assert text is None or not RAW_TEXT.search(text)


@pytest.mark.parametrize(
    "name",
    ["formats/garmin-fenix-5-run.fit", "broken/elemnt-bolt-no-application-id-inside-developer-data-id.fit"],
)
def test_corpus_files_mutated_are_clean_refusals_or_partial_reads(corpus: Path, name: str) -> None:
    data = (corpus / name).read_bytes()
    SEEDS.append(data)
    try:
        test_damaged_fit_is_a_clean_refusal_or_partial_read()
    finally:
        SEEDS.remove(data)


def test_fields_of_unexpected_types_and_sizes_are_read_or_ignored() -> None:
    """What fitdecode raised internal errors on (a zero-sized field, a 16-byte header) or
    could not compare (a start time written as text): read where sensible, else ignored."""
    writer = FitWriter(header_size=16)
    start = fit_time(utc(2024, 2, 1)) // 128 * 128  # a float32 holds these times to 128 s
    writer.define(0, RECORD, [(253, 4, FLOAT32), (7, 0, UINT8), (0, 8, 0x8E), (3, 2, UINT8), (4, 1, UINT8)])
    writer.define(1, SESSION, [(2, 8, 0x07), (5, 1, 0x00)])
    for i in range(5):
        writer.message(0, [float(start + 128 * i), b"", i, [150, 151], 80])
    writer.message(1, ["yesterday", 1])  # a start time as text: no usable session
    [activity] = parse_fit(io.BytesIO(writer.part()), "odd-types")
    track = activity.track
    assert list(track.time) == [start + 128 * i + 631065600 for i in range(5)]
    assert all(v != v for v in track.heart_rate)  # an array, not one heart rate
    assert list(track.cadence) == [80.0] * 5
    assert activity.sport_type is None
