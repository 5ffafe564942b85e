"""Garmin Training Center (TCX) activities, streamed like GPX."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import BinaryIO

from strainwatch.domain import NAN, DeviceSummary, ParsedActivity, Track
from strainwatch.errors import ActivityFileError, NotAnActivity, UnusableActivity
from strainwatch.sources.files.gpx import (
    MAX_FIELD_CHARS,
    MAX_POINT_ELEMENTS,
    POINT_CHUNKS,
    _float,
    _nesting_error,
    _point_refused,
    keep_field_text,
    too_many_points,
)
from strainwatch.sources.files.limits import MAX_POINTS
from strainwatch.sources.files.timestamps import epoch_seconds, plausible_epoch
from strainwatch.sources.files.xmlstream import MAX_DEPTH, feed_expat, local_name, safe_expat
from strainwatch.sport_types import normalize_sport

_TIME, _LAT, _LON, _ALT, _DIST, _HR, _CAD = range(1, 8)
_POINT_FIELDS = {
    "Time": _TIME, "LatitudeDegrees": _LAT, "LongitudeDegrees": _LON, "AltitudeMeters": _ALT,
    "DistanceMeters": _DIST, "Value": _HR, "Cadence": _CAD, "RunCadence": _CAD,
}  # fmt: skip


class _ActivityBuilder:
    def __init__(self, sport: str | None) -> None:
        self.sport = sport
        self.track = Track()
        self.distance = 0.0
        self.timer = 0.0
        self.notes: str | None = None
        self.last_time = float("-inf")
        self.without_time = 0
        self.implausible = 0

    def add_point(self, when: str | None, values: list[float]) -> None:
        """`values`: latitude, longitude, altitude, distance, heart rate, cadence."""
        if when is None:
            self.without_time += 1
            return
        t = epoch_seconds(when)
        if not plausible_epoch(t):
            self.implausible += 1
        elif t >= self.last_time:
            if len(self.track) >= MAX_POINTS:
                raise too_many_points()
            self.last_time = t
            self.track.append(t, *values)


def parse_tcx(stream: BinaryIO, external_id: str) -> list[ParsedActivity]:
    """Each <Activity> of the file; laps give the device's distance and timer time.

    Read like GPX (see `gpx.parse_gpx`): expat's handlers, no element tree, at most
    MAX_DEPTH open elements outside a trackpoint, MAX_POINT_ELEMENTS elements and about
    MAX_POINT_BYTES in one, text kept only for the element being read, as ElementTree's
    `.text` (the characters before the first child). Inside a trackpoint every element
    counts, at any depth (a heart rate's <Value> sits in <HeartRateBpm>).
    """
    parser = safe_expat()
    texts: list[str] = []
    parser.CharacterDataHandler = texts.append
    clear, join = texts.clear, "".join
    builders: list[_ActivityBuilder] = []
    current: _ActivityBuilder | None = None
    creator: str | None = None
    courses = 0
    names: dict[str, str] = {}  # expat's name -> local name
    stack: list[str] = []  # local names of the open elements outside a trackpoint
    pending: list[str | None] = []  # their text; None while no child has started
    rooted = False
    level = count = field = 0
    when: str | None = None
    values = [NAN] * 6
    chunks = point_chunk = 0

    def local(name: str) -> str:
        short = names[name] = local_name(name)
        return short

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal rooted, level, count, field, when, values, point_chunk, current
        short = names.get(name) or local(name)
        if not rooted:
            if short not in ("TrainingCenterDatabase", "Activities"):
                raise ActivityFileError(f"not a TCX file (root element <{short}>)")
            rooted = True
        if pending and pending[-1] is None:
            pending[-1] = join(texts)
        clear()
        if short == "Trackpoint":
            level = count = 1
            field = 0
            when = None
            values = [NAN] * 6
            point_chunk = chunks
            parser.StartElementHandler = point_start
            parser.EndElementHandler = point_end
            return
        stack.append(short)
        pending.append(None)
        if len(stack) > MAX_DEPTH:
            raise _nesting_error()
        if short == "Activity":
            current = _ActivityBuilder(attrs.get("Sport"))
            builders.append(current)

    def end(_name: str) -> None:
        nonlocal creator, courses
        name = stack.pop()
        text = pending.pop()
        if text is None:
            text = join(texts)[:MAX_FIELD_CHARS]
        clear()
        parent = stack[-1] if stack else ""
        if parent == "Lap" and current is not None:
            if name == "TotalTimeSeconds":
                t = _float(text)
                current.timer += t if t == t else 0.0
            elif name == "DistanceMeters":
                d = _float(text)
                current.distance += d if d == d else 0.0
        elif name == "Notes" and parent == "Activity" and current is not None:
            current.notes = text.strip() or None
        elif name == "Name" and creator is None and current is not None:
            creator = text.strip() or None
        elif name == "Course":
            courses += 1

    def point_start(name: str, _attrs: dict[str, str]) -> None:
        nonlocal level, count, field
        count += 1
        if count > MAX_POINT_ELEMENTS:
            raise _point_refused("trackpoint")
        if field:
            read_field()  # the text before its first child
        level += 1
        kind = _POINT_FIELDS.get(names.get(name) or local(name), 0)
        if kind:
            field = kind
            clear()

    def read_field() -> None:
        nonlocal field, when
        text = join(texts)
        if field == _TIME:
            when = text or None
        elif field == _HR:
            if values[4] != values[4]:  # the first heart rate that is a number
                values[4] = _float(text)
        else:
            values[field - 2 if field < _HR else 5] = _float(text)
        field = 0

    def point_end(_name: str) -> None:
        nonlocal level
        level -= 1
        if field:
            read_field()
            return  # a field is never the trackpoint itself
        if level:
            return
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        clear()
        if current is not None:
            current.add_point(when, values)

    def after_chunk() -> None:
        nonlocal chunks
        chunks += 1
        if level and chunks - point_chunk > POINT_CHUNKS:
            raise _point_refused("trackpoint")
        if field or (pending and pending[-1] is None):
            keep_field_text(texts)
        else:
            clear()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    feed_expat(stream, parser, after_chunk, lambda: rooted)

    activities = []
    for index, b in enumerate(builders):
        if len(b.track) < 2:
            continue
        activities.append(
            ParsedActivity(
                external_id=external_id if index == 0 else f"{external_id}#{index + 1}",
                start_time=datetime.fromtimestamp(b.track.time[0], UTC),
                track=b.track,
                sport_type=normalize_sport(b.sport),
                description=b.notes,
                device=creator,
                summary=DeviceSummary(distance_m=b.distance or None, timer_time_s=b.timer or None),
                raw={"format": "tcx", "sport": b.sport, "creator": creator},
            )
        )
    if activities:
        return activities
    if any(b.implausible for b in builders):
        raise UnusableActivity("timestamps outside 1980-2100: the recording device's clock was wrong")
    if any(b.without_time for b in builders):
        raise UnusableActivity("trackpoints have no timestamps: cannot be counted as training load")
    if builders:
        raise UnusableActivity("the activity has fewer than two trackpoints")
    if courses:
        raise NotAnActivity("a course (planned route), not a recorded activity")
    raise NotAnActivity("no activities in the file")
