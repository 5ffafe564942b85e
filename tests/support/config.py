"""The suite's one config builder: the ordinary `config.toml` of a test, with keyword overrides.

A test about a particular TOML text (a parse error, a refused value) writes that text
itself; every other test builds its config here, so a new required key is added once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from strainwatch.config.settings import Settings

Paths = Sequence[Path | str] | Callable[[str], Sequence[Path | str]]


def config_text(
    database_url: str,
    paths: Paths | None = (),
    *,
    athletes: Sequence[str] = ("sam",),
    timezone: str = "UTC",
    name: Callable[[str], str] = str.title,
    athlete: str | Callable[[str], str] = "",
    smtp_port: int | None = None,
    immediate: bool = False,
    notify: str = "",
    tables: str = "",
) -> str:
    """[storage]; [smtp] for a plain loopback server on `smtp_port`; [notify] with `notify`'s
    keys, and with `immediate` no quiet hours and no digest (an alert is mailed at once);
    `tables` (more top-level tables); then each athlete: id, `name(id)`, id@example.org,
    `timezone`, `athlete` (more keys and tables of its own, or a function of its id), and
    [athletes.files] reading `paths` (a function of the id: a folder each; None: no table)."""
    parts = [f'[storage]\nurl = "{database_url}"\n']
    if smtp_port is not None:
        parts.append(plain_smtp(smtp_port))
    if immediate or notify:
        parts.append("[notify]\n" + ('quiet_hours = ""\ndigest = "off"\n' if immediate else "") + notify)
    parts.append(tables)
    for athlete_id in athletes:
        own = athlete(athlete_id) if callable(athlete) else athlete
        parts.append(
            f'\n[[athletes]]\nid = "{athlete_id}"\nname = "{name(athlete_id)}"\n'
            f'email = "{athlete_id}@example.org"\ntimezone = "{timezone}"\n{own}\n'
        )
        if paths is not None:
            listed = ", ".join(f'"{p}"' for p in (paths(athlete_id) if callable(paths) else paths))
            parts.append(f"[athletes.files]\npaths = [{listed}]\n")
    return "".join(parts)


def plain_smtp(port: int) -> str:
    """An [smtp] table for a loopback server on `port` (tests.support.smtp): no TLS, no login."""
    return (
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        'from = "strainwatch <sw@example.org>"\ntimeout = 5\n'
    )


def write_config(path: Path, database_url: str, paths: Paths | None = (), **overrides: Any) -> Path:
    """`config_text` written to `path` (its folder made); returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_text(database_url, paths, **overrides), encoding="utf-8")
    return path


def settings_of(path: Path, database_url: str, paths: Paths | None = (), **overrides: Any) -> Settings:
    """The settings of `config_text` written to `path`, as the command would read them."""
    from strainwatch.kinds import parse_settings

    write_config(path, database_url, paths, **overrides)
    return parse_settings(path.read_text(encoding="utf-8"), path)
