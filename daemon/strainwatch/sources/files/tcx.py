"""Garmin Training Center (TCX) activities, streamed like GPX."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import BinaryIO
from xml.etree.ElementTree import Element

from strainwatch.domain import NAN, DeviceSummary, ParsedActivity, Track
from strainwatch.errors import ActivityFileError, NotAnActivity, UnusableActivity
from strainwatch.sources.files.gpx import MAX_POINT_ELEMENTS, _float, _nesting_error, too_many_points
from strainwatch.sources.files.limits import MAX_POINTS
from strainwatch.sources.files.sport_types import normalize_sport
from strainwatch.sources.files.timestamps import parse_iso_utc, plausible_epoch
from strainwatch.sources.files.xmlstream import MAX_DEPTH, iter_elements, local_name


def _trackpoint(point: Element) -> tuple[str | None, float, float, float, float, float, float]:
    when = None
    lat = lon = alt = dist = hr = cad = NAN
    for child in point.iter():
        name = local_name(child.tag)
        if name == "Time":
            when = child.text
        elif name == "LatitudeDegrees":
            lat = _float(child.text)
        elif name == "LongitudeDegrees":
            lon = _float(child.text)
        elif name == "AltitudeMeters":
            alt = _float(child.text)
        elif name == "DistanceMeters":
            dist = _float(child.text)
        elif name == "Value" and hr != hr:
            hr = _float(child.text)
        elif name in ("Cadence", "RunCadence"):
            cad = _float(child.text)
    return when, lat, lon, alt, dist, hr, cad


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

    def add_point(self, point: Element) -> None:
        when, lat, lon, alt, dist, hr, cad = _trackpoint(point)
        if when is None:
            self.without_time += 1
            return
        t = parse_iso_utc(when).timestamp()
        if not plausible_epoch(t):
            self.implausible += 1
        elif t >= self.last_time:
            if len(self.track) >= MAX_POINTS:
                raise too_many_points()
            self.last_time = t
            self.track.append(t, lat, lon, alt, dist, hr, cad)


def parse_tcx(stream: BinaryIO, external_id: str) -> list[ParsedActivity]:
    """Each <Activity> of the file; laps give the device's distance and timer time.

    Like GPX, every element is dropped from its parent once handled (a lap's totals are
    read as they end), so memory stays bounded whatever the file holds.
    """
    builders: list[_ActivityBuilder] = []
    current: _ActivityBuilder | None = None
    creator: str | None = None
    courses = 0
    stack: list[Element] = []
    in_point = 0
    seen_root = False
    for event, elem in iter_elements(stream):
        name = local_name(elem.tag)
        if not seen_root:
            if name not in ("TrainingCenterDatabase", "Activities"):
                raise ActivityFileError(f"not a TCX file (root element <{name}>)")
            seen_root = True
        if event == "start":
            stack.append(elem)
            if in_point:
                in_point += 1
                if in_point > MAX_POINT_ELEMENTS:
                    raise ActivityFileError("refused: a trackpoint with too many elements")
            elif name == "Trackpoint":
                in_point = 1
            elif len(stack) > MAX_DEPTH:
                raise _nesting_error()
            elif name == "Activity":
                current = _ActivityBuilder(elem.get("Sport"))
                builders.append(current)
            continue
        stack.pop()
        parent = local_name(stack[-1].tag) if stack else ""
        if name == "Trackpoint":
            in_point = 0
            if current is not None:
                current.add_point(elem)
        elif in_point:
            continue  # a trackpoint's own elements are read with it
        elif parent == "Lap" and current is not None:
            if name == "TotalTimeSeconds":
                t = _float(elem.text)
                current.timer += t if t == t else 0.0
            elif name == "DistanceMeters":
                d = _float(elem.text)
                current.distance += d if d == d else 0.0
        elif name == "Notes" and parent == "Activity" and current is not None:
            current.notes = (elem.text or "").strip() or None
        elif name == "Name" and creator is None and current is not None:
            creator = (elem.text or "").strip() or None
        elif name == "Course":
            courses += 1
        elem.clear()
        if stack:
            del stack[-1][:]

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
