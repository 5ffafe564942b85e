"""Addresses of the web page's resources, for mails and pushes that link to them.

One place builds them so that the web routes, the mail templates and the push text agree.
"""

from __future__ import annotations

from urllib.parse import quote


def alert_url(public_url: str | None, alert_id: int) -> str | None:
    """The alert's page, or None when no `[web] public_url` is configured."""
    if public_url is None:
        return None
    return f"{public_url.rstrip('/')}/alerts/{int(alert_id)}"


def activity_url(public_url: str | None, activity_id: int) -> str | None:
    """The run's page, or None when no `[web] public_url` is configured."""
    if public_url is None:
        return None
    return f"{public_url.rstrip('/')}/activities/{int(activity_id)}"


def athlete_url(public_url: str | None, athlete_id: str) -> str | None:
    """The athlete's overview, or None when no `[web] public_url` is configured."""
    if public_url is None:
        return None
    return f"{public_url.rstrip('/')}/athletes/{quote(athlete_id, safe='')}"


def alerts_url(public_url: str | None, athlete_id: str) -> str | None:
    """The athlete's alerts history, or None when no `[web] public_url` is configured."""
    if public_url is None:
        return None
    return f"{public_url.rstrip('/')}/athletes/{quote(athlete_id, safe='')}/alerts"
