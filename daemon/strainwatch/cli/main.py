"""The `strainwatch` entry point: the group of app.py with every command module registered.

Each module in commands/ lists its commands in COMMANDS; they import heavy modules inside
the command, so registering them all keeps `strainwatch --help` instant.
"""

from __future__ import annotations

from importlib import import_module

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
    web,
    worker,
)
from strainwatch.pipeline.source_commands import COMMAND_MODULES

for _module in (config, corrections, doctor, files, notify, passes, plan, risk, web, worker):
    for _command in _module.COMMANDS:
        cli.add_command(_command)
for _name in COMMAND_MODULES:  # the source kinds' own commands
    for _command in import_module(_name).COMMANDS:
        cli.add_command(_command)


def main() -> None:
    cli(prog_name="strainwatch")


__all__ = ["cli", "main"]
