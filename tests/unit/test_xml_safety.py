"""No entity is ever expanded and no external entity ever read, whatever the file says."""

from __future__ import annotations

import io

import pytest

from strainwatch.errors import ActivityFileError, NotAnActivity
from strainwatch.sources.files.activity_files import parse_stream
from strainwatch.sources.files.tcx import parse_tcx
from strainwatch.sources.files.xmlstream import xml_root_name

POINTS = """<trk><trkseg>
<trkpt lat="52.5" lon="13.4"><time>2024-05-01T06:00:00Z</time></trkpt>
<trkpt lat="52.501" lon="13.4"><time>2024-05-01T06:00:30Z</time></trkpt>
</trkseg></trk>"""
GPX = '<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1">{}</gpx>'

ATTACKS = {
    "billion laughs": '<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + GPX.format("<trk><name>&b;</name></trk>" + POINTS),
    "external entity": '<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    + GPX.format("<trk><name>&x;</name></trk>" + POINTS),
    "external dtd": '<!DOCTYPE gpx SYSTEM "http://127.0.0.1:9/evil.dtd">' + GPX.format(POINTS),
    "doctype after a comment": "<?xml version='1.0'?><!-- hi --><!DOCTYPE gpx>" + GPX.format(POINTS),
}


@pytest.mark.parametrize("document", ATTACKS.values(), ids=ATTACKS.keys())
def test_dtds_are_refused_before_parsing(document: str) -> None:
    with pytest.raises(ActivityFileError, match="DTD"):
        parse_stream(io.BytesIO(document.encode()), "x.gpx")


def test_undeclared_entity_is_a_parse_error_not_an_expansion() -> None:
    document = GPX.format("<trk><name>&x;</name></trk>" + POINTS)
    with pytest.raises(ActivityFileError, match="undefined entity"):
        parse_stream(io.BytesIO(document.encode()), "x.gpx")


def test_prolog_with_bom_blanks_and_comments_is_fine() -> None:
    document = b"\xef\xbb\xbf  \n<?xml version='1.0'?>\n<!-- exported -->\n" + GPX.format(POINTS).encode()
    [activity] = parse_stream(io.BytesIO(document), "x.gpx")
    assert len(activity.track) == 2


def test_a_prolog_split_across_reads_is_handled() -> None:
    comment = "<!--" + "x" * 200_000 + "-->"
    document = ("<?xml version='1.0'?>" + comment + GPX.format(POINTS)).encode()
    [activity] = parse_stream(io.BytesIO(document), "x.gpx")
    assert len(activity.track) == 2


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_or_without_bom_is_read_safely(encoding: str) -> None:
    [activity] = parse_stream(io.BytesIO(GPX.format(POINTS).encode(encoding)), "x.gpx")
    assert len(activity.track) == 2


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("document", ATTACKS.values(), ids=ATTACKS.keys())
def test_dtds_are_refused_whatever_the_encoding(document: str, encoding: str) -> None:
    """A UTF-16 file without a BOM once slipped past a byte-level prolog check."""
    with pytest.raises(ActivityFileError, match="DTD"):
        parse_stream(io.BytesIO(document.encode(encoding)), "x.gpx")


def test_dtd_in_a_tcx_is_refused_by_the_parser_itself() -> None:
    tcx = (
        '<!DOCTYPE x [<!ENTITY a "boom">]><TrainingCenterDatabase><Notes>&a;</Notes></TrainingCenterDatabase>'
    )
    with pytest.raises(ActivityFileError, match="DTD"):
        parse_tcx(io.BytesIO(tcx.encode("utf-16-le")), "x.tcx")


def test_utf32_is_refused_as_such() -> None:
    with pytest.raises(ActivityFileError, match="UTF-32"):
        parse_stream(io.BytesIO(GPX.format(POINTS).encode("utf-32")), "x.gpx")


def test_truncated_xml_names_the_position() -> None:
    document = GPX.format(POINTS).encode()[:-30]
    with pytest.raises(ActivityFileError, match=r"not well-formed XML .* line \d+, column \d+"):
        parse_stream(io.BytesIO(document), "x.gpx")


def test_root_name_sniffing() -> None:
    assert xml_root_name(b"<?xml version='1.0'?><gpx:gpx xmlns:gpx='x'>") == "gpx"
    assert xml_root_name(b"<TrainingCenterDatabase xmlns='x'>") == "TrainingCenterDatabase"
    assert xml_root_name(b"\x0e\x10FIT") is None


def test_other_xml_is_not_an_activity() -> None:
    with pytest.raises(NotAnActivity, match="root element <kml>"):
        parse_stream(io.BytesIO(b"<?xml version='1.0'?><kml></kml>"), "x.kml")
