"""Streaming XML with entity expansion made impossible, in bounded memory.

Activity files come from anywhere, and neither gpxpy nor ElementTree refuses a DTD. A DTD
is the only place an entity can be declared and it can only stand before the root element.
GPX and TCX are read by expat itself (`safe_expat`, `feed_expat`), whose handlers refuse a
document type, entity or notation declaration as it starts; once the root element has
started, none can follow. The reader's handlers see every element as it comes and no
element tree is built: memory is what the handlers keep, never the document. One parser
reads the file, so no encoding trick (UTF-16 without a BOM, say) can show a check a DTD the
parser misses. `xml_root_name` sniffs the first bytes with a guard of the same kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO, NoReturn
from xml.parsers import expat

from strainwatch.errors import ActivityFileError
from strainwatch.sources.files.limits import guard_of

CHUNK_SIZE = 1 << 16
MAX_PROLOG = 1 << 20
MAX_DEPTH = 64  # GPX and TCX nest about 8 deep
_WHITESPACE = b" \t\r\n"
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF32 = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"<\x00\x00\x00", b"\x00\x00\x00<")
ENCODING_REFUSED = "the XML declares a character encoding strainwatch cannot read; save the file as UTF-8"
DTD_REFUSED = "refused: the XML declares a DTD or entities (<!DOCTYPE>), which activity files never need"


class _DeclarationGuard:
    """An expat parser that only watches the prolog: any DOCTYPE or entity declaration
    raises; the first element's name is kept and the guard's work is done."""

    def __init__(self) -> None:
        self.root: str | None = None
        self._parser = expat.ParserCreate()
        self._parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self._parser.StartDoctypeDeclHandler = self._refuse
        self._parser.EntityDeclHandler = self._refuse
        self._parser.UnparsedEntityDeclHandler = self._refuse
        self._parser.NotationDeclHandler = self._refuse
        self._parser.StartElementHandler = self._start

    @staticmethod
    def _refuse(*_args: object) -> NoReturn:
        raise ActivityFileError(DTD_REFUSED)

    def _start(self, name: str, _attrs: object) -> None:
        self.root = name
        self._parser.StartElementHandler = None

    def feed(self, data: bytes, final: bool = False) -> None:
        if self.root is not None:
            return
        try:
            self._parser.Parse(data, final)
        except expat.ExpatError as exc:
            if self.root is None:  # past the root, ElementTree's parser reports it
                raise _expat_error(exc) from None
        except (LookupError, ValueError):  # encoding="no-such-codec", or a multi-byte one
            raise ActivityFileError(ENCODING_REFUSED) from None


def _expat_error(exc: expat.ExpatError) -> ActivityFileError:
    reason = expat.ErrorString(exc.code) if exc.code else str(exc)
    return ActivityFileError(f"not well-formed XML ({reason}) at line {exc.lineno}, column {exc.offset}")


def _prepare(head: bytes) -> bytes:
    """Strip a UTF-8 BOM and the blanks Strava's export puts before <?xml; refuse UTF-32."""
    if head.startswith(_UTF32):
        raise ActivityFileError("UTF-32 XML is not supported; save the file as UTF-8")
    stripped = head.removeprefix(_UTF8_BOM).lstrip(_WHITESPACE)
    if stripped.startswith(b"<") and not stripped.startswith(b"<\x00"):
        return stripped  # ASCII-compatible: the blanks can go
    return head


def xml_root_name(head: bytes) -> str | None:
    """The root element's local name from the first bytes of a file, None if not XML,
    "" if XML whose root lies beyond `head` (a long comment first).

    Raises ActivityFileError for a DTD, like the parser itself would.
    """
    text = _prepare(head)
    if not text.startswith((b"<", b"\xff\xfe", b"\xfe\xff", b"\x00<", _UTF8_BOM)):
        return None
    guard = _DeclarationGuard()
    try:
        guard.feed(text)
    except ActivityFileError as exc:
        if str(exc) in (DTD_REFUSED, ENCODING_REFUSED):
            raise
        return None
    if guard.root is None:
        return ""
    return guard.root.rpartition(":")[2]


def _refuse_dtd(*_args: object) -> NoReturn:
    raise ActivityFileError(DTD_REFUSED)


def safe_expat() -> expat.XMLParserType:
    """An expat parser for untrusted activity files: a DOCTYPE, entity or notation
    declaration is refused as it starts, before a byte of it is read, so no entity is ever
    declared, expanded or fetched. Names come as 'uri}local' (ElementTree's '{uri}local'
    without the brace) and an element's text in as few pieces as possible."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.UnparsedEntityDeclHandler = _refuse_dtd
    parser.NotationDeclHandler = _refuse_dtd
    parser.buffer_text = True
    return parser


def feed_expat(
    stream: BinaryIO, parser: expat.XMLParserType, after_chunk: Callable[[], None], rooted: Callable[[], bool]
) -> None:
    """Feed `stream` to `parser` 64 KiB at a time; `after_chunk()` runs after each chunk
    (to keep the handlers' memory bounded), `rooted()` says whether the root element has
    started.

    Raises ActivityFileError for an empty file, a prolog without a root element in its
    first megabyte, an encoding expat cannot read, and XML that is not well-formed.
    """
    reader = guard_of(stream)
    if reader is not None:
        reader.markup = True
    chunk = _prepare(stream.read(CHUNK_SIZE))
    if not chunk.strip(_WHITESPACE):
        raise ActivityFileError("empty file")
    parse = parser.Parse
    fed = 0
    try:
        while chunk:
            parse(chunk, False)
            after_chunk()
            fed += len(chunk)
            if fed > MAX_PROLOG and not rooted():
                raise ActivityFileError("not XML: no root element in the first megabyte")
            chunk = stream.read(CHUNK_SIZE)
        parse(b"", True)
    except expat.ExpatError as exc:
        raise _expat_error(exc) from None
    except (LookupError, ValueError):  # an encoding="no-such-codec", or a multi-byte one
        if rooted():
            raise
        raise ActivityFileError(ENCODING_REFUSED) from None


def local_name(tag: str) -> str:
    """'{http://www.topografix.com/GPX/1/1}trkpt' -> 'trkpt'."""
    return tag.rpartition("}")[2]
