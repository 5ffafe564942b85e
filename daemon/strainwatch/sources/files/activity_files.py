"""Recognise an activity file by its bytes (gzip, FIT, GPX, TCX) and parse it.

Extensions lie (`.gpx` that is really TCX, `.fit.gz` renamed), so the content decides;
the name is only a fallback for the error message.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import zlib
from collections.abc import Callable
from typing import BinaryIO, cast

from strainwatch.domain import ParsedActivity
from strainwatch.errors import ActivityFileError, NotAnActivity
from strainwatch.sources.files.limits import ReadLimits, guarded
from strainwatch.sources.files.xmlstream import xml_root_name

ACTIVITY_SUFFIXES = (".gpx", ".fit", ".tcx", ".gpx.gz", ".fit.gz", ".tcx.gz")
_SNIFF_BYTES = 4096

Parser = Callable[[BinaryIO, str], list[ParsedActivity]]


def is_activity_name(name: str) -> bool:
    return name.lower().endswith(ACTIVITY_SUFFIXES)


def _choose_parser(head: bytes, name: str) -> tuple[str, Parser]:
    if len(head) >= 12 and head[8:12] == b".FIT":
        from strainwatch.sources.files.fit import parse_fit

        return "fit", parse_fit
    root = xml_root_name(head)
    if root == "":  # the root is past the sniffed bytes: trust the name, the parser checks
        root = "TrainingCenterDatabase" if ".tcx" in name.lower() else "gpx"
    if root is not None:
        if root in ("TrainingCenterDatabase", "Activities"):
            from strainwatch.sources.files.tcx import parse_tcx

            return "tcx", parse_tcx
        if root == "gpx":
            from strainwatch.sources.files.gpx import parse_gpx

            return "gpx", parse_gpx
        raise NotAnActivity(f"XML, but neither GPX nor TCX (root element <{root}>)")
    raise NotAnActivity("not an activity file (neither FIT, GPX nor TCX)")


def _peekable(stream: BinaryIO) -> io.BufferedReader:
    if isinstance(stream, io.BufferedReader):
        return stream
    return io.BufferedReader(cast("io.RawIOBase", stream))


def parse_stream(
    stream: BinaryIO,
    external_id: str,
    name: str | None = None,
    *,
    limits: ReadLimits | None = None,
    size: int | None = None,
) -> list[ParsedActivity]:
    """Parse an opened file, transparently gunzipping it; errors become ActivityFileError.

    Everything the parser reads passes through `limits` (bytes after decompression, at most
    `MAX_EXPANSION_RATIO` times the `size` read from disk, and the deadline).
    """
    limits = limits or ReadLimits()
    buffered = _peekable(stream)
    try:
        if buffered.peek(2)[:2] == b"\x1f\x8b":
            unpacked = gzip.GzipFile(fileobj=buffered, mode="rb")
            expanded = limits.expanded(size) if size is not None else limits
            source = guarded(cast("io.BufferedIOBase", unpacked), expanded, "the gzipped file")
        else:
            source = guarded(buffered, limits, "the file")
        head = source.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
        if not head:
            raise ActivityFileError("empty file")
        _, parser = _choose_parser(head, name or external_id)
        return parser(source, external_id)
    except EOFError:
        raise ActivityFileError("truncated: the compressed file ends early") from None
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise ActivityFileError(f"corrupt gzip data ({exc})") from None


def open_regular(path: str) -> io.FileIO:
    """Open for reading only if `path` is a regular file: a FIFO, device or socket put in
    its place after discovery never blocks the pass (O_NONBLOCK, then fstat)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise ActivityFileError(f"skipped: {special_file_kind(mode)}, not a regular file")
        os.set_blocking(fd, True)
        return io.FileIO(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


def special_file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def parse_file(
    path: str, external_id: str | None = None, limits: ReadLimits | None = None
) -> list[ParsedActivity]:
    try:
        with open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            return parse_stream(cast("BinaryIO", handle), external_id or path, limits=limits, size=size)
    except OSError as exc:
        raise ActivityFileError(f"cannot read: {exc.strerror or exc}") from None
