"""`strainwatch config` and `strainwatch db`: the setup commands."""

from __future__ import annotations

import click

from strainwatch.cli.app import AppContext, pass_app


@click.group()
def config() -> None:
    """Check the config file, or print a documented example."""


@config.command("check")
@pass_app
def config_check(app: AppContext) -> None:
    """Validate the config file and say what it configures."""
    settings = app.settings
    click.echo(f"{settings.source_file}: ok")
    from strainwatch.store.db import safe_url

    click.echo(f"  storage: {safe_url(settings.database_url)}")
    from strainwatch.pipeline.sources import KINDS

    for athlete in settings.athletes:
        paths = ", ".join(str(p) for kind in KINDS for p in kind.watched(athlete)) or "no file paths"
        click.echo(f"  athlete {athlete.id} ({athlete.name}, {athlete.timezone}, {athlete.units}): {paths}")


@config.command("example")
def config_example() -> None:
    """Print an example config with every option documented."""
    from strainwatch.config.example import example_config_text

    click.echo(example_config_text(), nl=False)


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_app
def db_upgrade(app: AppContext) -> None:
    """Apply pending schema migrations (also done automatically on start)."""
    from strainwatch.store.db import create_db_engine, current_revision, safe_url, upgrade

    engine = create_db_engine(app.settings.database_url)
    upgrade(engine)
    click.echo(f"{safe_url(app.settings.database_url)}: schema at revision {current_revision(engine)}")


COMMANDS = (config, db)
