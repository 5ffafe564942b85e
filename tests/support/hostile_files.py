"""Hostile and unlucky activity files, generated on demand (none is kept in the repository).

Each case writes its file(s) into a folder and says which outcome the import must give and
what the reason must mention. `big=True` makes the sizes of issue 17 (a 300 MB GPX, a
100,000-member zip …) for the acceptance run; the tests use the small sizes, which hit the
same limits when the limits are lowered or are already past them.
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

GPX_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="t">'
CSV_HEADER = "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Filename\n"


def points(
    n: int, start: datetime, *, lat: float = 52.5, lon: float = 13.4, step: float = 0.00003, extra: str = ""
) -> str:
    """`n` track points a second apart, moving about 3 m/s north."""
    out = []
    for i in range(n):
        when = (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append(f'<trkpt lat="{lat + i * step:.6f}" lon="{lon:.6f}"><time>{when}</time>{extra}</trkpt>')
    return "\n".join(out)


def gpx(body: str, name: str = "run", desc: str = "") -> str:
    meta = f"<name>{name}</name>" + (f"<desc>{desc}</desc>" if desc else "")
    return f"{GPX_HEAD}<trk>{meta}<trkseg>{body}</trkseg></trk></gpx>"


def run_gpx(day: int, n: int = 600, **kw: str) -> str:
    return gpx(points(n, datetime(2024, 3, day, 7, 0, tzinfo=UTC)), **kw)


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path, bool], list[Path]]  # folder, big -> the paths it wrote
    outcome: str  # the outcome its line must have ("failed", "imported" …)
    reason: str  # a fragment its reason must contain ("" for an import)


def _write(path: Path, data: bytes | str) -> list[Path]:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return [path]


def _export(path: Path, csv_bytes: bytes, members: dict[str, bytes] | None = None) -> list[Path]:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export/activities.csv", csv_bytes)
        for name, data in (members or {}).items():
            archive.writestr(f"export/{name}", data)
    return [path]


def _patch_zip(path: Path, member: str, *, flags: int | None = None, method: int | None = None) -> None:
    """Set a member's flag bits or compression method in both of its headers."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, flag_at, method_at, name_at in ((b"PK\x03\x04", 6, 8, 30), (b"PK\x01\x02", 8, 10, 46)):
        at = data.find(signature)
        while at >= 0:
            if data[at + name_at : at + name_at + len(name)] == name:
                if flags is not None:
                    struct.pack_into("<H", data, at + flag_at, flags)
                if method is not None:
                    struct.pack_into("<H", data, at + method_at, method)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def csv_not_utf8(folder: Path, big: bool) -> list[Path]:
    row = "9001,x,Lauf am Fluß – Café,Run,Ünterwegs,activities/9001.gpx\n"
    return _export(
        folder / "export_cp1252.zip",
        (CSV_HEADER + row).encode("cp1252"),
        {"activities/9001.gpx": run_gpx(11).encode()},
    )


def csv_huge_field(folder: Path, big: bool) -> list[Path]:
    row = f'9002,x,"{"x" * 10_000_000}",Run,,activities/9002.gpx\n'
    return _export(folder / "export_field.zip", (CSV_HEADER + row).encode())


def csv_encrypted(folder: Path, big: bool) -> list[Path]:
    [path] = _export(folder / "export_encrypted.zip", (CSV_HEADER + "1,x,a,Run,,\n").encode())
    _patch_zip(path, "export/activities.csv", flags=1)
    return [path]


def csv_aes(folder: Path, big: bool) -> list[Path]:
    [path] = _export(folder / "export_aes.zip", (CSV_HEADER + "1,x,a,Run,,\n").encode())
    _patch_zip(path, "export/activities.csv", method=99)
    return [path]


def csv_bomb(folder: Path, big: bool) -> list[Path]:
    """A small zip whose activities.csv expands to gigabytes (or 100 MB when small)."""
    path = folder / "export_csvbomb.zip"
    size = (3 << 30) if big else (100 << 20)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("export/activities.csv", "w", force_zip64=True) as out,
    ):
        out.write(CSV_HEADER.encode())
        block = b"1" * (1 << 20)
        for _ in range(size >> 20):
            out.write(block)
    return [path]


def many_members(folder: Path, big: bool) -> list[Path]:
    count = 100_000 if big else 60_000
    path = folder / "export_members.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("export/activities.csv", CSV_HEADER + "1,x,a,Run,,activities/1.gpx\n")
        for i in range(count):
            archive.writestr(f"export/media/{i}.jpg", b"")
    return [path]


def rows_to_one_member(folder: Path, big: bool) -> list[Path]:
    rows = "".join(f"{9100 + i},x,r{i},Run,,activities/one.gpx\n" for i in range(20_000))
    return _export(
        folder / "export_rows.zip", (CSV_HEADER + rows).encode(), {"activities/one.gpx": run_gpx(12).encode()}
    )


