"""Recognise an activity file by its bytes (gzip, FIT, GPX, TCX) and parse it.

Extensions lie (`.gpx` that is really TCX, `.fit.gz` renamed), so the content decides;
the name is only a fallback for the error message.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable
from typing import BinaryIO, cast
from xml.etree.ElementTree import ParseError

from strainwatch.domain import ParsedActivity
from strainwatch.errors import ActivityFileError, NotAnActivity
from strainwatch.sources.xmlstream import parse_error, xml_root_name

ACTIVITY_SUFFIXES = (".gpx", ".fit", ".tcx", ".gpx.gz", ".fit.gz", ".tcx.gz")
_SNIFF_BYTES = 4096

Parser = Callable[[BinaryIO, str], list[ParsedActivity]]


def is_activity_name(name: str) -> bool:
    return name.lower().endswith(ACTIVITY_SUFFIXES)


def _choose_parser(head: bytes, name: str) -> tuple[str, Parser]:
    if len(head) >= 12 and head[8:12] == b".FIT":
        from strainwatch.sources.fit import parse_fit

        return "fit", parse_fit
    root = xml_root_name(head)
    if root == "":  # the root is past the sniffed bytes: trust the name, the parser checks
        root = "TrainingCenterDatabase" if ".tcx" in name.lower() else "gpx"
    if root is not None:
        if root in ("TrainingCenterDatabase", "Activities"):
            from strainwatch.sources.tcx import parse_tcx

            return "tcx", parse_tcx
        if root == "gpx":
            from strainwatch.sources.gpx import parse_gpx

            return "gpx", parse_gpx
        raise NotAnActivity(f"XML, but neither GPX nor TCX (root element <{root}>)")
    raise NotAnActivity("not an activity file (neither FIT, GPX nor TCX)")


def _peekable(stream: BinaryIO) -> io.BufferedReader:
    if isinstance(stream, io.BufferedReader):
        return stream
    return io.BufferedReader(cast("io.RawIOBase", stream))


def parse_stream(stream: BinaryIO, external_id: str, name: str | None = None) -> list[ParsedActivity]:
    """Parse an opened file, transparently gunzipping it; errors become ActivityFileError."""
    buffered = _peekable(stream)
    source = buffered
    if buffered.peek(2)[:2] == b"\x1f\x8b":
        source = _peekable(cast("BinaryIO", gzip.GzipFile(fileobj=buffered, mode="rb")))
    try:
        head = source.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
        if not head:
            raise ActivityFileError("empty file")
        _, parser = _choose_parser(head, name or external_id)
        return parser(source, external_id)
    except ParseError as exc:
        raise parse_error(exc) from None
    except EOFError:
        raise ActivityFileError("truncated: the compressed file ends early") from None
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise ActivityFileError(f"corrupt gzip data ({exc})") from None


def parse_file(path: str, external_id: str | None = None) -> list[ParsedActivity]:
    try:
        with open(path, "rb") as handle:  # noqa: PTH123 - a raw handle for BufferedReader
            return parse_stream(handle, external_id or path)
    except OSError as exc:
        raise ActivityFileError(f"cannot read: {exc.strerror or exc}") from None
