"""ISO 8601 timestamps as written by GPX and TCX files, to UTC epoch seconds."""

from __future__ import annotations

from datetime import UTC, datetime

from strainwatch.errors import ActivityFileError

# No GPS watch recorded before 1980 (the GPS epoch) and no file is dated past 2100: a time
# outside this span is a wrong device clock, and would overflow local-time arithmetic later.
EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
EARLIEST_S = EARLIEST.timestamp()
LATEST_S = LATEST.timestamp()


def plausible_epoch(seconds: float) -> bool:
    return EARLIEST_S <= seconds < LATEST_S


def parse_iso_utc(text: str) -> datetime:
    """'2020-09-04T09:25:50.116000Z' -> aware UTC datetime; a zone-less time is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ActivityFileError(f"invalid timestamp {text.strip()[:40]!r}") from None


_last_minute: list[object] = ["", 0]  # a prefix 'YYYY-MM-DDTHH:MM:' and its epoch seconds


def _shaped_seconds(text: str, base: int) -> float | None:
    """`text` as `base` + its seconds, for 'SSZ', 'SS.fffZ' and 'SS.ffffffZ' tails; else None.

    The sum is the one `datetime.timestamp()` makes (whole microseconds over 10**6), so the
    value is the same to the last bit.
    """
    seconds = text[17:19]
    if not (seconds.isascii() and seconds.isdigit() and seconds < "60"):
        return None
    whole = base + int(seconds)
    if len(text) == 20:
        return float(whole)
    fraction = text[20:-1]
    if text[19] != "." or not (fraction.isascii() and fraction.isdigit()):
        return None
    micro = int(fraction) * (1000 if len(fraction) == 3 else 1)
    return (whole * 1_000_000 + micro) / 1_000_000


def epoch_seconds(text: str) -> float:
    """`parse_iso_utc(text).timestamp()`, fast for the 'YYYY-MM-DDTHH:MM:SS[.fff]Z' most
    devices write a second apart: the minute is parsed once, the seconds added."""
    size = len(text)
    if size in {20, 24, 27} and text[16] == ":" and text[-1] == "Z":
        prefix = text[:17]
        memo = _last_minute
        if memo[0] == prefix:  # _shaped_seconds, inlined: this runs for every point
            seconds = text[17:19]
            if seconds.isascii() and seconds.isdigit() and seconds < "60":
                whole = memo[1] + int(seconds)  # type: ignore[operator]
                if size == 20:
                    return float(whole)
                fraction = text[20:-1]
                if text[19] == "." and fraction.isascii() and fraction.isdigit():
                    micro = int(fraction) * (1000 if size == 24 else 1)
                    return (whole * 1_000_000 + micro) / 1_000_000
        value = parse_iso_utc(text).timestamp()
        try:
            base = int(parse_iso_utc(prefix + "00Z").timestamp())
        except ActivityFileError:
            return value
        if _shaped_seconds(text, base) == value:
            memo[0], memo[1] = prefix, base
        return value
    return parse_iso_utc(text).timestamp()
