"""One interface per kind of channel: the centre (outbox, dispatch, the pass, the commands)
names no kind, and a kind's own keys are its own to check."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from strainwatch.errors import ConfigError
from strainwatch.kinds import parse_settings
from strainwatch.notify.channels.registry import KINDS, routes_for
from strainwatch.notify.channels.webhook.kind import options_of
from tests.support.paths import REPO

PACKAGE = REPO / "daemon" / "strainwatch"
CHANNELS = PACKAGE / "notify" / "channels"
# still naming a kind, each for a reason that a later change removes
ALLOWED = {
    "store/models.py",  # the outbox column's default for rows from before there were channels
}


def _names_of_kinds() -> set[str]:
    """Each kind's name, as a string ("webhook") and as a constant (WEBHOOK); and mbox's."""
    names = {kind.name for kind in KINDS} | {"mbox"}
    return names | {name.upper() for name in names}


def _kind_mentions(path: Path, names: set[str]) -> list[str]:
    """Where a module names a channel kind: a string that is a kind's name, an identifier
    like EMAIL, or an import from a kind's folder."""
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
            found.append(f"{node.lineno}: {node.value!r}")
        elif isinstance(node, ast.Name) and node.id.isupper() and node.id in names:
            found.append(f"{node.lineno}: {node.id}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            module = node.module.split(".")
            if module[:3] == ["strainwatch", "notify", "channels"] and len(module) > 3 and module[3] in names:
                found.append(f"{node.lineno}: from {node.module}")
            found += [
                f"{node.lineno}: import {a.name}" for a in node.names if a.name.isupper() and a.name in names
            ]
    return found


def test_outside_the_channels_no_code_names_a_channel_kind() -> None:
    names = _names_of_kinds()
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if path.is_relative_to(CHANNELS) or relative.startswith("store/migrations/") or relative in ALLOWED:
            continue
        if found := _kind_mentions(path, names):
            offenders[relative] = found
    assert offenders == {}


def test_the_grep_finds_a_planted_name(tmp_path: Path) -> None:
    """The check above can fail: each way of naming a kind is caught."""
    planted = tmp_path / "planted.py"
    planted.write_text(
        "from strainwatch.notify.channels.email import MboxChannel\n"
        "from strainwatch.notify.channels.email.channel import EMAIL\n"
        'def f(name: str) -> bool:\n    return name == "webhook" or name == EMAIL\n'
    )
    found = _kind_mentions(planted, _names_of_kinds())
    assert [line.split(":")[0] for line in found] == ["1", "2", "2", "4", "4"]


BASE = """
[[athletes]]
id = "sam"
name = "Sam"
email = "sam@example.org"
"""


def test_a_webhook_is_a_channel_table_of_its_kind_with_its_own_keys(tmp_path: Path) -> None:
    settings = parse_settings(
        BASE
        + """
[[athletes.channels]]
name = "phone"
[[athletes.channels]]
name = "hook"
kind = "webhook"
url = "https://hooks.example.org/strainwatch"
secret_file = "secrets/hook"
send = ["warning", "notice"]
""",
        tmp_path / "config.toml",
    )
    athlete = settings.athletes[0]
    routes = routes_for(settings, athlete)
    assert [(r.name, r.athlete_id) for r in routes] == [("email", None), ("phone", "sam"), ("hook", "sam")]
    assert routes[2].kinds == {"alert", "notice"} and not routes[2].own_id
    hook = athlete.channels[1]
    assert options_of(hook).secret_file == tmp_path / "secrets" / "hook"  # relative to the config file


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ('url = "ftp://hooks.example.org/x"', "not an http:// or https:// URL"),
        ('url = "https://hooks.example.org/x"\nsecret = "inline"', "'secret': unknown key"),
        ("", "'url': Field required"),
    ],
)
def test_a_webhook_s_bad_keys_are_refused_when_the_config_is_read(
    tmp_path: Path, keys: str, message: str
) -> None:
    text = BASE + f'[[athletes.channels]]\nname = "hook"\nkind = "webhook"\n{keys}\n'
    with pytest.raises(ConfigError, match=message) as caught:
        parse_settings(text, tmp_path / "config.toml")
    assert "config.toml: [athletes.channels] of athlete 'sam' #1, key " in str(caught.value)


def test_a_channel_of_no_known_kind_is_refused_when_the_config_is_read(tmp_path: Path) -> None:
    text = BASE + '[[athletes.channels]]\nname = "pager"\nkind = "pager"\n'
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, tmp_path / "config.toml")
    said = str(caught.value)
    assert "[athletes.channels] of athlete 'sam' #1: kind: not a kind of channel" in said
    assert all(kind.name in said for kind in KINDS if kind.config.channel is not None)


def test_a_kind_keeps_its_channel_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="key 'name': \"email\" is the mail channel's name"):
        parse_settings(BASE + '[[athletes.channels]]\nname = "email"\n', tmp_path / "config.toml")
