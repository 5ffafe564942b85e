"""Every kind of channel, in the order an athlete's routes are listed: one line per kind.

`routes_for` is where the outbox, dispatch, the pass and the commands learn where an
athlete's messages go; none of them names a kind.
"""

from __future__ import annotations

from strainwatch.config.settings import AthleteSettings, Settings
from strainwatch.notify.channels.base import ChannelKind, Route
from strainwatch.notify.channels.email.kind import KIND as EMAIL_KIND
from strainwatch.notify.channels.push.kind import KIND as PUSH_KIND
from strainwatch.notify.channels.webhook.kind import KIND as WEBHOOK_KIND

KINDS: tuple[ChannelKind, ...] = (EMAIL_KIND, PUSH_KIND, WEBHOOK_KIND)


def routes_for(settings: Settings, athlete: AthleteSettings) -> list[Route]:
    """The athlete's routes: the shared channel first (it takes everything), then the
    athlete's own channels in config order."""
    routes = [route for kind in KINDS for route in kind.routes(settings, athlete)]
    order = {c.name: i for i, c in enumerate(athlete.channels)}
    return sorted(routes, key=lambda r: (r.athlete_id is not None, order.get(r.name, -1)))


def unknown_kinds(settings: Settings) -> list[str]:
    """Channels whose `kind` no registered kind takes: "<athlete> <channel>: <kind>"."""
    known = {kind.name for kind in KINDS}
    return [
        f"{a.id} {c.name}: no channel kind {c.kind!r} (known: {', '.join(sorted(known))})"
        for a in settings.athletes
        for c in a.channels
        if c.kind not in known
    ]
