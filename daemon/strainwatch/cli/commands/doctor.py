"""`strainwatch doctor`: the checklist of cli/checks.py, printed."""

from __future__ import annotations

import sys

import click

from strainwatch.cli.app import AppContext, pass_app
from strainwatch.errors import ExitCode


@click.command()
@pass_app
def doctor(app: AppContext) -> None:
    """Check config, database, secrets, sources, mail and the outbox; exit 1 if anything fails."""
    from strainwatch.cli.checks import checks

    results = checks(app.settings)
    for check in results:
        click.echo(check.line())
    failed = [c for c in results if not c.ok and not c.warning]
    click.echo(f"{len(failed)} problem(s)" if failed else "all good")
    if failed:
        sys.exit(int(ExitCode.ERROR))


COMMANDS = (doctor,)
