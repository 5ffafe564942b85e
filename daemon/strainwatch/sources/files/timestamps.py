"""ISO 8601 timestamps as written by GPX and TCX files, to UTC epoch seconds."""

from __future__ import annotations

from datetime import UTC, datetime

from strainwatch.errors import ActivityFileError

# No GPS watch recorded before 1980 (the GPS epoch) and no file is dated past 2100: a time
# outside this span is a wrong device clock, and would overflow local-time arithmetic later.
EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_EARLIEST_S = EARLIEST.timestamp()
_LATEST_S = LATEST.timestamp()


def plausible_epoch(seconds: float) -> bool:
    return _EARLIEST_S <= seconds < _LATEST_S


def parse_iso_utc(text: str) -> datetime:
    """'2020-09-04T09:25:50.116000Z' -> aware UTC datetime; a zone-less time is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ActivityFileError(f"invalid timestamp {text.strip()[:40]!r}") from None
