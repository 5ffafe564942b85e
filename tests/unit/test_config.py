"""The config file: the documented example, errors that name file/table/key, discovery, secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from strainwatch.config.example import example_config_text
from strainwatch.config.secret_files import read_secret
from strainwatch.config.settings import find_config_file
from strainwatch.errors import ConfigError, SecretFileError
from strainwatch.kinds import load_settings, parse_settings
from tests.support.paths import REPO

MINIMAL = """
[[athletes]]
id = "me"
name = "Sam"
email = "sam@example.org"
"""


def test_example_file_is_valid_and_the_packaged_copy_matches() -> None:
    path = REPO / "config" / "strainwatch.example.toml"
    text = path.read_text(encoding="utf-8")
    settings = parse_settings(text, path)
    assert settings.athletes[0].id == "me"
    assert example_config_text() == text


def test_the_example_s_tables_are_written_from_their_models() -> None:
    """Each table of the example (the centre's, each source's and channel's) is its model
    printed (key, default or example, meaning): a key added to a model and not to the example
    fails here. Rewrite them with `python -m strainwatch.kinds`."""
    from strainwatch.kinds import example_blocks, with_kind_blocks

    text = example_config_text()
    assert with_kind_blocks(text) == text
    for _, block in example_blocks():
        assert block in text


def test_every_rule_setting_says_what_it_means() -> None:
    """The rules' tables in the example and the reference are written from each rule's
    defaults and notes: a setting without a note would be a name and a number."""
    from strainwatch.rules.registry import RULES

    for rule in RULES.values():
        assert set(rule.notes) == set(rule.defaults), rule.id


def test_a_new_rule_s_table_is_written_after_the_rule_before_it() -> None:
    from strainwatch.config.reference import rule_block, rule_header
    from strainwatch.kinds import with_kind_blocks
    from strainwatch.rules.registry import RULES

    text = example_config_text()
    for rule in list(RULES.values())[1:]:
        if not rule.defaults:
            continue
        without = text.replace(rule_block(rule) + "\n", "")
        assert rule_header(rule) not in without.split("\n")
        assert with_kind_blocks(without) == text, rule.id


def test_the_readme_s_table_of_rules_is_written_from_the_rules() -> None:
    from strainwatch.kinds import RULES_TABLE_START, with_rules_table
    from strainwatch.rules.registry import RULES

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert RULES_TABLE_START in readme and with_rules_table(readme) == readme
    for rule in RULES.values():
        assert f"| `{rule.id}` | {rule.fires_text()} |" in readme  # the defaults in its words


def test_the_configuration_reference_is_written_from_the_models() -> None:
    from strainwatch.kinds import reference_markdown

    assert (REPO / "docs" / "configuration.md").read_text(encoding="utf-8") == reference_markdown()


def test_example_documents_every_option_of_the_centre() -> None:
    """Every field of the centre's tables appears in the example (set or commented)."""
    from strainwatch.config.settings import (
        AthleteSettings,
        NotifySettings,
        StorageSettings,
        WatchSettings,
        WebSettings,
        WebUser,
    )

    text = example_config_text()
    tables = {
        "[storage]",
        "[[athletes]]",
        "[[athletes.shoes]]",
        "[athletes.rules.",
        "[notify]",
        "[web]",
        "[[web.users]]",
        "[watch]",
    }
    assert all(table in text for table in tables)
    from strainwatch.rules.registry import RULES

    for rule in RULES.values():
        assert f"[rules.{rule.id}]" in text, rule.id
        for key in rule.defaults:
            assert f"# {key} = " in text, (rule.id, key)
    models = (AthleteSettings, StorageSettings, NotifySettings, WebSettings, WebUser, WatchSettings)
    subtables = {"shoes", "rules", "users", "channels"}
    for model in models:
        keys = {info.alias or name for name, info in model.model_fields.items()}
        for key in keys - subtables:
            assert f"\n{key} = " in text or f"# {key} = " in text, key


def test_a_file_without_a_kind_s_table_is_read_and_the_kind_s_table_is_checked(tmp_path: Path) -> None:
    """The composed settings: every kind's table is a field, absent or validated."""
    from strainwatch.kinds import settings_model

    base = '[[athletes]]\nid = "me"\nname = "Me"\nemail = "me@example.org"\n'
    settings = parse_settings(base, tmp_path / "c.toml")
    assert isinstance(settings, settings_model())
    assert settings.strava is None and settings.athletes[0].intervals is None
    with pytest.raises(
        ConfigError, match=r"c.toml: \[athletes.intervals\] of athlete 'me', key 'athlete_id'"
    ):
        parse_settings(base + '[athletes.intervals]\nathlete_id = "x12"\n', tmp_path / "c.toml")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            'timezone = "Europe/Berln"',
            "[athletes] of athlete 'me', key 'timezone': unknown time zone 'Europe/Berln'",
        ),
        ("birth_year = 1800", "[athletes] of athlete 'me', key 'birth_year'"),
        ('units = "furlongs"', "key 'units'"),
        ("colour = 3", "[athletes] of athlete 'me', key 'colour': unknown key"),
        (
            '[athletes.files]\npath = ["x"]',
            "[athletes.files] of athlete 'me', key 'path': unknown key",
        ),
        (
            '[athletes.files]\ndefault_sport_type = "Jog"',
            "[athletes.files] of athlete 'me', key 'default_sport_type'",
        ),
    ],
)
def test_errors_name_file_table_and_key(tmp_path: Path, extra: str, expected: str) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError) as caught:
        parse_settings(MINIMAL + extra + "\n", path)
    assert f"{path}: " in str(caught.value)
    assert expected in str(caught.value)


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"invalid TOML: .*line 2"):
        parse_settings("[storage]\nurl = \n", tmp_path / "c.toml")


