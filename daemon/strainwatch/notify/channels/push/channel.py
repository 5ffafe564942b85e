"""Push notifications through Apprise (ntfy, Gotify, Telegram, Matrix, Signal, a JSON
webhook and 100+ more), imported only when a channel is configured: `strainwatch[push]`.

How a failure is sorted. Apprise's notify() answers with a result whose truth is the
verdict; Apprise (2.x) also keeps, per service and attempt, the log entries the plugin wrote
during that attempt. Its plugins report an HTTP failure in one shape, "…, error=<status>."
(ntfy puts its five-digit error code there: 42901 is HTTP 429), and a connection failure
as "A Connection error occurred …". So: a status of 429, 408 or 5xx, a connection error, a
timeout, or a failure without a status is temporary (retried with backoff); any other 4xx
(401, 403, 404: a wrong token, a deleted topic) is permanent, and so is a URL Apprise
cannot parse. Only the captured entries of this one call are read, never the process's log.

The URL holds the service's token: every piece of it that may be secret (user, password,
a host that is not a host name, path segments, query values) is registered with the log
redactor before anything is sent, and everything this module says is redacted too.

Idempotency: every push ends with "ref <12 hex digits>" from the idempotency key (the same
on a retry or a crash-resend, and the start of the mail's Message-ID about the same news);
webhooks (json://, form://, xml://) also get it as the X-Strainwatch-Ref header.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from datetime import timedelta
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from strainwatch.errors import ConfigError
from strainwatch.notify.channels.base import DeliveryError, PermanentDeliveryError, TemporaryDeliveryError
from strainwatch.notify.notification import Notification

log = logging.getLogger(__name__)

EXTRA_HINT = "with pipx: pipx inject strainwatch apprise"
_STATUS = re.compile(r"error=(\d{3,5})\b")
_CONNECTION = re.compile(r"connection error|timed out|timeout|could not connect|refused", re.IGNORECASE)
_PUBLIC_HOST = re.compile(
    r"^(localhost|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\]|([a-z0-9-]+\.)+[a-z]{2,})$", re.IGNORECASE
)  # a name or address a host can have: anything else in that place (a bot token, a topic) is a secret

# the service's own priority for a finding's severity, where it has one
_PRIORITIES: dict[str, dict[str, str]] = {
    "ntfy": {"warning": "high", "caution": "default", "info": "low"},
    "gotify": {"warning": "high", "caution": "normal", "info": "low"},
    "pover": {"warning": "high", "caution": "normal", "info": "low"},
}
_SCHEMES = {"ntfys": "ntfy", "gotifys": "gotify"}
_WEBHOOKS = {"json", "jsons", "form", "forms", "xml", "xmls"}
_NTFY_TAGS = {"warning": "rotating_light", "caution": "warning"}


def load_apprise() -> ModuleType:
    """Apprise, or a ConfigError that names the extra to install."""
    try:
        import apprise
    except ImportError:
        what = "push channels need Apprise, which is not installed: pip install 'strainwatch[push]'"
        raise ConfigError(what, hint=EXTRA_HINT) from None
    return apprise


def secret_parts(url: str) -> list[str]:
    """Every piece of an Apprise URL that may be a secret, longest first: the whole URL, the
    user and password, a "host" that is no host name (Telegram's bot token, ntfy.sh's topic),
    each path segment, each query value that is a credential or looks like a token. Scheme, a
    real host name, the port and plain options (priority=high, auth=token) are kept, so that
    redaction does not blank common words out of every log line."""
    scheme, _, rest = url.partition("://")
    parts = urlsplit(url if rest else f"x://{url}")
    pieces = {url, rest}
    userinfo, _, hostport = parts.netloc.rpartition("@")
    pieces.update(userinfo.split(":"))
    pieces.add(userinfo)
    host, _, port = hostport.partition(":") if not hostport.startswith("[") else (hostport, "", "")
    if not _PUBLIC_HOST.match(host):
        pieces.add(host)
    if port and not port.isdigit():
        pieces.add(port)
    pieces.update(parts.path.split("/"))
    pieces.update(value for key, value in parse_qsl(parts.query) if _secret_option(key, value))
    pieces.add(parts.fragment)
    pieces |= {unquote(p) for p in pieces} | {quote(p, safe="") for p in pieces}
    return sorted((p for p in pieces if len(p) >= 4 and p != scheme), key=len, reverse=True)


_SECRET_KEYS = re.compile(
    r"token|key|secret|pass|auth_?code|bot|webhook|sid|user|to$|from$|id$", re.IGNORECASE
)  # query options that carry a credential or an address


def _secret_option(key: str, value: str) -> bool:
    letters, digits = any(c.isalpha() for c in value), any(c.isdigit() for c in value)
    return bool(_SECRET_KEYS.search(key)) or len(value) >= 16 or (len(value) >= 8 and letters and digits)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def public_name(url: str) -> str:
    """What may be shown of a URL: the scheme and a real host name, nothing else."""
    scheme, _, rest = url.partition("://")
    hostport = urlsplit(f"x://{rest}").netloc.rpartition("@")[2]
    host = hostport.partition(":")[0]
    return f"{scheme}://{host if _PUBLIC_HOST.match(host) else '***'}"


def http_status(code: int) -> int:
    """ntfy reports 42901 for HTTP 429 (its error codes are the status and a number)."""
    return code // 100 if code >= 10000 else code


def classify(messages: list[str], *, timed_out: bool = False) -> tuple[bool, str]:
    """(permanent, why) for a failed push, from the plugin's own log entries of this call."""
    if timed_out:
        return False, "timed out"
    statuses = [http_status(int(m)) for text in messages for m in _STATUS.findall(text)]
    if statuses:
        status = statuses[-1]
        temporary = status in (408, 425, 429) or status >= 500 or status < 400
        return not temporary, f"the service answered HTTP {status}"
    if any(_CONNECTION.search(text) for text in messages):
        return False, "no connection to the service (or no answer within the timeout)"
    last = messages[-1] if messages else "no reason given"
    return False, f"not accepted ({last})"


