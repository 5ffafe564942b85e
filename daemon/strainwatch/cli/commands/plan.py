"""`strainwatch plan`: the training plan checked against the rules, before it is run."""

from __future__ import annotations

import json
from datetime import date

import click

from strainwatch.cli.app import AppContext, current_time, parse_date, pass_app


@click.command()
@click.option("--athlete", "athlete_id", metavar="ID", help="Only this athlete.")
@click.option(
    "--as-of",
    "as_of",
    callback=parse_date,
    metavar="DATE",
    help="Check the plan from DATE on, against the runs up to DATE (the plan as it is now).",
)
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts (keys are only ever added).")
@pass_app
def plan(app: AppContext, athlete_id: str | None, as_of: date | None, as_json: bool) -> None:
    """The next 14 days of the plan and what the rules would say if it were run as written:
    forecasts with the capped version, and the plan entries that could not be read."""
    from strainwatch.pipeline.plan_check import check_plan
    from strainwatch.views.plan import plan_json, plan_text

    settings = app.settings
    athletes = [settings.athlete(athlete_id)] if athlete_id else list(settings.athletes)
    now = current_time()
    out, texts = [], []
    with app.sessions()() as session:
        for athlete in athletes:
            checked = check_plan(session, settings, athlete, now, as_of)
            parts = (athlete.id, checked.outlook, checked.unparsed, checked.not_runs, checked.problems)
            out.append(plan_json(*parts))
            texts.append(plan_text(*parts))
    click.echo(json.dumps(out, indent=2, ensure_ascii=False) if as_json else "\n\n".join(texts))


COMMANDS = (plan,)
