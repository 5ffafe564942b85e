"""GPX 1.0/1.1 tracks, streamed.

gpxpy builds the whole document in memory and does not refuse entity declarations, so
import reads GPX with the bounded, DTD-refusing stream of `xmlstream`; gpxpy remains the
reference our distances are tested against.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO, cast
from xml.etree.ElementTree import Element

from strainwatch.domain import NAN, ParsedActivity, Track
from strainwatch.errors import ActivityFileError, NotAnActivity, UnusableActivity
from strainwatch.sources.files.limits import MAX_POINTS, guard_of
from strainwatch.sources.files.sport_types import normalize_sport
from strainwatch.sources.files.timestamps import parse_iso_utc, plausible_epoch
from strainwatch.sources.files.xmlstream import MAX_DEPTH, fed_parser, local_name

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


_Events = Iterator[tuple[str, Element]]
_OTHER, _TRKPT, _TIME, _ELE, _HR, _CAD, _SEG, _META, _RTEPT, _BIG = range(10)


def _classify(tag: str, ns: str) -> int:
    short = local_name(tag)
    if tag.startswith(ns):
        return {
            "trkpt": _TRKPT, "time": _TIME, "ele": _ELE, "trkseg": _SEG, "rtept": _RTEPT,
            "name": _META, "desc": _META, "type": _META,
            "trk": _BIG, "rte": _BIG, "wpt": _BIG, "metadata": _BIG,
        }.get(short, _OTHER)  # fmt: skip
    short = short.casefold()
    if short in _HR_NAMES:
        return _HR
    if short in _CAD_NAMES:
        return _CAD
    return _OTHER


def parse_gpx(stream: BinaryIO, external_id: str) -> list[ParsedActivity]:
    """The file's tracks as one activity (devices split one run into several tracks).

    Memory stays bounded whatever the nesting: every element is dropped from its parent
    once handled, points included wherever they stand (inside <trkseg> or not), and one
    point may hold at most MAX_POINT_ELEMENTS elements and MAX_POINT_BYTES bytes.
    """
    track = Track()
    append = track.append
    meta: dict[str, str] = {}
    ns: str | None = None
    kinds: dict[str, int] = {}
    stack: list[Element] = []
    reader = guard_of(stream)
    in_point = point_start = 0
    route_points = points_without_time = out_of_order = implausible = 0
    last_time = float("-inf")
    for parser in fed_parser(stream):
        for event, elem in cast(_Events, parser.read_events()):
            tag = elem.tag
            kind = kinds.get(tag)
            if kind is None:
                if ns is None:
                    if local_name(tag) != "gpx":
                        raise ActivityFileError(f"not a GPX file (root element <{local_name(tag)}>)")
                    ns = tag[: -len("gpx")]
                    meta["creator"] = elem.get("creator", "")
                    meta["version"] = elem.get("version", "")
                kind = kinds[tag] = _classify(tag, ns)
            if event == "start":
                stack.append(elem)
                if in_point:
                    in_point += 1
                    if in_point > MAX_POINT_ELEMENTS or (
                        reader is not None and reader.total - point_start > MAX_POINT_BYTES
                    ):
                        raise ActivityFileError("refused: a track point with too many elements or bytes")
                elif kind == _TRKPT:
                    in_point = 1
                    point_start = reader.total if reader is not None else 0
                elif len(stack) > MAX_DEPTH:
                    raise _nesting_error()
                continue
            stack.pop()
            if kind == _TRKPT:
                in_point = 0
                when = None
                ele = hr = cad = NAN
                for child in elem:
                    ckind = kinds.get(child.tag)
                    if ckind is None:
                        ckind = kinds[child.tag] = _classify(child.tag, ns or "")
                    if ckind == _TIME:
                        when = child.text
                    elif ckind == _ELE:
                        ele = _float(child.text)
                    elif ckind == _OTHER and len(child):
                        for ext in child.iter():
                            ekind = kinds.get(ext.tag)
                            if ekind is None:
                                ekind = kinds[ext.tag] = _classify(ext.tag, ns or "")
                            if ekind == _HR:
                                hr = _float(ext.text)
                            elif ekind == _CAD:
                                cad = _float(ext.text)
                if when is None:
                    points_without_time += 1
                else:
                    t = parse_iso_utc(when).timestamp()
                    if not plausible_epoch(t):
                        implausible += 1
                    elif t < last_time:
                        out_of_order += 1
                    else:
                        last_time = t
                        if len(track) >= MAX_POINTS:
                            raise too_many_points()
                        append(t, _float(elem.get("lat")), _float(elem.get("lon")), ele, NAN, hr, cad)
            elif in_point:
                continue  # a point's own elements are read with the point
            elif kind == _RTEPT:
                route_points += 1
            elif kind == _META:
                short = local_name(tag)
                if short not in meta:
                    meta[short] = (elem.text or "").strip()
            elem.clear()
            if stack:
                del stack[-1][:]

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