def _apprise_level() -> None:
    """The failure entries are WARNINGs: make sure Apprise's logger creates them, whatever the
    verbosity (`-q` raises the root's level to ERROR)."""
    logger = logging.getLogger("apprise")
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)


class PushChannel:
    """One athlete's push channel: `name` as configured, one Apprise URL."""

    sender = "strainwatch"

    def __init__(self, name: str, url: str, *, timeout: int = 10) -> None:
        from strainwatch.logsetup import redactor

        self.name = name
        self.timeout = timeout
        self.lease = timedelta(seconds=3 * timeout + 30)
        self.secrets = secret_parts(url)
        redactor.add(self.secrets)  # before Apprise ever sees the URL and logs about it
        self.where = f"channel {name!r} ({public_name(url)})"
        self._url = url
        apprise = load_apprise()
        plugin = apprise.Apprise.instantiate(url)
        if plugin is None:
            raise ConfigError(
                "Apprise cannot use this URL (unknown service or a malformed URL)",
                where=self.where,
                hint="see https://github.com/caronc/apprise/wiki for each service's URL",
            )
        self.scheme = url.partition("://")[0].lower()
        self.service = str(getattr(plugin, "service_name", self.scheme))
        self.plugin: Any = plugin

    def _url_for(self, n: Notification) -> str:
        """The configured URL with this message's priority, click link and reference added
        where the service takes them and the user has not set them."""
        service = _SCHEMES.get(self.scheme, self.scheme)
        query = dict(parse_qsl(urlsplit(self._url).query))
        extra: dict[str, str] = {}
        priority = _PRIORITIES.get(service, {}).get(n.severity or "")
        if priority and "priority" not in query:
            extra["priority"] = priority
        if service == "ntfy":
            links = [line for line in n.text.splitlines() if line.startswith(("https://", "http://"))]
            link = links[0] if links else None
            if link and "click" not in query:
                extra["click"] = link
            tag = _NTFY_TAGS.get(n.severity or "")
            if tag and "tags" not in query:
                extra["tags"] = tag
        if self.scheme in _WEBHOOKS:
            from strainwatch.notify.channels.push.render import push_ref

            extra["+X-Strainwatch-Ref"] = push_ref(n.key)
        if "rto" not in query:
            extra["rto"] = str(self.timeout)
        if "cto" not in query:
            extra["cto"] = str(self.timeout)
        if not extra:
            return self._url
        tail = "&".join(f"{quote(k, safe='+')}={quote(v, safe='')}" for k, v in extra.items())
        base, hash_mark, fragment = self._url.partition("#")
        return f"{base}{'&' if '?' in base else '?'}{tail}{hash_mark}{fragment}"

    def _notify(self, n: Notification) -> Any:
        apprise = load_apprise()
        _apprise_level()
        # in this thread, no pool: one service per call needs none, and a process without
        # stray threads can still fork its import workers (sources/files/importing/workers.py); the
        # request's own connect and read timeouts (cto, rto) bound the call
        sender = apprise.Apprise(asset=apprise.AppriseAsset(async_mode=False, service_timeout=0))
        if not sender.add(self._url_for(n)):
            raise PermanentDeliveryError("Apprise cannot use this URL", where=self.where)
        kind = {"warning": "warning", "caution": "warning"}.get(n.severity or "", "info")
        return sender.notify(body=n.text, title=n.subject, notify_type=kind)

    def send(self, notification: Notification) -> str:
        started = time.monotonic()
        try:
            result = self._notify(notification)
        except DeliveryError:
            raise
        except Exception as exc:  # a plugin that raises: sorted like any other failure
            raise TemporaryDeliveryError(
                redact(f"{type(exc).__name__}: {exc}", self.secrets), where=self.where
            ) from None
        messages = [redact(str(entry.message), self.secrets) for entry in result.logs()]
        if result:  # Apprise hands back no body of a success (ntfy's message id, say)
            return f"{self.service} accepted it (answered within {time.monotonic() - started:.2f} s)"
        timed_out = getattr(result.status, "name", "") == "TIMEOUT"
        permanent, why = classify(messages, timed_out=timed_out)
        error = PermanentDeliveryError if permanent else TemporaryDeliveryError
        hint = "check the URL and its token in the channel's secret file" if permanent else None
        raise error(why, where=self.where, hint=hint)

    def check(self) -> str:
        """Without sending: the URL parses (done in __init__) and the host resolves and takes
        a connection, where the URL names one."""
        import socket

        host = getattr(self.plugin, "host", None)
        if not isinstance(host, str) or not _PUBLIC_HOST.match(host):
            return f"{self.service}: the URL parses (no host of its own to check without sending)"
        secure = bool(getattr(self.plugin, "secure", False)) or self.scheme.endswith("s")
        port = getattr(self.plugin, "port", None) or (443 if secure else 80)
        try:
            with socket.create_connection((host, int(port)), timeout=self.timeout):
                pass
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            what = f"cannot connect to {host}:{port}: {reason}"
            raise TemporaryDeliveryError(what, where=self.where) from None
        return f"{self.service}: {host}:{port} takes connections"
