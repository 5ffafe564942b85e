"""Streaming XML with entity expansion made impossible.

Activity files come from anywhere, and neither gpxpy nor ElementTree refuses a DTD. A
DTD is the only place an entity can be declared, and it can only stand in the prolog,
so we read the prolog ourselves and refuse any `<!DOCTYPE`/`<!ENTITY` before a single
byte reaches the parser: no entity is ever expanded and no external one is ever read.
The document is then parsed incrementally and each element is dropped once handled, so
memory stays bounded for files of any size.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import BinaryIO, cast

from strainwatch.errors import ActivityFileError

CHUNK_SIZE = 1 << 16
MAX_PROLOG = 1 << 20
_WHITESPACE = b" \t\r\n"


def _prolog_end(head: bytes) -> int | None:
    """Offset of the root element's '<', None if `head` ends inside the prolog.

    Raises on a DTD or anything else that is not a declaration, comment or whitespace.
    """
    pos = 0
    n = len(head)
    while True:
        while pos < n and head[pos] in _WHITESPACE:
            pos += 1
        if pos >= n:
            return None
        if head.startswith(b"<?", pos):
            close = head.find(b"?>", pos)
            if close < 0:
                return None
            pos = close + 2
        elif head.startswith(b"<!--", pos):
            close = head.find(b"-->", pos)
            if close < 0:
                return None
            pos = close + 3
        elif head[pos:] in (b"<", b"<!", b"<!-"):
            return None  # a comment may start here: wait for more bytes
        elif head.startswith(b"<!", pos):
            raise ActivityFileError(
                "refused: the XML declares a DTD or entities (<!DOCTYPE>), which activity files never need"
            )
        elif head[pos] == ord("<"):
            return pos
        else:
            raise ActivityFileError("not XML: text before the first element")


def xml_root_name(head: bytes) -> str | None:
    """The root element's local name from the first bytes of a file, None if not XML,
    "" if XML whose root lies beyond `head` (a long comment first).

    Raises ActivityFileError for a DTD, like the parser itself would.
    """
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(_WHITESPACE)
    if not text.startswith(b"<"):
        return None
    start = _prolog_end(text)
    if start is None:
        return ""
    name = re.match(rb"<([^\s/>]+)", text[start:])
    return local_name(name.group(1).decode("utf-8", "replace")).rpartition(":")[2] if name else None


def fed_parser(stream: BinaryIO) -> Iterator[ET.XMLPullParser[ET.Element]]:
    """Feed `stream` to a pull parser chunk by chunk, yielding the parser after each chunk.

    The caller drains `parser.read_events()` ("start" and "end" events) each time and clears
    the elements it has handled. One generator step per 64 KiB, not per element: on a
    million-point file the difference is much of the parsing time.
    """
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    head = stream.read(CHUNK_SIZE)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ActivityFileError("UTF-16 XML is not supported; save the file as UTF-8")
    head = head.lstrip(_WHITESPACE)  # Strava's export puts blanks before <?xml
    if not head:
        raise ActivityFileError("empty file")
    while _prolog_end(head) is None:
        more = stream.read(CHUNK_SIZE)
        if not more or len(head) > MAX_PROLOG:
            raise ActivityFileError("not XML: no root element found")
        head += more
    try:
        parser.feed(head)
        yield parser
        while chunk := stream.read(CHUNK_SIZE):
            parser.feed(chunk)
            yield parser
        parser.close()
        yield parser
    except ET.ParseError as exc:
        raise parse_error(exc) from None


def parse_error(exc: ET.ParseError) -> ActivityFileError:
    """The user's version of expat's complaint. XMLPullParser queues feed errors as events,
    so they surface wherever `read_events()` is drained: callers translate them with this."""
    line, column = exc.position
    reason = str(exc).split(":")[0]
    return ActivityFileError(f"not well-formed XML ({reason}) at line {line}, column {column}")


def iter_elements(stream: BinaryIO) -> Iterator[tuple[str, ET.Element]]:
    """Every (event, element) pair: the convenient form, for small documents and TCX."""
    try:
        for parser in fed_parser(stream):
            for event in parser.read_events():
                yield cast("tuple[str, ET.Element]", event)
    except ET.ParseError as exc:
        raise parse_error(exc) from None


def local_name(tag: str) -> str:
    """'{http://www.topografix.com/GPX/1/1}trkpt' -> 'trkpt'."""
    return tag.rpartition("}")[2]
