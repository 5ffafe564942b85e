"""The `strainwatch` entry point: the group of app.py with every command module registered.

Each module in commands/ lists its commands in COMMANDS; they import heavy modules inside
the command, so registering them all keeps `strainwatch --help` instant.
"""

from __future__ import annotations

from strainwatch.cli.app import cli
from strainwatch.cli.commands import (
    config,
    corrections,
    doctor,
    files,
    notify,
    passes,
    plan,
    risk,
    strava,
    web,
    worker,
)

for _module in (config, corrections, doctor, files, notify, passes, plan, risk, strava, web, worker):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    cli(prog_name="strainwatch")


__all__ = ["cli", "main"]
