"""The commands each kind of source adds to `strainwatch`: one module per kind that has any,
each with its `COMMANDS`. Listed apart from pipeline/sources.py because `strainwatch --help`
imports them: a command module imports only click at its top.
"""

from __future__ import annotations

COMMAND_MODULES: tuple[str, ...] = ("strainwatch.sources.strava.commands",)
