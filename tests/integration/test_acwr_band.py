"""One band: after an override of the acwr thresholds, the mail's chart, the overview, status
and the rules page all draw and say the band in effect (the mail's was fixed at 0.8-1.3)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.support.surfaces import cli, mail_bodies, synced_comeback, visible
from tests.support.web import serving

pytest.importorskip("starlette")


@pytest.mark.slow
def test_the_band_in_effect_is_the_one_every_surface_draws(tmp_path: Path) -> None:
    from strainwatch.kinds import parse_settings
    from strainwatch.store.db import open_database

    config, url = synced_comeback(tmp_path, extra="[rules.acwr]\nlow = 0.7\nhigh = 1.3\n")
    [status] = json.loads(cli(config, "status", "--json"))
    assert status["acwr_band"] == {"low": 0.7, "high": 1.3}
    assert "your band of 0.7-1.3" in cli(config, "status")
    mails = [visible(body) for body in mail_bodies(tmp_path / "state" / "mail.mbox")]
    charted = [body for body in mails if "Acute:chronic ratio" in body or "ACWR" in body]
    assert charted and all("your band of 0.7-1.3" in body and "0.8-1.3" not in body for body in charted)
    settings = parse_settings(config.read_text(), config)
    with serving(settings, open_database(url)) as base, httpx.Client(base_url=base) as http:
        overview = http.get("/athletes/sam")
        assert "your band of 0.7-1.3" in overview.text
        assert http.get("/athletes/sam.json").json()["acwr_band"] == status["acwr_band"]
        rules = http.get("/athletes/sam/rules").text
        assert "low below a ratio of 0.7 (default a ratio of 0.8)" in rules
        assert "high from a ratio of 1.3 (default a ratio of 1.5)" in rules
