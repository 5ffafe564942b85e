"""GPX 1.0/1.1 tracks, streamed.

gpxpy builds the whole document in memory and does not refuse entity declarations, so
import reads GPX with the bounded, DTD-refusing stream of `xmlstream`; gpxpy remains the
reference our distances are tested against.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import BinaryIO

from strainwatch.domain import NAN, ParsedActivity, Track
from strainwatch.errors import ActivityFileError, NotAnActivity, UnusableActivity
from strainwatch.sources.files.limits import MAX_POINTS
from strainwatch.sources.files.timestamps import EARLIEST_S, LATEST_S, epoch_seconds
from strainwatch.sources.files.xmlstream import CHUNK_SIZE, MAX_DEPTH, feed_expat, local_name, safe_expat
from strainwatch.sport_types import normalize_sport

_HR_NAMES = ("hr", "heartrate", "heart_rate")
_CAD_NAMES = ("cad", "cadence", "runcadence")


MAX_POINT_ELEMENTS = 200  # elements inside one <trkpt>: a handful in any real file
MAX_POINT_BYTES = 1 << 20


def _float(text: str | None) -> float:
    """A finite number, else NaN ('Infinity' and 'nan' are no measurement)."""
    if not text:
        return NAN
    try:
        value = float(text)
    except ValueError:
        return NAN
    return value if math.isfinite(value) else NAN


def too_many_points() -> ActivityFileError:
    return ActivityFileError(f"refused: more than {MAX_POINTS:,} track points (the per-file limit)")


def _nesting_error() -> ActivityFileError:
    return ActivityFileError(f"refused: elements nested more than {MAX_DEPTH} deep")


_OTHER, _TRKPT, _TIME, _ELE, _HR, _CAD, _SEG, _META, _RTEPT, _BIG = range(10)


def _classify(tag: str, ns: str) -> int:
    short = local_name(tag)
    if tag.startswith(ns):
        return {
            "trkpt": _TRKPT,
            "time": _TIME,
            "ele": _ELE,
            "trkseg": _SEG,
            "rtept": _RTEPT,
            "name": _META,
            "desc": _META,
            "type": _META,
            "trk": _BIG,
            "rte": _BIG,
            "wpt": _BIG,
            "metadata": _BIG,
        }.get(short, _OTHER)
    short = short.casefold()
    if short in _HR_NAMES:
        return _HR
    if short in _CAD_NAMES:
        return _CAD
    return _OTHER


MAX_FIELD_CHARS = 1 << 20  # of a name or description kept; clean_text keeps 10,000 of them
POINT_CHUNKS = MAX_POINT_BYTES // CHUNK_SIZE


def keep_field_text(texts: list[str]) -> None:
    """Between chunks: the text being read, cut to its first MAX_FIELD_CHARS characters
    (comments and CDATA can split a text into runs the reader's limit never sees whole)."""
    if len(texts) > 1 and sum(map(len, texts)) > MAX_FIELD_CHARS:
        if len(texts[0]) == MAX_FIELD_CHARS:
            del texts[1:]
        else:
            texts[:] = ["".join(texts)[:MAX_FIELD_CHARS]]


def _point_refused(what: str = "track point") -> ActivityFileError:
    return ActivityFileError(f"refused: a {what} with too many elements or bytes")


def parse_gpx(stream: BinaryIO, external_id: str) -> list[ParsedActivity]:
    """The file's tracks as one activity (devices split one run into several tracks).

    expat calls the handlers below for every element; no tree is built, so memory stays
    bounded whatever the file holds: open elements are counted (at most MAX_DEPTH outside a
    point), one point may hold at most MAX_POINT_ELEMENTS elements and span about
    MAX_POINT_BYTES, and text is kept only for the element being read. A point's handlers
    replace the document's while it is open. An element's text is what ElementTree's
    `.text` would be: the characters before its first child.
    """
    parser = safe_expat()
    texts: list[str] = []
    parser.CharacterDataHandler = texts.append
    clear, join = texts.clear, "".join
    track = Track()
    times, lats, lons, eles = track.time.append, track.lat.append, track.lon.append, track.altitude.append
    dists, hrs, cads = track.distance.append, track.heart_rate.append, track.cadence.append
    meta: dict[str, str] = {}
    metas: list[list[str | None]] = []  # open <name>, <desc>, <type>: [local name, text]; None:
    # no child has started yet, the text is still being read
    kinds: dict[str, int] = {}
    ns: str | None = None
    depth = 0  # open elements outside a point
    level = 0  # open elements of the current point, itself included
    count = 0  # elements in the current point
    field = 0  # the kind whose text is being read, 0 for none
    in_ext = False  # inside a child of the point that is not GPX's own
    when: str | None = None
    lat = lon = ""
    ele = hr = cad = NAN
    chunks = point_chunk = 0
    route_points = points_without_time = out_of_order = implausible = 0
    last_time = float("-inf")

    def kind_of(name: str, attrs: dict[str, str]) -> int:
        nonlocal ns
        tag = "{" + name if "}" in name else name  # ElementTree's spelling
        if ns is None:
            if local_name(tag) != "gpx":
                raise ActivityFileError(f"not a GPX file (root element <{local_name(tag)}>)")
            ns = tag[: -len("gpx")]
            meta["creator"] = attrs.get("creator", "")
            meta["version"] = attrs.get("version", "")
        kind = kinds[name] = _classify(tag, ns)
        return kind

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, level, count, field, in_ext, when, lat, lon, ele, hr, cad, point_chunk
        kind = kinds.get(name)
        if kind is None:
            kind = kind_of(name, attrs)
        if metas and metas[-1][1] is None:
            metas[-1][1] = join(texts)
        clear()
        if kind == _TRKPT:
            level = count = 1
            field = 0
            in_ext = False
            when = None
            lat, lon = attrs.get("lat", ""), attrs.get("lon", "")
            ele = hr = cad = NAN
            point_chunk = chunks
            parser.StartElementHandler = point_start
            parser.EndElementHandler = point_end
            return
        depth += 1
        if depth > MAX_DEPTH:
            raise _nesting_error()
        if kind == _META:
            metas.append([local_name(name), None])

    def end(name: str) -> None:
        nonlocal depth, route_points
        depth -= 1
        kind = kinds[name]
        if kind == _RTEPT:
            route_points += 1
        elif kind == _META:
            short, text = metas.pop()
            if short is not None and short not in meta:
                meta[short] = (join(texts) if text is None else text)[:MAX_FIELD_CHARS].strip()
        clear()

    def point_start(name: str, attrs: dict[str, str]) -> None:
        nonlocal level, count, field, in_ext
        count += 1
        if count > MAX_POINT_ELEMENTS:
            raise _point_refused()
        if field:
            read_field()  # the text before its first child, as ElementTree's .text
        level += 1
        kind = kinds.get(name)
        if kind is None:
            kind = kind_of(name, attrs)
        if level == 2:
            if kind in (_TIME, _ELE):
                field = kind
                clear()
            else:
                in_ext = kind == _OTHER
        elif in_ext and kind in (_HR, _CAD):
            field = kind
            clear()

    def read_field() -> None:
        nonlocal field, when, ele, hr, cad
        text = join(texts)
        if field == _TIME:
            when = text or None
        elif field == _ELE:
            ele = _float(text)
        elif field == _HR:
            hr = _float(text)
        else:
            cad = _float(text)
        field = 0

    def point_end(_name: str) -> None:
        nonlocal level, field, when, ele, hr, cad, points_without_time, implausible, out_of_order, last_time
        level -= 1
        if field:  # read_field and _float inlined: this is most of the ends in a file
            if field == _TIME:
                when = join(texts) or None
            else:
                try:
                    value = float(join(texts))
                except ValueError:
                    value = NAN
                if value - value != 0.0:  # infinite or NaN
                    value = NAN
                if field == _ELE:
                    ele = value
                elif field == _HR:
                    hr = value
                else:
                    cad = value
            field = 0
            return  # a field is never the point itself
        if level:
            return
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        if when is None:
            points_without_time += 1
            return
        t = epoch_seconds(when)
        if not EARLIEST_S <= t < LATEST_S:
            implausible += 1
        elif t < last_time:
            out_of_order += 1
        else:
            last_time = t
            if len(track.time) >= MAX_POINTS:
                raise too_many_points()
            times(t)
            try:
                value = float(lat)
            except ValueError:
                value = NAN
            lats(value if value - value == 0.0 else NAN)
            try:
                value = float(lon)
            except ValueError:
                value = NAN
            lons(value if value - value == 0.0 else NAN)
            eles(ele)
            dists(NAN)
            hrs(hr)
            cads(cad)

    def after_chunk() -> None:
        nonlocal chunks
        chunks += 1
        if level and chunks - point_chunk > POINT_CHUNKS:
            raise _point_refused()
        if field or (metas and metas[-1][1] is None):
            keep_field_text(texts)
        else:
            clear()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    feed_expat(stream, parser, after_chunk, lambda: ns is not None)

    if not len(track):
        if implausible:
            raise UnusableActivity(
                f"all {implausible} timestamps are outside 1980-2100: the recording device's clock was wrong"
            )
        if points_without_time:
            raise UnusableActivity(
                f"track has {points_without_time} points but no timestamps: "
                "cannot be counted as training load"
            )
        if route_points:
            raise NotAnActivity("a planned route, not a recorded activity")
        raise NotAnActivity("no track points")
    if len(track) < 2:
        raise UnusableActivity("track has a single timestamped point")
    raw: dict[str, object] = {"format": "gpx", **meta}
    if out_of_order:
        raw["dropped_out_of_order_points"] = out_of_order
    if points_without_time:
        raw["dropped_points_without_time"] = points_without_time
    if implausible:
        raw["dropped_points_with_implausible_time"] = implausible
    return [
        ParsedActivity(
            external_id=external_id,
            start_time=datetime.fromtimestamp(track.time[0], UTC),
            track=track,
            sport_type=normalize_sport(meta.get("type")),
            name=meta.get("name") or None,
            description=meta.get("desc") or None,
            device=meta.get("creator") or None,
            raw=raw,
        )
    ]
