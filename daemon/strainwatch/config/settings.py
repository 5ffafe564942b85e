"""The one TOML config file, validated into typed settings.

Every error names the file, the table and the key, because a home-server user reads it
in a journal line, not in a debugger. Relative paths in the file are relative to the
file's own folder, so a config and its data can move together.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from strainwatch.config.paths import config_candidates, default_database_url, state_dir
from strainwatch.errors import ConfigError
from strainwatch.metrics.cleaning import CleaningLimits

if TYPE_CHECKING:
    from strainwatch.rules.base import Thresholds

T = TypeVar("T", bound=BaseModel)
S = TypeVar("S", bound="Settings")

EMAIL_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class ConfigModel(BaseModel):
    """A table of the config file: unknown keys are errors, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_Model = ConfigModel


_MAX_NAME_BYTES = 255  # one path component, on every common file system
_MAX_PATH_BYTES = 4096


def check_path(value: Path | None) -> Path | None:
    """A path the operating system can take: no NUL, no component over 255 bytes."""
    if value is None:
        return None
    text = str(value)
    if "\0" in text:
        raise ValueError("a path cannot contain a NUL character")
    if len(os.fsencode(text)) > _MAX_PATH_BYTES:
        raise ValueError(f"path longer than {_MAX_PATH_BYTES} bytes")
    if any(len(os.fsencode(part)) > _MAX_NAME_BYTES for part in value.parts):
        raise ValueError(f"a folder or file name in this path is longer than {_MAX_NAME_BYTES} bytes")
    return value


def _relative_to_the_file(value: Any, info: ValidationInfo) -> Any:
    """A relative path in the file is relative to the file's folder (given as the context)."""
    folder = (info.context or {}).get(CONFIG_DIR)
    if isinstance(value, str) and isinstance(folder, Path):
        return str(folder / Path(value).expanduser())
    return value


CONFIG_DIR = "config_dir"  # the validation context's key: the config file's folder
RESERVED_NAMES = "reserved_channel_names"  # and the channel names kinds keep, with why
# A path key of any table: relative to the config file, one the operating system can take.
ConfigPath = Annotated[Path, BeforeValidator(_relative_to_the_file), AfterValidator(check_path)]


def table_of(owner: BaseModel, table: str, model: type[T]) -> T | None:
    """A kind's own table of the composed settings (config/compose.py), typed as its model."""
    value = getattr(owner, table, None)
    return value if isinstance(value, model) else None


def _check_database_url(value: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if not value.startswith(("sqlite:", "postgresql")):
        raise ValueError("must be a sqlite:/// or postgresql:// URL")
    try:
        parsed = make_url(value)
    except (ArgumentError, ValueError):
        raise ValueError(f"not a valid database URL: {value[:80]!r}") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        check_path(Path(parsed.database))
    return value


class StorageSettings(_Model):
    """`[storage]`: where the data lives."""

    url: str | None = Field(
        default=None,
        examples=["sqlite:////var/lib/strainwatch/strainwatch.db"],
        description="SQLAlchemy database URL. SQLite needs no server; use PostgreSQL for a club: "
        "postgresql://strainwatch@localhost/strainwatch (pip install 'strainwatch[postgres]'). "
        "Default when omitted: SQLite at $STATE_DIRECTORY/strainwatch.db under systemd, else "
        "~/.local/share/strainwatch/strainwatch.db. A relative SQLite path is relative to this "
        "file's folder.",
    )

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str | None) -> str | None:
        return None if value is None else _check_database_url(value)


