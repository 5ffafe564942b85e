"""Secrets come from files only: a `*_file` key, or systemd's $CREDENTIALS_DIRECTORY.

A secret file that its group or the world can read is refused: on a shared home server
that is how passwords leak, and saying so early beats a quiet warning.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from strainwatch.errors import SecretFileError


def check_private(path: Path) -> None:
    """Raise unless `path` is a regular file that only its owner can read."""
    try:
        st = path.stat()
    except OSError as exc:
        raise SecretFileError(f"cannot read secret file: {exc.strerror}", where=str(path)) from exc
    if not stat.S_ISREG(st.st_mode):
        raise SecretFileError("secret file is not a regular file", where=str(path))
    if st.st_mode & 0o077:
        raise SecretFileError(
            f"secret file is readable by group or others (mode {stat.S_IMODE(st.st_mode):04o})",
            where=str(path),
            hint=f"run: chmod 600 {path}",
        )


def read_secret(
    name: str,
    file: Path | None,
    env: Mapping[str, str] | None = None,
) -> str:
    """The secret `name` from its `*_file` setting, else from $CREDENTIALS_DIRECTORY/name.

    Files under $CREDENTIALS_DIRECTORY are provided by systemd's LoadCredential= and are
    private to the service by construction, so their mode is not checked.
    """
    env = os.environ if env is None else env
    if file is not None:
        check_private(file)
        path = file
    elif env.get("CREDENTIALS_DIRECTORY"):
        path = Path(env["CREDENTIALS_DIRECTORY"]) / name
    else:
        raise SecretFileError(
            f"secret {name!r} is not configured",
            hint=f"set {name.replace('-', '_')}_file or provide it with LoadCredential={name}:…",
        )
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretFileError(f"cannot read secret file: {exc.strerror}", where=str(path)) from exc
    if not value:
        raise SecretFileError("secret file is empty", where=str(path))
    return value