def csv_nul_name(folder: Path, big: bool) -> list[Path]:
    row = "9003,x,Nul\x00name \x1b]0;owned\x07,Run,,activities/9003.gpx\n"
    return _export(
        folder / "export_nul.zip", (CSV_HEADER + row).encode(), {"activities/9003.gpx": run_gpx(13).encode()}
    )


def year_9999(folder: Path, big: bool) -> list[Path]:
    return _write(folder / "year9999.gpx", gpx(points(10, datetime(9999, 12, 31, 23, 0, tzinfo=UTC))))


def year_0001(folder: Path, big: bool) -> list[Path]:
    body = points(10, datetime(2001, 1, 1, 0, 0, tzinfo=UTC)).replace("<time>2001-", "<time>0001-")
    return _write(folder / "year0001.gpx", gpx(body.replace("Z</time>", "+01:00</time>")))


def undecodable_name(folder: Path, big: bool) -> list[Path]:
    path = Path(os.fsdecode(os.fsencode(str(folder)) + b"/lauf-\xff\xfe.gpx"))
    return _write(path, run_gpx(14))


def symlink_loops(folder: Path, big: bool) -> list[Path]:
    (folder / "loop.gpx").symlink_to("loop.gpx")
    sub = folder / "sub"
    sub.mkdir()
    (sub / "back").symlink_to("..")
    return [folder / "loop.gpx", sub / "back"]


def fifo(folder: Path, big: bool) -> list[Path]:
    path = folder / "run.gpx"
    os.mkfifo(path)
    return [path]


def dev_zero(folder: Path, big: bool) -> list[Path]:
    path = folder / "zero.gpx"
    path.symlink_to("/dev/zero")
    return [path]


def gz_blanks(folder: Path, big: bool) -> list[Path]:
    """A small .gpx.gz that expands to gigabytes of blanks."""
    path = folder / "blanks.gpx.gz"
    size = (5 << 30) if big else (200 << 20)
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(GPX_HEAD.encode() + b"<trk><name>")
        block = b" " * (1 << 20)
        for _ in range(size >> 20):
            out.write(block)
    return [path]


def gz_points(folder: Path, big: bool) -> list[Path]:
    """Gzipped track points: far more than any activity holds."""
    path = folder / "points.gpx.gz"
    n = 6_000_000 if big else 60_000
    start = datetime(2024, 3, 20, 0, 0, tzinfo=UTC)
    with gzip.open(path, "wb", compresslevel=6) as out:
        out.write((GPX_HEAD + "<trk><trkseg>").encode())
        for first in range(0, n, 10_000):
            out.write(points(10_000, start + timedelta(seconds=first)).encode())
        out.write(b"</trkseg></trk></gpx>")
    return [path]