def test_duplicate_athlete_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="athlete id 'me' is used twice"):
        parse_settings(MINIMAL + MINIMAL, tmp_path / "c.toml")


def test_no_athletes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="key 'athletes'"):
        parse_settings("[storage]\n", tmp_path / "c.toml")


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    text = (
        '[storage]\nurl = "sqlite:///state/x.db"\n' + MINIMAL + '[athletes.files]\npaths = ["runs", "/abs"]\n'
    )
    settings = parse_settings(text, tmp_path / "c.toml")
    assert settings.database_url == f"sqlite:///{tmp_path.resolve()}/state/x.db"
    assert settings.athletes[0].files.paths == [tmp_path.resolve() / "runs", Path("/abs")]


def test_default_database_is_in_the_state_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    settings = parse_settings(MINIMAL, tmp_path / "c.toml")
    assert settings.database_url == f"sqlite:///{tmp_path}/state/strainwatch.db"


def test_discovery_order(tmp_path: Path) -> None:
    explicit = tmp_path / "explicit.toml"
    from_env = tmp_path / "env.toml"
    xdg = tmp_path / "xdg" / "strainwatch" / "config.toml"
    for path in (explicit, from_env, xdg):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(MINIMAL)
    env = {"STRAINWATCH_CONFIG": str(from_env), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert find_config_file(str(explicit), env) == explicit
    assert find_config_file(None, env) == from_env
    found = find_config_file(None, {"XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    assert found in (xdg, Path("/etc/strainwatch/config.toml"))


def test_missing_config_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, {"XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)})
    if Path("/etc/strainwatch/config.toml").exists():
        pytest.skip("this machine has a system config")
    assert "no config file found" in str(caught.value)
    assert caught.value.hint and "strainwatch config example" in caught.value.hint


def test_several_athletes_need_a_choice(tmp_path: Path) -> None:
    two = MINIMAL + MINIMAL.replace('"me"', '"kim"')
    settings = parse_settings(two, tmp_path / "c.toml")
    with pytest.raises(ConfigError, match="choose one with --athlete"):
        settings.athlete(None)
    assert settings.athlete("kim").id == "kim"
    with pytest.raises(ConfigError, match="no athlete with id 'bob'"):
        settings.athlete("bob")


def test_secret_file_must_be_private(tmp_path: Path) -> None:
    secret = tmp_path / "smtp-password"
    secret.write_text("hunter2\n")
    secret.chmod(0o644)
    with pytest.raises(SecretFileError, match="readable by group or others") as caught:
        read_secret("smtp-password", secret, env={})
    assert caught.value.hint == f"run: chmod 600 {secret}"
    secret.chmod(0o600)
    assert read_secret("smtp-password", secret, env={}) == "hunter2"


def test_secret_from_credentials_directory(tmp_path: Path) -> None:
    (tmp_path / "strava-client-secret").write_text("s3cret")
    env = {"CREDENTIALS_DIRECTORY": str(tmp_path)}
    assert read_secret("strava-client-secret", None, env=env) == "s3cret"


def test_secret_missing_or_empty(tmp_path: Path) -> None:
    with pytest.raises(SecretFileError, match="not configured"):
        read_secret("smtp-password", None, env={})
    empty = tmp_path / "empty"
    empty.write_text("")
    empty.chmod(0o600)
    with pytest.raises(SecretFileError, match="empty"):
        read_secret("x", empty, env={})
    with pytest.raises(SecretFileError, match="cannot read"):
        read_secret("x", tmp_path / "absent", env={})


def test_rule_overrides_are_validated(tmp_path: Path) -> None:
    ok = parse_settings(
        "[rules.long-run-spike]\ncaution = 0.15\n"
        + MINIMAL
        + "[athletes.rules.no-rest-days]\nenabled = false\n",
        tmp_path / "c.toml",
    )
    thresholds = ok.thresholds(ok.athletes[0])
    assert thresholds["long-run-spike"]["caution"] == 0.15
    assert "no-rest-days" not in thresholds
    for bad, message in [
        ("[rules.long-run-spik]\ncaution = 0.1\n", "unknown rule 'long-run-spik'"),
        ("[rules.long-run-spike]\ncautoin = 0.1\n", "rule 'long-run-spike', key 'cautoin': unknown setting"),
        ("[rules.long-run-spike]\ncaution = -1\n", "must be a finite number from 0 to 100,000"),
        ("[rules.no-rest-days]\nstreak_days = nan\n", "key 'streak_days': must be a finite number"),
        ("[rules.weekly-volume-jump]\ncaution = inf\n", "key 'caution': must be a finite number"),
        ("[rules.long-run-spike]\nwindow_days = 1e10\n", "key 'window_days': must be a finite number from 0"),
        ('[rules.long-run-spike]\ncaution = "0.1"\n', "key 'caution': must be a finite number"),
        ("[rules.hill-spike]\npercentile = 101\n", "key 'percentile': a percentile is at most 100"),
        ('[rules.pain-note]\nwords = "calf"\n', "must be a list of words"),
        ('[rules.acwr]\nenabled = "no"\n', "must be true or false"),
    ]:
        with pytest.raises(ConfigError, match=message) as caught:
            parse_settings(bad + MINIMAL, tmp_path / "c.toml")
        assert "[rules]" in str(caught.value)


def test_shoes(tmp_path: Path) -> None:
    text = MINIMAL + '[[athletes.shoes]]\nname = "Vivo"\ntags = ["minimalist"]\nsince = 2026-03-01\n'
    settings = parse_settings(text, tmp_path / "c.toml")
    shoe = settings.athletes[0].shoes[0]
    assert (shoe.name, shoe.tags, str(shoe.since)) == ("Vivo", ["minimalist"], "2026-03-01")
    with pytest.raises(ConfigError, match="key 'tags'"):
        parse_settings(MINIMAL + '[[athletes.shoes]]\nname = "X"\ntags = ["squishy"]\n', tmp_path / "c.toml")


@pytest.mark.parametrize("url", ["ftp://host/x", "https://", "https://host/?q=1", "https://host:port/"])
def test_public_url_must_be_an_http_address(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match="key 'public_url'"):
        parse_settings(MINIMAL + f'[web]\npublic_url = "{url}"\n', tmp_path / "c.toml")


def test_links_follow_the_public_url(tmp_path: Path) -> None:
    from strainwatch.views.links import activity_url, alert_url, athlete_url

    settings = parse_settings(
        MINIMAL + '[web]\npublic_url = "https://sw.example.org/base/"\n', tmp_path / "c.toml"
    )
    assert settings.web.public_url == "https://sw.example.org/base"
    assert alert_url(settings.web.public_url, 7) == "https://sw.example.org/base/alerts/7"
    assert activity_url(settings.web.public_url, 3) == "https://sw.example.org/base/activities/3"
    assert athlete_url(settings.web.public_url, "a b/c") == "https://sw.example.org/base/athletes/a%20b%2Fc"
    assert alert_url(None, 7) is None


def test_intervals_table_paths_and_ids(tmp_path: Path) -> None:
    base = '[[athletes]]\nid = "me"\nname = "Me"\nemail = "me@example.org"\n[athletes.intervals]\n'
    settings = parse_settings(
        base + 'athlete_id = "i12345"\napi_key_file = "keys/intervals"\n', tmp_path / "c.toml"
    )
    intervals = settings.athletes[0].intervals
    assert intervals is not None and intervals.api_key_file == tmp_path / "keys" / "intervals"
    assert intervals.base_url == "https://intervals.icu"
    with pytest.raises(ConfigError, match="athlete_id"):
        parse_settings(base + 'athlete_id = "me@example.org"\n', tmp_path / "c.toml")
    with pytest.raises(ConfigError, match="https://"):
        parse_settings(
            base + 'athlete_id = "0"\nbase_url = "http://intervals.example.org"\n', tmp_path / "c.toml"
        )
    with pytest.raises(ConfigError, match="mode"):
        parse_settings('[watch]\nmode = "fanotify"\n' + base + 'athlete_id = "0"\n', tmp_path / "c.toml")


def test_a_new_kind_s_table_is_one_kind_config(tmp_path: Path) -> None:
    """What a new source brings to the config is its model: the composed settings read, check
    and name its table like any other; a table name taken twice is refused at composition."""
    from pydantic import Field

    from strainwatch.config.compose import KindConfig, compose
    from strainwatch.config.settings import ConfigModel, parse_settings_as, table_of

    class GarminSettings(ConfigModel):
        """`[athletes.garmin]`: a made-up source."""

        user: str
        days: int = Field(default=7, ge=1)

    model = compose([KindConfig("garmin", athlete=GarminSettings)], "push")
    base = '[[athletes]]\nid = "me"\nname = "Me"\nemail = "me@example.org"\n'
    settings = parse_settings_as(model, base + '[athletes.garmin]\nuser = "me"\n', tmp_path / "c.toml")
    assert table_of(settings.athletes[0], "garmin", GarminSettings) == GarminSettings(user="me", days=7)
    with pytest.raises(
        ConfigError, match=r"c.toml: \[athletes.garmin\] of athlete 'me', key 'dayz': unknown key"
    ):
        parse_settings_as(model, base + '[athletes.garmin]\nuser = "me"\ndayz = 3\n', tmp_path / "c.toml")
    with pytest.raises(ValueError, match="named twice: garmin"):
        compose([KindConfig("garmin", athlete=GarminSettings)] * 2, "push")
    with pytest.raises(ValueError, match="named twice: timezone"):
        compose([KindConfig("timezone", athlete=GarminSettings)], "push")
