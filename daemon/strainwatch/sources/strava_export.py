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

from strainwatch.errors import ActivityFileError

CSV_NAME = "activities.csv"

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
}  # fmt: skip
_POSITIONS = {"id": 0, "name": 2, "type": 3, "description": 4}


@dataclass(frozen=True, slots=True)
class ExportRow:
    activity_id: str
    filename: str | None
    name: str | None
    sport_type: str | None
    description: str | None
    private_note: str | None
    gear: str | None


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


def read_export_index(archive: zipfile.ZipFile) -> list[ExportRow]:
    """The rows of activities.csv; raises when the zip is not a Strava export."""
    member = next((n for n in archive.namelist() if n.rsplit("/", 1)[-1].lower() == CSV_NAME), None)
    if member is None:
        raise ActivityFileError("a zip without activities.csv: not a Strava bulk export")
    prefix = member[: -len(CSV_NAME)]
    with archive.open(member) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        rows = list(csv.reader(text))
    if not rows:
        raise ActivityFileError(f"{member} is empty")
    header, body = rows[0], rows[1:]
    columns = _columns(header, body[:50])

    def cell(row: list[str], field: str) -> str | None:
        index = columns.get(field)
        if index is None or index >= len(row):
            return None
        return row[index].strip() or None

    out = []
    for row in body:
        activity_id = cell(row, "id")
        if not activity_id:
            continue
        filename = cell(row, "filename")
        out.append(
            ExportRow(
                activity_id=activity_id,
                filename=prefix + filename if filename else None,
                name=cell(row, "name"),
                sport_type=cell(row, "type"),
                description=cell(row, "description"),
                private_note=cell(row, "private_note"),
                gear=cell(row, "gear"),
            )
        )
    return out
