"""One error tree, so the CLI can turn any user-facing failure into one readable line.

Adapters translate library exceptions into these at the boundary; anything else that
escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of the `strainwatch` command; documented in the README."""

    OK = 0
    ERROR = 1  # a user or environment error: config, database, permissions
    USAGE = 2  # wrong command-line usage (click's own code)
    SOME_FILES_FAILED = 3  # `import`: the rest was imported, some files were rejected


class StrainwatchError(Exception):
    """Base of every error the user is expected to read.

    `where` names the file, table and key (or the thing) the error is about; `hint`
    says what to do next.
    """

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, what: str, *, where: str | None = None, hint: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.where}: {self.what}" if self.where else self.what


class ConfigError(StrainwatchError):
    """The configuration file is missing, unreadable or invalid."""


class SecretFileError(ConfigError):
    """A secret file is missing, unreadable or readable by others."""


class StoreError(StrainwatchError):
    """The database cannot be opened, migrated or written."""


class SourceError(StrainwatchError):
    """An activity source failed as a whole (not a single bad file)."""


class ActivityFileError(StrainwatchError):
    """One file cannot be imported; the import goes on with the others."""


class NotAnActivity(ActivityFileError):
    """The file is valid but holds no activity (a settings file, a route, waypoints)."""


class UnusableActivity(ActivityFileError):
    """The file holds an activity without the timestamps or positions load needs."""
