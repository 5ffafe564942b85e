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
DEFAULT_KIND = PUSH_KIND.name  # of an [[athletes.channels]] table without `kind`


def routes_for(settings: Settings, athlete: AthleteSettings) -> list[Route]:
    """The athlete's routes: the shared channel first (it takes everything), then the
    athlete's own channels in config order."""
    routes = [route for kind in KINDS for route in kind.routes(settings, athlete)]
    order = {c.name: i for i, c in enumerate(athlete.channels)}
    return sorted(routes, key=lambda r: (r.athlete_id is not None, order.get(r.name, -1)))
