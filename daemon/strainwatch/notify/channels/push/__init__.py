"""Push through Apprise (channel.py: the sending; render.py: a phone's few lines; kind.py:
its routes and checks)."""

from strainwatch.notify.channels.push.channel import (
    PushChannel,
    classify,
    load_apprise,
    public_name,
    redact,
    secret_parts,
)

__all__ = ["PushChannel", "classify", "load_apprise", "public_name", "redact", "secret_parts"]
