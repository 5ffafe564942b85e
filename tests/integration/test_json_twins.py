"""Twins that are twins: every page's JSON equals its command's `--json` (order, keys, ids),
checked over every page that has a command twin, today and as of a past day."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.surfaces import cli, synced_comeback
from tests.support.web import serving

pytest.importorskip("starlette")


def _shared(page: dict[str, Any], command: dict[str, Any]) -> dict[str, Any]:
    """The page's values under the command's keys, in the command's order."""
    assert set(command) <= set(page), set(command) - set(page)
    return {k: page[k] for k in command}


def _every(http: httpx.Client, path: str, key: str, **params: str) -> list[Any]:
    """Every row of a paged list, page after page by its `next` address, oldest first (as the
    command lists activities; alerts are listed newest first by both, and stay so)."""
    rows: list[Any] = []
    url: str | None = path
    while url is not None:
        page = http.get(url, params=params if url == path else None).json()
        assert len(page[key]) <= page["page_size"] and page["total"] >= len(rows) + len(page[key])
        rows += page[key]
        url = page["next"]
    return list(reversed(rows)) if key == "activities" else rows


@pytest.mark.slow
def test_every_json_twin_equals_its_command(tmp_path: Path) -> None:
    from strainwatch.kinds import parse_settings
    from strainwatch.store.db import open_database

    config, url = synced_comeback(tmp_path)
    settings = parse_settings(config.read_text(), config)
    listed = json.loads(cli(config, "activities", "--json"))
    alerts = json.loads(cli(config, "alerts", "--all", "--json"))
    [status] = json.loads(cli(config, "status", "--json"))
    spike_day = date.fromisoformat(next(a["date"] for a in alerts if a["rule"] == "long-run-spike"))
    [past] = json.loads(cli(config, "status", "--json", "--as-of", spike_day.isoformat()))
    since = listed[-3]["start_date_local"][:10]
    listed_since = json.loads(cli(config, "activities", "--json", "--since", since))

    with serving(settings, open_database(url)) as base, httpx.Client(base_url=base) as http:
        twins: list[tuple[str, Any, Any]] = [
            (
                "/athletes/sam/activities.json",
                _every(http, "/athletes/sam/activities.json", "activities"),
                listed,
            ),
            (
                f"activities since {since}",
                _every(http, "/athletes/sam/activities.json", "activities", since=since),
                listed_since,
            ),
            ("/alerts.json", _every(http, "/alerts.json", "alerts"), alerts),
            ("/athletes/sam.json", _shared(http.get("/athletes/sam.json").json(), status), status),
            (
                "/athletes/sam.json?as_of",
                _shared(http.get("/athletes/sam.json", params={"as_of": str(spike_day)}).json(), past),
                past,
            ),
        ]
        for a in alerts:
            twins.append(
                (f"/alerts/{a['id']}.json", _shared(http.get(f"/alerts/{a['id']}.json").json(), a), a)
            )
        for row in listed:
            page = http.get(f"/activities/{row['id']}.json").json()
            twins.append((f"/activities/{row['id']}.json", _shared(page, row), row))
            assert [x["id"] for x in page["alerts"]] == [
                a["id"] for a in alerts if row["id"] in a["activity_ids"]
            ]
    for where, page, command in twins:
        assert json.dumps(page) == json.dumps(command), where  # same keys, same order, same values
    # a past day's alerts carry the ids of the stored alerts their pages show
    assert past["alerts"] and all(a["id"] in {x["id"] for x in alerts} for a in past["alerts"])
    assert [a["start_time"] for a in listed] == sorted(a["start_time"] for a in listed)  # oldest first
