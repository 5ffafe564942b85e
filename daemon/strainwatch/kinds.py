"""The config file read into settings composed from every registered kind.

The sources' registry (pipeline/sources.py), the channels' (notify/channels/registry.py)
and the plan's each hand over their kinds' `KindConfig`; config/compose.py builds the
models. Reading the config goes through here so that every kind's tables are known.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from strainwatch.config.compose import KindConfig, compose
from strainwatch.config.reference import (
    markdown_table,
    replace_block,
    rule_block,
    rule_header,
    rule_markdown,
    toml_block,
)
from strainwatch.config.settings import (
    CENTRE_TABLES,
    Settings,
    find_config_file,
    parse_settings_as,
    read_config_text,
)
from strainwatch.notify.channels.registry import DEFAULT_KIND
from strainwatch.notify.channels.registry import KINDS as CHANNEL_KINDS
from strainwatch.pipeline.plans import PLAN_CONFIG
from strainwatch.pipeline.sources import KINDS as SOURCE_KINDS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from strainwatch.kind_status import KindStatus


def kind_configs() -> tuple[KindConfig, ...]:
    """Every kind's tables, in the order `config example` and the docs show them."""
    return (
        *(kind.config for kind in SOURCE_KINDS),
        PLAN_CONFIG,
        *(kind.config for kind in CHANNEL_KINDS),
    )


@cache
def settings_model() -> type[Settings]:
    return compose(kind_configs(), DEFAULT_KIND)


def parse_settings(text: str, path: Path) -> Settings:
    """Validate a config file's text; `path` names it in errors and anchors relative paths."""
    return parse_settings_as(settings_model(), text, path)


def load_settings(explicit: str | None = None, env: Mapping[str, str] | None = None) -> Settings:
    path = find_config_file(explicit, env)
    return parse_settings(read_config_text(path), path)


def kind_statuses(settings: Settings, session: Session, athlete_ids: Collection[str]) -> list[KindStatus]:
    """What each kind of source, then of channel, says of itself for these athletes."""
    found = [kind.status(settings, session, athlete_ids) for kind in SOURCE_KINDS]
    found += [kind.status(settings, session, athlete_ids) for kind in CHANNEL_KINDS]
    return [status for status in found if status is not None]


def _tables() -> list[tuple[str, type[BaseModel], bool]]:
    """Every table but the rules': the centre's, then each kind's (header, model, set in the
    example)."""
    out: list[tuple[str, type[BaseModel], bool]] = list(CENTRE_TABLES)
    for config in kind_configs():
        if config.top is not None:
            out.append((f"[{config.table}]", config.top, False))
        if config.athlete is not None:
            out.append((f"[athletes.{config.table}]", config.athlete, config.always))
        if config.channel is not None:
            out.append((f'[[athletes.channels]]  # kind "{config.table}"', config.channel, False))
    return out


def example_blocks() -> list[tuple[str, str]]:
    """The example config's block of each table: (its header line, the block)."""
    out = []
    for header, model, active in _tables():
        kind = header.partition('# kind "')[2].rstrip('"') or None
        line = header if active else f"# {header}"
        out.append((line, toml_block(header, model, active=active, kind=kind)))
    return out


def with_kind_blocks(example: str) -> str:
    """The example config with each table's block as its model writes it now, and each
    rule's as the rules' registry says it (the file's opening and the active example
    lines are the example's own)."""
    from strainwatch.rules.registry import RULES

    for line, block in example_blocks():
        example = replace_block(example, line, block)
    rules = list(RULES.values())
    for before, rule in zip([None, *rules[:-1]], rules, strict=True):
        header = rule_header(rule)
        if header not in example.split("\n") and before is not None:  # a new rule: after the one before it
            example = replace_block(example, rule_header(before), f"{rule_block(before)}\n{header}\n")
        example = replace_block(example, header, rule_block(rule))
    return example


REFERENCE_HEAD = """# Configuration reference

Every table of the config file, key by key: its default and what it means. Written from the
settings models, the centre's (`config/settings.py`) and each kind's (`sources/<kind>/settings.py`,
`notify/channels/<kind>/settings.py`) by `python -m strainwatch.kinds`, which also writes
them into `config/strainwatch.example.toml`; a test compares both. The rules' tables
(`[rules.<id>]`, the same under `[athletes.rules.<id>]` for one athlete) are written from the
rules' registry (`rules/<rule>.py`: its defaults and their notes); `strainwatch rules`
shows the values in effect.
"""


def reference_markdown() -> str:
    """docs/configuration.md: every table, key by key."""
    from strainwatch.rules.registry import RULES

    sections = [
        markdown_table(header.partition("  #")[0] + _kind_note(header), model)
        for header, model, _ in _tables()
    ]
    sections += [rule_markdown(rule) for rule in RULES.values()]
    return REFERENCE_HEAD + "".join("\n" + s for s in sections)


def _kind_note(header: str) -> str:
    kind = header.partition('# kind "')[2].rstrip('"')
    return f' kind = "{kind}"' if kind else ""


RULES_TABLE_START = "<!-- the rules' table: written by `python -m strainwatch.kinds` from the rules -->\n"
RULES_TABLE_END = "<!-- end of the rules' table -->\n"


def rules_table() -> str:
    """The README's table of rules: when each fires, with its defaults, and its grade."""
    from strainwatch.rules.registry import RULES

    rows = [f"| `{r.id}` | {r.fires_text()} | {r.grade} |" for r in RULES.values()]
    return "\n".join(["| rule | fires on | grade |", "|---|---|---|", *rows]) + "\n"


def with_rules_table(readme: str) -> str:
    """`readme` with its table of rules as the rules say it now."""
    head, _, rest = readme.partition(RULES_TABLE_START)
    _, _, tail = rest.partition(RULES_TABLE_END)
    return head + RULES_TABLE_START + rules_table() + RULES_TABLE_END + tail


def write_generated(repo: Path) -> None:
    """Rewrite the example config's blocks, docs/configuration.md and the README's table of
    rules from the models and the rules."""
    example = repo / "config" / "strainwatch.example.toml"
    example.write_text(with_kind_blocks(example.read_text(encoding="utf-8")), encoding="utf-8")
    (repo / "docs" / "configuration.md").write_text(reference_markdown(), encoding="utf-8")
    readme = repo / "README.md"
    readme.write_text(with_rules_table(readme.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    write_generated(Path(__file__).resolve().parents[2])
