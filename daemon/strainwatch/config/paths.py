"""Where strainwatch looks for its config and keeps its state, by XDG and systemd rules."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

SYSTEM_CONFIG = Path("/etc/strainwatch/config.toml")
DB_FILE_NAME = "strainwatch.db"


def _home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME") or Path.home())


def user_config_file(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CONFIG_HOME") or str(_home(env) / ".config")
    return Path(base) / "strainwatch" / "config.toml"


def config_candidates(explicit: str | None, env: Mapping[str, str]) -> list[Path]:
    """The config files to try, in order: --config, $STRAINWATCH_CONFIG, /etc, XDG."""
    if explicit:
        return [Path(explicit)]
    if env.get("STRAINWATCH_CONFIG"):
        return [Path(env["STRAINWATCH_CONFIG"])]
    return [SYSTEM_CONFIG, user_config_file(env)]


def state_dir(env: Mapping[str, str]) -> Path:
    """systemd's $STATE_DIRECTORY (first entry) when set, else the XDG data dir."""
    if env.get("STATE_DIRECTORY"):
        return Path(env["STATE_DIRECTORY"].split(":")[0])
    base = env.get("XDG_DATA_HOME") or str(_home(env) / ".local" / "share")
    return Path(base) / "strainwatch"


def default_database_url(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return f"sqlite:///{state_dir(env) / DB_FILE_NAME}"
