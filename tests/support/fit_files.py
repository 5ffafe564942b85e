"""FIT files made at test time, and fitdecode as the reference reader.

`FitWriter` writes FIT files message by message, in either byte order, with compressed-
timestamp headers and developer fields when asked; `run_fit` makes a whole activity.
`reference_read` reads a file the way strainwatch did with fitdecode (the loop the decoder
replaced), so tests can hold the decoder to it. `python -m tests.support.fit_files` prints the
profile tables of `strainwatch.sources.files.fit_profile` from fitdecode's profile.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from strainwatch.sources.files.fit_crc import fit_crc

FIT_EPOCH_S = 631065600
SEMICIRCLES_PER_DEG = 2**31 / 180.0
# base type numbers
ENUM, SINT8, UINT8, SINT16, UINT16, SINT32, UINT32, STRING, FLOAT32, BYTE = (
    0x00, 0x01, 0x02, 0x83, 0x84, 0x85, 0x86, 0x07, 0x88, 0x0D,
)  # fmt: skip
_CODES = {
    ENUM: "B",
    SINT8: "b",
    UINT8: "B",
    SINT16: "h",
    UINT16: "H",
    SINT32: "i",
    UINT32: "I",
    FLOAT32: "f",
    0x8E: "q",
}
_INVALID = {
    ENUM: 0xFF,
    SINT8: 0x7F,
    UINT8: 0xFF,
    SINT16: 0x7FFF,
    UINT16: 0xFFFF,
    SINT32: 0x7FFFFFFF,
    UINT32: 0xFFFFFFFF,
}

FILE_ID, SESSION, LAP, RECORD, EVENT, DEVICE_INFO = 0, 18, 19, 20, 21, 23
DEVELOPER_DATA_ID, FIELD_DESCRIPTION = 207, 206


def fit_time(when: datetime) -> int:
    return int(when.timestamp()) - FIT_EPOCH_S


@dataclass
class _Definition:
    fields: list[tuple[int, int, int]]
    big: bool
    dev_sizes: list[int]


@dataclass
class FitWriter:
    """One FIT part; `parts()` of several writers chained make a chained FIT file."""

    big_endian: bool = False
    header_size: int = 14
    body: bytearray = field(default_factory=bytearray)
    _definitions: dict[int, _Definition] = field(default_factory=dict)

    def define(
        self,
        local: int,
        global_num: int,
        fields: list[tuple[int, int, int]],
        dev_fields: list[tuple[int, int, int]] = (),  # type: ignore[assignment]
        *,
        big: bool | None = None,
    ) -> None:
        """fields: (number, size, base type); dev_fields: (number, size, developer index)."""
        big = self.big_endian if big is None else big
        header = 0x40 | (0x20 if dev_fields else 0) | local
        self.body += struct.pack(
            ">BBBHB" if big else "<BBBHB", header, 0, 1 if big else 0, global_num, len(fields)
        )
        for number, size, base in fields:
            self.body += bytes((number, size, base))
        if dev_fields:
            self.body.append(len(dev_fields))
            for number, size, index in dev_fields:
                self.body += bytes((number, size, index))
        self._definitions[local] = _Definition(list(fields), big, [s for _, s, _ in dev_fields])

    def message(
        self, local: int, values: list[Any], *, time_offset: int | None = None, dev: bytes = b""
    ) -> None:
        """values in definition order; None writes the invalid value; bytes are written as they are."""
        definition = self._definitions[local]
        if time_offset is None:
            self.body.append(local)
        else:
            self.body.append(0x80 | (local << 5) | (time_offset & 0x1F))
        order = ">" if definition.big else "<"
        for (_, size, base), value in zip(definition.fields, values, strict=True):
            if isinstance(value, bytes):
                self.body += value.ljust(size, b"\0")[:size]
            elif base == STRING:
                self.body += (value or "").encode().ljust(size, b"\0")[:size]
            else:
                code = _CODES[base]
                count = size // struct.calcsize(code)
                items = value if isinstance(value, list | tuple) else [value] * count
                if value is None:
                    items = [math.nan if base == FLOAT32 else _INVALID[base]] * count
                self.body += struct.pack(order + code * count, *items)
        self.body += dev.ljust(sum(definition.dev_sizes), b"\0")

    def part(self, *, crc: bool = True, bad_crc: bool = False) -> bytes:
        header = struct.pack("<BBHI4s", self.header_size, 0x20, 2132, len(self.body), b".FIT")
        if self.header_size >= 14:
            header += struct.pack("<H", fit_crc(header)) + bytes(self.header_size - 14)
        data = header + bytes(self.body)
        if not crc:
            return data
        checksum = fit_crc(data) ^ (0x5A5A if bad_crc else 0)
        return data + struct.pack("<H", checksum)


RECORD_FIELDS = [  # a Garmin watch's record, abridged: time, position, distance, altitude, speed, HR, cadence
    (253, 4, UINT32), (0, 4, SINT32), (1, 4, SINT32), (5, 4, UINT32), (78, 4, UINT32),
    (73, 4, UINT32), (3, 1, UINT8), (4, 1, UINT8), (53, 1, UINT8), (13, 1, SINT8),
    (39, 2, UINT16), (41, 2, UINT16),
]  # fmt: skip


@dataclass
class Sample:
    time: datetime
    lat: float | None = None
    lon: float | None = None
    distance: float | None = None
    altitude: float | None = None
    heart_rate: int | None = None
    cadence: int | None = None


def _scaled(value: float | None, scale: float, offset: float = 0.0) -> int | None:
    return None if value is None else round((value + offset) * scale)


# a session's or a lap's summary: timestamp, start_time, sport, sub_sport, elapsed and timer
# time (ms), distance (cm)
SUMMARY_FIELDS = [(253, 4, UINT32), (2, 4, UINT32), (5, 1, ENUM), (6, 1, ENUM)] + [
    (n, 4, UINT32) for n in (7, 8, 9)
]


def write_device(writer: FitWriter, start: datetime) -> None:
    """file_id and device_info of a Forerunner 945 (local types 0 and 1)."""
    writer.define(0, FILE_ID, [(0, 1, ENUM), (1, 2, UINT16), (2, 2, UINT16), (4, 4, UINT32)])
    writer.message(0, [4, 1, 3113, fit_time(start)])  # activity, garmin, fr945
    writer.define(1, DEVICE_INFO, [(253, 4, UINT32), (2, 2, UINT16), (4, 2, UINT16)])
    writer.message(1, [fit_time(start), 1, 3113])


def write_run(
    writer: FitWriter,
    samples: list[Sample],
    *,
    sessions: list[tuple[datetime, str]] | None = None,
    compressed: bool = False,
    developer: bool = False,
) -> None:
    """An activity: file_id, device_info, records, one session per (start, sport)."""
    sports = {"running": 1, "cycling": 2, "transition": 3, "walking": 11, "generic": 0}
    start = samples[0].time
    write_device(writer, start)
    dev_fields: list[tuple[int, int, int]] = []
    if developer:
        writer.define(2, DEVELOPER_DATA_ID, [(3, 1, UINT8), (1, 16, BYTE)])
        writer.message(2, [0, bytes(range(16))])
        writer.define(3, FIELD_DESCRIPTION, [(0, 1, UINT8), (1, 1, UINT8), (2, 1, UINT8), (3, 8, STRING)])
        writer.message(3, [0, 0, UINT16, "power"])
        dev_fields = [(0, 2, 0)]
    writer.define(4, RECORD, RECORD_FIELDS, dev_fields)
    if compressed:  # a compressed-timestamp header names local types 0-3 only
        writer.define(2, RECORD, [f for f in RECORD_FIELDS if f[0] != 253], dev_fields)
    last = None
    for sample in samples:
        stamp = fit_time(sample.time)
        values = [
            _scaled(sample.lat, SEMICIRCLES_PER_DEG),
            _scaled(sample.lon, SEMICIRCLES_PER_DEG),
            _scaled(sample.distance, 100),
            _scaled(sample.altitude, 5, 500),
            2800,
            sample.heart_rate,
            sample.cadence,
            64,
            21,
            820,
            2450,
        ]
        dev = b"\x10\x01" if developer else b""
        if compressed and last is not None and 0 < stamp - last < 32:
            writer.message(2, values, time_offset=stamp & 0x1F, dev=dev)
        else:
            writer.message(4, [stamp, *values], dev=dev)
        last = stamp
    end = samples[-1].time
    sessions = sessions or [(start, "running")]
    writer.define(6, SESSION, SUMMARY_FIELDS)
    for index, (begin, sport) in enumerate(sessions):
        finish = sessions[index + 1][0] if index + 1 < len(sessions) else end
        seconds = int((finish - begin).total_seconds())
        writer.message(
            6, [fit_time(finish), fit_time(begin), sports[sport], 0, seconds * 1000, seconds * 1000, None]
        )


# ------------------------------------------------------------------ the reference: fitdecode


@dataclass
class ReferenceActivity:
    sport: str | None
    device: str | None
    records: list[tuple[float, ...]]
    summary: tuple[float | None, float | None, float | None]


def reference_read(data: bytes) -> tuple[str, Any]:
    """("ok", [ReferenceActivity…], partial: bool) or ("refused"|"not_activity"|"unusable", text),
    the outcome the fitdecode-based reader gave."""
    import fitdecode

    semicircle = 180.0 / 2**31
    records: list[tuple[float, ...]] = []
    sessions: list[dict[str, Any]] = []
    file_type: Any = None
    device: str | None = None
    at_crc = 0

    def num(v: Any) -> float:
        return float(v) if isinstance(v, int | float) else math.nan

    def pos(v: Any) -> float:
        return v * semicircle if isinstance(v, int) else math.nan

    def utc(v: Any) -> float | None:
        return v.timestamp() if isinstance(v, datetime) else None

    def first(frame: Any, *names: str) -> Any:
        for name in names:
            value = frame.get_value(name, fallback=None)
            if value is not None:
                return value
        return None

    stopped: str | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE)
            for frame in reader:
                if isinstance(frame, fitdecode.FitCRC):
                    at_crc = len(records)
                if not isinstance(frame, fitdecode.FitDataMessage):
                    continue
                if frame.name == "record":
                    when = utc(frame.get_value("timestamp", fallback=None))
                    if when is not None:
                        records.append(
                            (
                                when,
                                pos(frame.get_value("position_lat", fallback=None)),
                                pos(frame.get_value("position_long", fallback=None)),
                                num(first(frame, "enhanced_altitude", "altitude")),
                                num(frame.get_value("distance", fallback=None)),
                                num(frame.get_value("heart_rate", fallback=None)),
                                num(frame.get_value("cadence", fallback=None)),
                            )
                        )
                elif frame.name == "session":
                    sessions.append(
                        {
                            "sport": str(first(frame, "sport") or "") or None,
                            "start": utc(first(frame, "start_time")),
                            "summary": tuple(
                                float(v) if isinstance(v, int | float) and v > 0 else None
                                for v in (
                                    first(frame, n)
                                    for n in ("total_distance", "total_timer_time", "total_elapsed_time")
                                )
                            ),
                        }
                    )
                elif frame.name == "file_id" and file_type is None:
                    file_type = frame.get_value("type", fallback=None)
                    maker = frame.get_value("manufacturer", fallback=None)
                    product = first(frame, "garmin_product", "product_name", "product")
                    device = " ".join(str(v) for v in (maker, product) if v is not None) or None
    except fitdecode.FitCRCError:
        return "refused", "checksum"
    except fitdecode.FitHeaderError as exc:
        if not records and file_type is None:
            return "refused", str(exc)
        stopped = "note"
    except (fitdecode.FitEOFError, fitdecode.FitParseError, EOFError) as exc:
        if len(records) < 2:
            return "refused", str(exc)
        stopped = "partial"
    if stopped and at_crc == len(records):
        stopped = "note"
    if file_type not in (None, "activity") and not records:
        return "not_activity", str(file_type)
    if not records:
        return ("unusable" if sessions else "not_activity"), ""
    records.sort()
    timed = sorted((s for s in sessions if s["start"] is not None), key=lambda s: s["start"])
    timed = timed or [{"sport": None, "start": None, "summary": (None, None, None)}]
    out = []
    for i, s in enumerate(timed):
        begin = s["start"] if s["start"] is not None else records[0][0]
        end = timed[i + 1]["start"] if i + 1 < len(timed) else math.inf
        inside = [r for r in records if begin <= r[0] < end]
        if s["sport"] == "transition" or len(inside) < 2:
            continue
        out.append(ReferenceActivity(s["sport"], device, inside, s["summary"]))
    if not out:
        return "unusable", ""
    return "ok", (out, stopped)


def profile_tables_source() -> str:
    """The text of strainwatch/sources/fit_profile.py, from fitdecode's profile."""
    import fitdecode
    from fitdecode import profile

    lines = [
        '"""FIT profile names for the few enumerations strainwatch reads (file type, maker, product, sport).',
        "",
        f"Generated from fitdecode {fitdecode.__version__}'s FIT profile by `python -m tests.support.fit_files >",
        "daemon/strainwatch/sources/files/fit_profile.py`; tests/unit/test_fit.py checks that they still",
        "agree. A value missing here is kept as its number, as fitdecode does.",
        '"""',
        "",
        "# fmt: off",
    ]
    for name in PROFILE_TABLES:
        lines.append(f"{name.upper()}: dict[int, str] = {{")
        line = "   "
        for key, value in profile.FIELD_TYPES[name].enum.items():
            item = f" {key}: {value!r},"
            if len(line) + len(item) > 108:
                lines.append(line)
                line = "   "
            line += item
        if line.strip():
            lines.append(line)
        lines.append("}")
    lines.append("# fmt: on")
    return "\n".join(lines) + "\n"


PROFILE_TABLES = ("file", "manufacturer", "garmin_product", "favero_product", "sport", "sub_sport")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


if __name__ == "__main__":
    print(profile_tables_source(), end="")
