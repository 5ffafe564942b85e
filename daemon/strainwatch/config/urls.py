"""What a configured service URL may be."""

from __future__ import annotations


def check_service_url(value: str) -> str:
    """An API's base URL: https, or http on loopback only (the tests' local fakes)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        raise ValueError(f"not a valid URL: {value[:80]!r}") from None
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValueError(f"must be an https:// URL (http:// only on loopback): {value!r}")
    return value.rstrip("/")
