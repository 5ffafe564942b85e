"""Strava's bulk export (`export_123.zip`): activities.csv plus the original files.

The CSV's header names are translated into the account's language and some appear twice
(an "Elapsed Time" in the display format, then again in seconds), so columns are found by
a list of names per field, first occurrence wins, with positional fallbacks for the first
columns, whose order Strava has kept in every export seen.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO, cast

from strainwatch.errors import ActivityFileError, NotAnActivity
from strainwatch.sources.files.export_values import parse_export_date, parse_number, parse_seconds
from strainwatch.sources.files.limits import MiB, ReadLimits, guarded

CSV_NAME = "activities.csv"
MAX_MEMBERS = 50_000  # a decade of daily activities with their photos fits several times
MAX_TOTAL_BYTES = 64 * 1024 * MiB  # declared size of all members together
MAX_CSV_BYTES = 32 * MiB
MAX_CSV_ROWS = 50_000
MAX_CSV_FIELD = 128 * 1024  # csv's own default; a Strava description is far shorter
_AES = 99

_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("activity id", "aktivitats-id", "id de l'activite", "id de la actividad",
           "id attivita", "activiteit-id", "id da atividade", "id aktywnosci"),
    "name": ("activity name", "name der aktivitat", "aktivitatsname", "nom de l'activite",
             "nombre de la actividad", "nome attivita", "naam activiteit", "nome da atividade"),
    "type": ("activity type", "aktivitatsart", "aktivitatstyp", "type d'activite",
             "tipo de actividad", "tipo di attivita", "activiteitstype", "tipo de atividade"),
    "description": ("activity description", "aktivitatsbeschreibung",
                    "beschreibung der aktivitat", "description de l'activite",
                    "descripcion de la actividad", "descrizione attivita",
                    "beschrijving activiteit", "descricao da atividade"),
    "private_note": ("activity private note", "private notiz zur aktivitat",
                     "note privee de l'activite", "nota privada de la actividad",
                     "nota privata attivita", "prive-notitie activiteit",
                     "nota privada da atividade"),
    "gear": ("activity gear", "aktivitatsausrustung", "ausrustung", "equipement de l'activite",
             "equipo de la actividad", "attrezzatura attivita", "uitrusting activiteit",
             "equipamento da atividade"),
    "filename": ("filename", "dateiname", "nom du fichier", "nombre del archivo",
                 "nome file", "bestandsnaam", "nome do arquivo"),
    "date": ("activity date", "aktivitatsdatum", "datum der aktivitat", "date de l'activite",
             "fecha de la actividad", "data attivita", "datum activiteit", "data da atividade"),
    "elapsed": ("elapsed time", "verstrichene zeit", "gesamtzeit", "temps ecoule", "tiempo transcurrido",
                "tempo trascorso", "verstreken tijd", "tempo decorrido"),
    "moving": ("moving time", "bewegungszeit", "temps de deplacement", "tiempo en movimiento",
               "tempo in movimento", "bewegingstijd", "tempo em movimento"),
    "distance": ("distance", "distanz", "strecke", "distancia", "distanza", "afstand"),
}  # fmt: skip
_POSITIONS = {"id": 0, "date": 1, "name": 2, "type": 3, "description": 4, "elapsed": 5, "distance": 6}


@dataclass(frozen=True, slots=True)
class ExportRow:
    activity_id: str
    filename: str | None
    name: str | None
    sport_type: str | None
    description: str | None
    private_note: str | None
    gear: str | None
    start_time: datetime | None = None  # UTC, as the export writes it
    distance_m: float | None = None
    elapsed_time_s: float | None = None
    moving_time_s: float | None = None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _columns(header: list[str], sample: list[list[str]]) -> dict[str, int]:
    folded = [_fold(h) for h in header]
    found: dict[str, int] = {}
    for field, names in _HEADERS.items():
        for index, name in enumerate(folded):
            if name in names:
                found[field] = index
                break
    for field, index in _POSITIONS.items():
        found.setdefault(field, index)
    if "filename" not in found:  # an unknown language: the column whose values are paths
        for index in range(len(header)):
            if any(row[index].startswith("activities/") for row in sample if index < len(row)):
                found["filename"] = index
                break
    return found


def check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse a zip whose directory alone promises unbounded work."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ActivityFileError(
            f"refused: the zip has {len(infos):,} members (at most {MAX_MEMBERS:,} are read)"
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_BYTES:
        raise ActivityFileError(f"refused: the zip's members expand to {total / MiB / 1024:,.0f} GB")


def open_member(archive: zipfile.ZipFile, name: str, limits: ReadLimits) -> IO[bytes]:
    """A member, read through `limits` relative to its compressed size; encrypted members
    and compression methods Python lacks are refused by name, not by a library's text."""
    try:
        info = archive.getinfo(name)  # a dict lookup: O(1) however many members
    except KeyError:
        raise ActivityFileError("listed in activities.csv but missing from the zip") from None
    if info.flag_bits & 0x1:
        raise ActivityFileError(f"{name} is encrypted in the zip: export it again without a password")
    if info.compress_type not in (
        zipfile.ZIP_STORED,
        zipfile.ZIP_DEFLATED,
        zipfile.ZIP_BZIP2,
        zipfile.ZIP_LZMA,
    ):
        method = "AES encryption" if info.compress_type == _AES else f"method {info.compress_type}"
        raise ActivityFileError(f"{name} is compressed with {method}, which strainwatch cannot unpack")
    try:
        raw = archive.open(info)
    except (NotImplementedError, RuntimeError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ActivityFileError(f"cannot read {name} from the zip ({type(exc).__name__})") from None
    return guarded(cast("io.BufferedIOBase", raw), limits.expanded(info.compress_size), name)


def _decode(data: bytes, member: str) -> str:
    """UTF-8 as Strava writes it; UTF-16 or Windows-1252 after a round trip through Excel."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _read_rows(archive: zipfile.ZipFile, member: str, limits: ReadLimits) -> list[list[str]]:
    with open_member(archive, member, limits) as raw:
        data = raw.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise ActivityFileError(f"refused: {member} is larger than {MAX_CSV_BYTES // MiB} MB")
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(_decode(data, member), newline=""))
    previous = csv.field_size_limit(MAX_CSV_FIELD)
    try:
        for row in reader:
            if len(rows) > MAX_CSV_ROWS:
                raise ActivityFileError(f"refused: {member} has more than {MAX_CSV_ROWS:,} rows")
            rows.append(row[:200])
    except csv.Error:
        raise ActivityFileError(
            f"{member}, line {reader.line_num}: not a CSV file Strava wrote "
            f"(a field longer than {MAX_CSV_FIELD // 1024} KB, or a broken quote)"
        ) from None
    finally:
        csv.field_size_limit(previous)
    return rows


def read_export_index(
    archive: zipfile.ZipFile, limits: ReadLimits | None = None, units: str = "km"
) -> list[ExportRow]:
    """The rows of activities.csv; raises when the zip is not a Strava export.

    `units` is the account's display unit, in which the first Distance column is written;
    a second Distance column, when present, holds metres."""
    limits = limits or ReadLimits()
    check_archive(archive)
    member = next((n for n in archive.namelist() if n.rsplit("/", 1)[-1].lower() == CSV_NAME), None)
    if member is None:
        raise NotAnActivity("a zip without activities.csv: not a Strava bulk export")
    prefix = member[: -len(CSV_NAME)]
    rows = _read_rows(archive, member, limits)
    if not rows:
        raise ActivityFileError(f"{member} is empty")
    header, body = rows[0], rows[1:]
    columns = _columns(header, body[:50])
    distances = [i for i, name in enumerate(header) if _fold(name) in _HEADERS["distance"]]
    metres_column = distances[1] if len(distances) > 1 else None
    unit_m = 1609.344 if units == "mi" else 1000.0

    def cell(row: list[str], field: str) -> str | None:
        index = columns.get(field)
        if index is None or index >= len(row):
            return None
        return row[index].strip() or None

    def distance(row: list[str]) -> float | None:
        if metres_column is not None and metres_column < len(row):
            metres = parse_number(row[metres_column])
            if metres is not None:
                return metres
        shown = parse_number(cell(row, "distance"))
        return None if shown is None else shown * unit_m

    out = []
    for row in body:
        activity_id = cell(row, "id")
        if not activity_id:
            continue
        filename = cell(row, "filename")
        manual = {}
        if filename is None:  # a manual entry: its figures are all there is
            manual = {
                "start_time": parse_export_date(cell(row, "date")),
                "distance_m": distance(row),
                "elapsed_time_s": parse_seconds(cell(row, "elapsed")),
                "moving_time_s": parse_seconds(cell(row, "moving")),
            }
        out.append(
            ExportRow(
                activity_id=activity_id[:64],
                filename=prefix + filename if filename else None,
                name=cell(row, "name"),
                sport_type=cell(row, "type"),
                description=cell(row, "description"),
                private_note=cell(row, "private_note"),
                gear=cell(row, "gear"),
                **manual,  # type: ignore[arg-type]
            )
        )
    return out