_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class NotifySettings(_Model):
    """`[notify]`: when digests go and warnings wait."""

    digest: Literal["daily", "weekly", "off"] = Field(
        default="daily",
        description='"daily", "weekly" (Mondays) or "off": when caution and info findings are mailed.',
    )
    digest_time: str = Field(
        default="07:00", description="When the digest goes, in each athlete's own time zone."
    )
    quiet_hours: str | None = Field(
        default="22:00-07:00", description='Warnings found in these hours wait until they end; "" for none.'
    )
    mbox: ConfigPath | None = Field(
        default=None,
        examples=["/var/lib/strainwatch/mail.mbox"],
        description="Where mail goes without [smtp]; default: mail.mbox beside a SQLite database.",
    )

    @field_validator("digest_time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"not a time like 07:00: {value!r}")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if not value:
            return None
        start, _, end = value.partition("-")
        if not (_CLOCK.match(start) and _CLOCK.match(end)):
            raise ValueError(f"not a range like 22:00-07:00: {value!r}")
        return value


# -- push channels (issue 12): one [[athletes.channels]] table per service, through Apprise

ChannelMessage = Literal["warning", "digest", "notice"]  # what may go to a channel
CHANNEL_MESSAGES: tuple[ChannelMessage, ...] = ("warning", "digest", "notice")


class ChannelSettings(_Model):
    """`[[athletes.channels]]`: one more channel of one athlete and what goes there; email
    stays every athlete's default. `kind` picks the channel kind (notify/channels/<kind>),
    whose model adds its own keys to these (config/compose.py)."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,15}$")] = Field(
        examples=["phone"],
        description='A short name: lower-case letters, digits, "-" and "_", at most 16 characters, '
        'not "email".',
    )
    kind: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,15}$")]
    send: list[ChannelMessage] = Field(
        default_factory=lambda: list(CHANNEL_MESSAGES),
        description='What goes there: "warning" (at once), "digest" (as a short summary), "notice" (a source '
        "that needs you, like a revoked Strava link). Default: all three.",
    )
    quiet_hours: str | None = Field(
        default=None,
        examples=["22:00-07:00"],
        description="Warnings found in these hours wait until they end; default: [notify] quiet_hours; "
        '"" for none.',
    )
    timeout: Annotated[int, Field(ge=1, le=120)] = Field(
        default=10, description="Seconds the service may take to connect and to answer (1-120)."
    )

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return value
        start, _, end = value.partition("-")
        if not (_CLOCK.match(start) and _CLOCK.match(end)):
            raise ValueError(f"not a range like 22:00-07:00: {value!r}")
        return value

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str, info: ValidationInfo) -> str:
        reserved: dict[str, str] = (info.context or {}).get(RESERVED_NAMES, {})
        if value in reserved:
            raise ValueError(f'"{value}" is {reserved[value]}: choose another')
        return value


class WatchSettings(_Model):
    """`[watch]`: watched folders: the daemon starts an athlete's pass within seconds of a file
    landing in one of their [athletes.files] folders (a sync tool, a phone app, a USB mount),
    once the file has stopped growing. Inotify needs `pip install 'strainwatch[watch]'`;
    network mounts get no inotify events, so they are polled. `strainwatch doctor` says which
    is in use."""

    enabled: bool = True
    mode: Literal["auto", "inotify", "poll"] = Field(
        default="auto", description='"auto" (inotify where it works, else polling), "inotify" or "poll".'
    )
    poll_interval: Annotated[float, Field(ge=0.2, le=3600, allow_inf_nan=False)] = Field(
        default=2.0, description="Seconds between looks at a polled folder."
    )
    settle: Annotated[float, Field(ge=0.1, le=600, allow_inf_nan=False)] = Field(
        default=1.0, description="Seconds a file's size and time must stay unchanged before its pass."
    )


_Positive = Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)]


class CleaningSettings(_Model):
    """`[cleaning]`: what import leaves out of a run because it was not running, each
    correction recorded with the activity and shown by `activities`, the run page and
    `explain` (the file is never changed): a stretch of `sustained` seconds faster than
    `max_speed` m/s (a car, a train), or faster than `hr_speed` with a heart rate under
    `hr_ratio` of the run's median; a single jump of the position farther than `max_speed`
    allows plus `jump_slack` metres; a stop longer than `gap` seconds (not moving time, no
    distance across it); everything after a stop longer than `tail_gap` seconds (another
    outing the device kept recording). Records sparser than one sample per `sparse_interval`
    seconds take the device's own timer and distance. Walks and hikes share the running
    limits; rides lose only stops and tails (metrics.cleaning)."""

    enabled: bool = True
    max_speed: Annotated[float, Field(gt=2, le=50, allow_inf_nan=False)] = Field(
        default=7.0, description="m/s (2:23/km), walking and running."
    )
    sustained: Annotated[float, Field(ge=5, le=3600, allow_inf_nan=False)] = Field(
        default=60.0, description="Seconds faster than that."
    )
    hr_speed: Annotated[float, Field(gt=1, le=50, allow_inf_nan=False)] = Field(
        default=5.0, description="m/s (3:20/km) with an idle heart."
    )
    hr_ratio: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)] = Field(
        default=0.7, description="Of the run's median heart rate."
    )
    jump_slack: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)] = Field(
        default=10.0, description="Metres of GPS noise."
    )
    gap: _Positive = Field(
        default=1800.0, description="Seconds (30 minutes): a longer stop is not moving time."
    )
    tail_gap: _Positive = Field(
        default=7200.0, description="Seconds (2 hours): a longer stop ends the recording."
    )
    sparse_interval: _Positive = Field(
        default=10.0, description="Seconds per sample: sparser records take the device's timer."
    )

    def limits(self) -> CleaningLimits:
        return CleaningLimits(
            self.enabled,
            self.max_speed,
            self.sustained,
            self.hr_speed,
            self.hr_ratio,
            self.jump_slack,
            self.gap,
            max(self.tail_gap, self.gap),
            self.sparse_interval,
        )


def split_listen(value: str) -> tuple[str, int]:
    """`host:port` or `[v6]:port` into its parts; ValueError for anything else."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:  # 0: any free port
        raise ValueError(f"must be host:port, like 127.0.0.1:8750: {value[:80]!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host or any(c.isspace() or c in "/[]" for c in host):
        raise ValueError(f"must be host:port, like 127.0.0.1:8750: {value[:80]!r}")
    return host, int(port)


def is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebUser(_Model):
    """`[[web.users]]`: logins, one table per person. `strainwatch web passwd` prints the
    argon2 hash (or writes it to a 0600 file with --output). athletes: the ids this login may
    see, "*" for all (a coach lists the club). A proxy user needs an entry too (without a
    password) for its athletes."""

    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@+-]+$")] = Field(
        examples=["me"]
    )
    password_hash: str | None = Field(default=None, examples=["$argon2id$v=19$m=65536,t=3,p=4$…"])
    password_hash_file: ConfigPath | None = Field(
        default=None, examples=["/etc/strainwatch/web-me.hash"], description="Instead of password_hash."
    )
    athletes: Annotated[list[Annotated[str, Field(min_length=1, max_length=32)]], Field(min_length=1)] = (
        Field(examples=[["*"]])
    )

    @field_validator("password_hash")
    @classmethod
    def _argon2(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("$argon2"):
            raise ValueError("must be an argon2 hash from `strainwatch web passwd`")
        return value

    @model_validator(mode="after")
    def _one_hash(self) -> WebUser:
        if self.password_hash is not None and self.password_hash_file is not None:
            raise ValueError("give password_hash or password_hash_file, not both")
        return self


class WebSettings(_Model):
    """`[web]`: the web page: `strainwatch serve`, and the daemon too while enabled is true.
    Overview, alerts, runs, rules and system pages; add .json to any page's address for its
    JSON."""

    enabled: bool = Field(
        default=True, description="false: the daemon does not serve it (`strainwatch serve` still does)."
    )
    listen: str = Field(
        default="127.0.0.1:8750",
        description="Where it listens. Loopback without users or auth_header needs no login (and answers "
        "only to the names localhost, 127.0.0.1 and [::1]); any other address is refused unless "
        "logins are set.",
    )
    public_url: str | None = Field(
        default=None,
        examples=["https://strainwatch.example.org"],
        description="The address runners reach it by; mails and pushes link to alert pages when it is set.",
    )
    users: list[WebUser] = Field(default_factory=list)
    auth_header: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,64}$")] | None = Field(
        default=None,
        examples=["Remote-User"],
        description="Behind a reverse proxy that authenticates (Authelia, Authentik): the header carrying "
        "the user name, and the proxy's addresses or networks (the header is ignored from anywhere else).",
    )
    trusted_proxies: list[str] = Field(default_factory=list, examples=[["127.0.0.1", "10.0.0.0/24"]])
    session_hours: Annotated[int, Field(ge=1, le=24 * 90)] = Field(
        default=12,
        description="How long a login lasts, in hours (sessions live in memory: a restart logs "
        "everyone out).",
    )

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        split_listen(value)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: list[str]) -> list[str]:
        import ipaddress

        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"not an IP address or network: {item[:80]!r}") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        from urllib.parse import urlsplit

        if value is None:
            return None
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises for a port that is not a number
        except ValueError:
            raise ValueError(f"not a valid URL: {value[:80]!r}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"must be an http(s):// address without query or fragment: {value[:80]!r}")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _auth_off_loopback(self) -> WebSettings:
        if self.auth_header is not None and not self.trusted_proxies:
            raise ValueError("auth_header needs trusted_proxies (the reverse proxy's addresses)")
        if not self.login_required and not is_loopback(split_listen(self.listen)[0]):
            raise ValueError(
                f"listen = {self.listen!r} is reachable from other machines but no login is configured: "
                "add [[web.users]] (hash from `strainwatch web passwd`) or auth_header with trusted_proxies"
            )
        return self

    @property
    def login_required(self) -> bool:
        """Loopback without users or a proxy header is open; anything else logs in."""
        return bool(self.users) or self.auth_header is not None


class DaemonSettings(_Model):
    """`[daemon]`: how often `strainwatch run` syncs."""

    interval: Annotated[int, Field(ge=5, le=86400)] = Field(
        default=900,
        description="Seconds between sync passes of `strainwatch run` (at least 5; up to 10 % "
        "jitter is added).",
    )


class WorkersSettings(_Model):
    """`[workers]`: `strainwatch worker` (PostgreSQL installs only; see README "Many
    athletes"): several worker processes, on one or many machines, share the passes, mail and
    digests through jobs in the database. A worker killed mid-job loses nothing: its jobs run
    again on another worker at most `stalled_after` + `tick` seconds later."""

    concurrency: Annotated[int, Field(ge=1, le=64)] = Field(
        default=1,
        description="Jobs one worker process runs at once (threads); run more processes to use more cores.",
    )
    tick: Annotated[int, Field(ge=1, le=60)] = Field(
        default=60,
        description="Seconds between ticks; each tick queues a pass for every athlete whose last pass is "
        "older than [daemon] interval, the mail delivery, the digests due, and takes over dead workers' "
        "jobs. Must divide 60.",
    )
    heartbeat: Annotated[int, Field(ge=1, le=600)] = Field(
        default=10, description="Seconds between a worker's heartbeats in the database."
    )
    stalled_after: Annotated[int, Field(ge=2, le=3600)] = Field(
        default=30,
        description="A worker silent for this many seconds is dead: its running jobs are queued again.",
    )

    @field_validator("tick")
    @classmethod
    def _divides_a_minute(cls, value: int) -> int:
        if 60 % value:
            raise ValueError("must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)")
        return value

    @model_validator(mode="after")
    def _heartbeat_within_timeout(self) -> WorkersSettings:
        if self.heartbeat >= self.stalled_after:
            raise ValueError("heartbeat must be shorter than stalled_after")
        return self


class ShoeSettings(_Model):
    """`[[athletes.shoes]]`: shoes, for the shoe rules when files do not name their gear (a
    Strava export does). Runs use the shoe with the latest `since` on or before their date."""

    name: Annotated[str, Field(min_length=1, max_length=100)] = Field(examples=["Pegasus 40"])
    tags: list[Literal["minimalist", "low-drop", "trail", "racing"]] = Field(
        default_factory=list,
        description='"minimalist" or "low-drop" (a calf modifier), "trail", "racing".',
        json_schema_extra={"set_in_example": True},
    )
    since: date | None = Field(
        default=None, examples=[date(2026, 3, 1)], json_schema_extra={"set_in_example": True}
    )


RuleOverrides = dict[str, dict[str, Any]]
# Above any threshold a rule can mean (days, km, %, m), and below what dates and sums overflow.
MAX_RULE_NUMBER = 100_000


def _rule_number(setting: object) -> bool:
    if isinstance(setting, bool) or not isinstance(setting, int | float):
        return False
    return math.isfinite(setting) and 0 <= setting <= MAX_RULE_NUMBER


def _check_rule_overrides(value: RuleOverrides) -> RuleOverrides:
    """Known rule ids and keys only; finite numbers from 0 to MAX_RULE_NUMBER; `words` a list
    of strings; `enabled` a bool."""
    from strainwatch.rules.registry import RULES

    for rule_id, overrides in value.items():
        rule = RULES.get(rule_id)
        if rule is None:
            raise ValueError(f"unknown rule {rule_id!r} (known: {', '.join(RULES)})")
        if not isinstance(overrides, dict):
            raise ValueError(f"[rules.{rule_id}] must be a table")
        for key, setting in overrides.items():
            where = f"rule {rule_id!r}, key {key!r}"
            if key == "enabled":
                if not isinstance(setting, bool):
                    raise ValueError(f"{where}: must be true or false")
            elif key not in rule.defaults:
                known = ", ".join(["enabled", *rule.defaults])
                raise ValueError(f"{where}: unknown setting (known: {known})")
            elif isinstance(rule.defaults[key], tuple):
                if not (isinstance(setting, list) and all(isinstance(w, str) and w for w in setting)):
                    raise ValueError(f"{where}: must be a list of words")
                overrides[key] = tuple(setting)
            elif not _rule_number(setting):
                raise ValueError(f"{where}: must be a finite number from 0 to {MAX_RULE_NUMBER:,}")
            elif key.endswith("percentile") and setting > 100:
                raise ValueError(f"{where}: a percentile is at most 100")
    return value


def _email_address(value: str) -> str:
    if not EMAIL_ADDRESS.match(value):
        raise ValueError(f"not an email address: {value!r}")
    return value


class AthleteSettings(_Model):
    """`[[athletes]]`: one table per runner. Each gets their own analysis and their own mail."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")] = Field(
        examples=["me"],
        description='Short stable identifier: lower-case letters, digits, "-" and "_" (used by --athlete).',
    )
    name: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        examples=["Sam"], description="Display name."
    )
    email: Annotated[str, Field(max_length=254), AfterValidator(_email_address)] = Field(
        examples=["sam@example.org"], description="Where this runner's alerts go."
    )
    timezone: Annotated[str, Field(max_length=64)] = Field(
        default="UTC",
        examples=["Europe/Berlin"],
        description="IANA time zone: days and weeks are counted in the runner's own local time.",
    )
    birth_year: Annotated[int, Field(ge=1900, le=2100)] | None = Field(
        default=None,
        examples=[1979],
        description="Optional. Age is a calf-strain risk factor; omit it if you prefer not to say.",
        json_schema_extra={"set_in_example": True},
    )
    units: Literal["km", "mi"] = Field(
        default="km",
        description='"km" or "mi": how distances and paces are shown. Everything is stored in metres.',
    )
    load: Literal["distance", "trimp"] = Field(
        default="distance",
        description='Daily training load for ACWR, monotony/strain and fitness/fatigue: "distance" (km), or '
        '"trimp" (Banister\'s heart-rate load; needs hr_rest and hr_max). Pick one and keep it: changing it '
        "changes every ratio. Runs without heart rate get your typical TRIMP per minute.",
    )
    hr_rest: Annotated[int, Field(ge=25, le=120)] | None = Field(
        default=None, examples=[50], description='Resting heart rate (beats per minute), for "trimp".'
    )
    hr_max: Annotated[int, Field(ge=100, le=240)] | None = Field(
        default=None, examples=[185], description='Maximum heart rate (beats per minute), for "trimp".'
    )
    sex: Literal["female", "male"] | None = Field(
        default=None,
        examples=["female"],
        description='"female" or "male": TRIMP\'s weighting differs (Banister). Optional.',
    )
    shoes: list[ShoeSettings] = Field(default_factory=list)
    rules: RuleOverrides = Field(default_factory=dict)
    channels: list[ChannelSettings] = Field(default_factory=list)

    @field_validator("rules")
    @classmethod
    def _rules(cls, value: RuleOverrides) -> RuleOverrides:
        return _check_rule_overrides(value)

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, value: list[ChannelSettings]) -> list[ChannelSettings]:
        names = [c.name for c in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"channel name {twice[0]!r} is used twice")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # "Europe" is a folder of zones
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like 'Europe/Berlin')") from None
        return value

    @model_validator(mode="after")
    def _trimp_needs_heart_rates(self) -> AthleteSettings:
        if self.load == "trimp" and (self.hr_rest is None or self.hr_max is None):
            raise ValueError('load = "trimp" needs hr_rest and hr_max')
        if self.hr_rest is not None and self.hr_max is not None and self.hr_rest >= self.hr_max:
            raise ValueError("hr_rest must be below hr_max")
        return self

    def has(self, table: str) -> bool:
        """Whether the athlete's `[athletes.<table>]` of some kind is there."""
        return getattr(self, table, None) is not None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Settings(_Model):
    storage: StorageSettings = Field(default_factory=StorageSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    workers: WorkersSettings = Field(default_factory=WorkersSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    watch: WatchSettings = Field(default_factory=WatchSettings)
    cleaning: CleaningSettings = Field(default_factory=CleaningSettings)
    rules: RuleOverrides = Field(default_factory=dict)
    athletes: Annotated[list[AthleteSettings], Field(min_length=1)]

    @field_validator("rules")
    @classmethod
    def _rules(cls, value: RuleOverrides) -> RuleOverrides:
        return _check_rule_overrides(value)

    def thresholds(self, athlete: AthleteSettings) -> Thresholds:
        """The athlete's one effective settings object: every rule's defaults, overlaid by
        `[rules.<id>]`, overlaid by `[athletes.rules.<id>]`; what every rule, shared signal,
        the guidance, status, mail and `strainwatch rules --athlete` read."""
        from strainwatch.rules.registry import effective

        merged: dict[str, dict[str, Any]] = {k: dict(v) for k, v in self.rules.items()}
        for rule_id, overrides in athlete.rules.items():
            merged.setdefault(rule_id, {}).update(overrides)
        return effective(merged)

    source_file: Path | None = Field(default=None, exclude=True)
    # channel names that kinds keep for themselves, with why (config/compose.py)
    reserved_channel_names: ClassVar[dict[str, str]] = {}

    @model_validator(mode="after")
    def _web_users_know_their_athletes(self) -> Settings:
        ids = {a.id for a in self.athletes} | {"*"}
        for user in self.web.users:
            unknown = [a for a in user.athletes if a not in ids]
            if unknown:
                raise ValueError(f"[[web.users]] {user.name!r}: unknown athletes {', '.join(unknown)}")
        return self

    @model_validator(mode="after")
    def _unique_ids(self) -> Settings:
        seen: set[str] = set()
        for athlete in self.athletes:
            if athlete.id in seen:
                raise ValueError(f"athlete id {athlete.id!r} is used twice")
            seen.add(athlete.id)
        return self

    @property
    def database_url(self) -> str:
        return self.storage.url or default_database_url()

    @property
    def mbox_path(self) -> Path:
        """Where mail goes without [smtp]: [notify] mbox, else beside a SQLite database, else the
        state directory."""
        if self.notify.mbox is not None:
            return self.notify.mbox
        url = self.database_url
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            return Path(url.removeprefix("sqlite:///")).parent / "mail.mbox"
        return state_dir(os.environ) / "mail.mbox"

    def athlete(self, athlete_id: str | None) -> AthleteSettings:
        """The athlete named, or the only one; a clear error otherwise."""
        if athlete_id is None:
            if len(self.athletes) == 1:
                return self.athletes[0]
            ids = ", ".join(a.id for a in self.athletes)
            raise ConfigError(f"several athletes are configured ({ids}): choose one with --athlete")
        for athlete in self.athletes:
            if athlete.id == athlete_id:
                return athlete
        ids = ", ".join(a.id for a in self.athletes)
        raise ConfigError(f"no athlete with id {athlete_id!r} (configured: {ids})")


# The centre's tables, in the order the docs list them: (header, model, set in the example).
CENTRE_TABLES: tuple[tuple[str, type[BaseModel], bool], ...] = (
    ("[storage]", StorageSettings, True),
    ("[daemon]", DaemonSettings, True),
    ("[workers]", WorkersSettings, True),
    ("[web]", WebSettings, True),
    ("[[web.users]]", WebUser, False),
    ("[watch]", WatchSettings, False),
    ("[cleaning]", CleaningSettings, False),
    ("[notify]", NotifySettings, True),
    ("[[athletes]]", AthleteSettings, True),
    ("[[athletes.shoes]]", ShoeSettings, True),
)


def _describe_location(loc: Sequence[int | str], data: Mapping[str, Any]) -> str:
    """('athletes', 0, 'files', 'paths', 2) -> "[athletes.files] of athlete 'me', key 'paths' (item 3)"."""
    parts = list(loc)
    item = int(parts.pop()) if parts and isinstance(parts[-1], int) else None
    key = str(parts.pop()) if parts and isinstance(parts[-1], str) else None
    tables: list[str] = []
    owners: list[str] = []
    node: Any = data
    for i, part in enumerate(parts):
        tag = isinstance(part, str) and i and isinstance(parts[i - 1], int) and isinstance(node, dict)
        if tag and part not in node:
            continue  # the kind of an [[athletes.channels]] table, as pydantic tags it
        if isinstance(part, int):
            entry = node[part] if isinstance(node, list) and part < len(node) else None
            ident = entry.get("id") if isinstance(entry, dict) else None
            owners.append(f"of athlete {ident!r}" if tables == ["athletes"] and ident else f"#{part + 1}")
            node = entry
        else:
            tables.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    if key is not None and item is None and isinstance(node, dict) and isinstance(node.get(key), dict):
        tables.append(key)  # a whole table is at fault: name the table, not a key
        key = None
    listed = node.get(key) if key is not None and isinstance(node, dict) else None
    whole = isinstance(listed, list) and item is not None and item < len(listed)
    if whole and item is not None and isinstance(listed, list) and isinstance(listed[item], dict):
        tables.append(str(key))  # one table of an array of tables, as a whole
        owners.append(f"#{item + 1}")
        key = item = None
    where = f"[{'.'.join(tables)}]" if tables else "top level"
    if owners:
        where += " " + " ".join(owners)
    if key:
        where += f", key {key!r}"
    if item is not None:
        where += f" (item {item + 1})"
    return where


def _format_validation_error(exc: ValidationError, path: Path, data: Mapping[str, Any]) -> str:
    lines = []
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling against `strainwatch config example`)"
        lines.append(f"{path}: {_describe_location(err['loc'], data)}: {msg}")
    return "\n".join(lines)


def _resolve_database_url(data: dict[str, Any], base: Path) -> None:
    """A relative SQLite path is relative to the config file's folder (other paths: ConfigPath)."""
    storage = data.get("storage")
    if isinstance(storage, dict) and isinstance(storage.get("url"), str):
        url: str = storage["url"]
        prefix = "sqlite:///"
        if url.startswith(prefix + "~"):
            storage["url"] = url = prefix + os.path.expanduser(url[len(prefix) :])  # noqa: PTH111
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix:
            storage["url"] = prefix + str(base / url[len(prefix) :])


def parse_settings_as(model: type[S], text: str, path: Path) -> S:
    """Validate a config file's text as `model` (the composed settings: strainwatch.kinds);
    `path` names it in errors and anchors relative paths."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", where=str(path)) from None
    except RecursionError:
        raise ConfigError("invalid TOML: tables or arrays nested too deeply", where=str(path)) from None
    folder = path.resolve().parent
    _resolve_database_url(data, folder)
    try:
        context = {CONFIG_DIR: folder, RESERVED_NAMES: model.reserved_channel_names}
        settings = model.model_validate(data, context=context)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(exc, path, data)) from None
    return settings.model_copy(update={"source_file": path})


def find_config_file(explicit: str | None, env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    candidates = config_candidates(explicit, env)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if explicit or env.get("STRAINWATCH_CONFIG"):
        raise ConfigError("config file not found", where=str(candidates[0]))
    looked = ", ".join(str(c) for c in candidates)
    raise ConfigError(
        f"no config file found (looked in {looked})",
        hint=f"write one with: strainwatch config example > {candidates[-1]}",
    )


def read_config_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file: {exc.strerror}", where=str(path)) from None
    except UnicodeDecodeError:
        raise ConfigError("config file is not UTF-8 text", where=str(path)) from None