def outside_segments(folder: Path, big: bool) -> list[Path]:
    """Points straight inside <trk>, no <trkseg>: once kept in memory whole."""
    path = folder / "outside_segments.gpx"
    n = 1_500_000 if big else 30_000
    start = datetime(2024, 3, 21, 6, 0, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        out.write(GPX_HEAD + "<trk><name>no segments</name>")
        for first in range(0, n, 10_000):
            out.write(points(10_000, start + timedelta(seconds=first), step=0.000001))
        out.write("</trk></gpx>")
    return [path]


_LAUGHS = (
    '<!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>'
)


def utf16_doctype(folder: Path, big: bool) -> list[Path]:
    text = _LAUGHS + gpx(points(20, datetime(2024, 3, 15, 7, tzinfo=UTC)), name="&e;", desc="&e;")
    return _write(folder / "utf16_doctype.gpx", text.encode("utf-16-le"))


def utf16_doctype_tcx(folder: Path, big: bool) -> list[Path]:
    tcx = (
        _LAUGHS.replace("gpx", "TrainingCenterDatabase")
        + "<TrainingCenterDatabase><Activities><Activity Sport='Running'><Notes>&e;</Notes>"
        + "</Activity></Activities></TrainingCenterDatabase>"
    )
    return _write(folder / "utf16_doctype.tcx", tcx.encode("utf-16-be"))


def laughs_gz(folder: Path, big: bool) -> list[Path]:
    text = _LAUGHS + gpx(points(20, datetime(2024, 3, 16, 7, tzinfo=UTC)), name="&e;", desc="&e;")
    return _write(folder / "laughs.gpx.gz", gzip.compress(text.encode()))


def infinite_hr(folder: Path, big: bool) -> list[Path]:
    extra = "<extensions><hr>Infinity</hr></extensions>"
    return _write(
        folder / "hr_infinity.gpx", gpx(points(300, datetime(2024, 3, 17, 7, tzinfo=UTC), extra=extra))
    )


def longitude_flips(folder: Path, big: bool) -> list[Path]:
    """A run near the antimeridian whose longitude flips between +179 and -179: once 26,797 km."""
    start = datetime(2024, 3, 18, 7, tzinfo=UTC)
    body = "\n".join(
        f'<trkpt lat="{10 + i * 0.00003:.6f}" lon="{-179.0 if i % 3 == 1 else 179.0}"><time>'
        f"{(start + timedelta(seconds=i)).strftime('%Y-%m-%dT%H:%M:%SZ')}</time></trkpt>"
        for i in range(1200)
    )
    return _write(folder / "lon_flips.gpx", gpx(body))


def deep_elevation(folder: Path, big: bool) -> list[Path]:
    """Every 50th altitude is -99,999 m: once a 1,634 km ascent."""
    start = datetime(2024, 3, 19, 7, tzinfo=UTC)
    body = "\n".join(
        f'<trkpt lat="{52.5 + i * 0.00003:.6f}" lon="13.4"><ele>{-99999 if i % 50 == 25 else 40}</ele>'
        f"<time>{(start + timedelta(seconds=i)).strftime('%Y-%m-%dT%H:%M:%SZ')}</time></trkpt>"
        for i in range(600)
    )
    return _write(folder / "elevation.gpx", gpx(body))


def terminal_escapes(folder: Path, big: bool) -> list[Path]:
    name = "Easy run \x9b31mred\x9b0m \u202eevil\u202c \u2066isolated\u2069"  # ESC itself is not legal XML
    return _write(folder / "escapes.gpx", run_gpx(22, name=name))


def long_texts(folder: Path, big: bool) -> list[Path]:
    return _write(folder / "long_texts.gpx", run_gpx(23, name="N" * 5000, desc="D" * 200_000))


def deep_nesting(folder: Path, big: bool) -> list[Path]:
    return _write(folder / "deep.gpx", GPX_HEAD + "<x>" * 100_000 + "</x>" * 100_000 + "</gpx>")


def many_elements_in_a_point(folder: Path, big: bool) -> list[Path]:
    extra = "<extensions>" + "<e/>" * 100_000 + "</extensions>"
    return _write(folder / "fat_point.gpx", gpx(points(3, datetime(2024, 3, 24, 7, tzinfo=UTC), extra=extra)))


def utf32(folder: Path, big: bool) -> list[Path]:
    return _write(folder / "utf32.gpx", run_gpx(25).encode("utf-32"))


def not_a_zip(folder: Path, big: bool) -> list[Path]:
    return _write(folder / "broken.zip", b"PK\x03\x04" + os.urandom(200))


def truncated_gz(folder: Path, big: bool) -> list[Path]:
    return _write(folder / "truncated.gpx.gz", gzip.compress(run_gpx(26).encode())[:300])


def empty(folder: Path, big: bool) -> list[Path]:
    return _write(folder / "empty.tcx", b"")


def garbage(folder: Path, big: bool) -> list[Path]:
    return _write(folder / "garbage.gpx", io.BytesIO(bytes(range(256)) * 40).getvalue())


CASES = [
    Case("csv not utf-8", csv_not_utf8, "imported", ""),
    Case("csv 10 MB field", csv_huge_field, "failed", "field longer than"),
    Case("csv encrypted", csv_encrypted, "failed", "encrypted"),
    Case("csv AES", csv_aes, "failed", "AES"),
    Case("csv bomb", csv_bomb, "failed", "larger than"),
    Case("many members", many_members, "failed", "members"),
    Case("rows to one member", rows_to_one_member, "not_activity", "rows name a file"),
    Case("csv NUL and escapes in a name", csv_nul_name, "imported", ""),
    Case("year 9999", year_9999, "unusable", "clock"),
    Case("year 0001", year_0001, "failed", "invalid timestamp"),
    Case("undecodable file name", undecodable_name, "imported", ""),
    Case("symlink loops", symlink_loops, "failed", "loop"),
    Case("FIFO", fifo, "failed", "FIFO"),
    Case("/dev/zero", dev_zero, "failed", "device"),
    Case("gzip of blanks", gz_blanks, "failed", "without markup"),
    Case("gzipped points", gz_points, "failed", "track points"),
    Case("points outside segments", outside_segments, "imported", ""),
    Case("UTF-16 DOCTYPE GPX", utf16_doctype, "failed", "DTD"),
    Case("UTF-16 DOCTYPE TCX", utf16_doctype_tcx, "failed", "DTD"),
    Case("billion laughs gz", laughs_gz, "failed", "DTD"),
    Case("heart rate Infinity", infinite_hr, "imported", ""),
    Case("longitude flips", longitude_flips, "imported", ""),
    Case("elevation -99999", deep_elevation, "imported", ""),
    Case("terminal escapes", terminal_escapes, "imported", ""),
    Case("long texts", long_texts, "imported", ""),
    Case("deep nesting", deep_nesting, "failed", "nested"),
    Case("many elements in a point", many_elements_in_a_point, "failed", "too many elements"),
    Case("UTF-32", utf32, "failed", "UTF-32"),
    Case("not a zip", not_a_zip, "failed", "not a valid zip"),
    Case("truncated gzip", truncated_gz, "failed", ""),
    Case("empty", empty, "failed", "empty"),
    Case("garbage", garbage, "not_activity", "not an activity"),
]
