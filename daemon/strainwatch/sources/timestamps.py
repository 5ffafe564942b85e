"""ISO 8601 timestamps as written by GPX and TCX files, to UTC epoch seconds."""

from __future__ import annotations

from datetime import UTC, datetime

from strainwatch.errors import ActivityFileError


def parse_iso_utc(text: str) -> datetime:
    """'2020-09-04T09:25:50.116000Z' -> aware UTC datetime; a zone-less time is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ActivityFileError(f"invalid timestamp {text.strip()[:40]!r}") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
