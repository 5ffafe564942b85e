"""Each kind's tables written out from their models: the example config's blocks and the
reference in docs/configuration.md. A key, its default and its meaning are said once, in the
model (its type, default, `examples` and `description`); these only print them.
"""

from __future__ import annotations

import json
import re
import textwrap
import types
from datetime import date
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from strainwatch.rules.base import Rule

WIDTH = 92


def _submodel(info: FieldInfo) -> type[BaseModel] | None:
    """The model of a field that is a table of its own (`X` or `X | None`)."""
    annotation = info.annotation
    candidates = get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else (annotation,)
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _default(info: FieldInfo) -> Any:
    if info.default_factory is not None:
        return info.default_factory()  # type: ignore[call-arg]
    return None if info.default is PydanticUndefined else info.default


def _shown(info: FieldInfo) -> Any:
    """What the example writes: the field's first example, else its default."""
    return info.examples[0] if info.examples else _default(info)


def _set(info: FieldInfo) -> bool:
    """Whether a key of a table the example sets is set too, or only shown commented: set when
    it must be or has a default; else only when the model says so (`set_in_example`)."""
    extra = info.json_schema_extra
    if isinstance(extra, dict) and extra.get("set_in_example"):
        return True
    return info.is_required() or _default(info) not in (None, [], {})


def _own_tables(info: FieldInfo) -> bool:
    """A list of tables ([[web.users]]) or a table of tables ([rules.<id>]): shown apart."""
    annotation = info.annotation
    args = get_args(annotation)
    if get_origin(annotation) is dict:
        return True
    return (
        get_origin(annotation) is list
        and bool(args)
        and isinstance(args[0], type)
        and issubclass(args[0], BaseModel)
    )


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value) if isinstance(value, Path) else value, ensure_ascii=False)


def _doc(model: type[BaseModel]) -> str:
    """The model's docstring as the table's introduction, without its "`[table]`: " prefix."""
    text = " ".join((model.__doc__ or "").split())
    text = re.sub(r"^`\[[^`]*\]`: ", "", text)
    return text[:1].upper() + text[1:]


def _comment(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(
        " ".join(text.split()),
        WIDTH,
        initial_indent="# " + indent,
        subsequent_indent="# ",
        break_on_hyphens=False,
        break_long_words=False,
    )


def _key(name: str, info: FieldInfo) -> str:
    return info.alias or name


def _fields(model: type[BaseModel]) -> tuple[list[tuple[str, FieldInfo]], list[tuple[str, type[BaseModel]]]]:
    """The model's keys, and its sub-tables (written after it); tables of their own left out."""
    keys, subtables = [], []
    for name, info in model.model_fields.items():
        if _own_tables(info):
            continue
        sub = _submodel(info)
        if sub is None:
            keys.append((name, info))
        else:
            subtables.append((name, sub))
    return keys, subtables


def toml_block(header: str, model: type[BaseModel], *, active: bool = False, kind: str | None = None) -> str:
    """`model` as a table of the example config: its docstring, then each key with its meaning
    above it; commented out unless `active`. `kind`: the `kind = ` line of a channel's table."""
    mark = "" if active else "# "
    lines = _comment(_doc(model))
    lines.append(f"{mark}{header}")
    keys, subtables = _fields(model)
    for name, info in keys:
        if info.description:
            lines += _comment(info.description)
        value = kind if name == "kind" and kind is not None else _shown(info)
        if value is None:
            value = ""  # a key with neither default nor example: the model says what it takes
        key_mark = mark if _set(info) else "# "
        lines.append(f"{key_mark}{_key(name, info)} = {toml_value(value)}")
    out = "\n".join(lines) + "\n"
    table = header.strip("[]")
    for name, sub in subtables:
        out += toml_block(f"[{table}.{name}]", sub, active=active)
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(header: str, model: type[BaseModel]) -> str:
    """`model` as a section of docs/configuration.md: a key, its default, what it means."""
    out = [f"### `{header}`", ""]
    if model.__doc__:
        out += [_doc(model), ""]
    out += ["| key | default | meaning |", "|---|---|---|"]
    keys, subtables = _fields(model)
    for name, info in keys:
        default = _default(info)
        shown = (
            "required" if info.is_required() else ("none" if default is None else f"`{toml_value(default)}`")
        )
        meaning = info.description or ""
        if info.examples:
            meaning += f"{' ' if meaning else ''}Example: `{toml_value(info.examples[0])}`."
        out.append(f"| `{_key(name, info)}` | {_cell(shown)} | {_cell(meaning)} |")
    text = "\n".join(out) + "\n"
    table = header.strip("[]")
    for name, sub in subtables:
        text += "\n" + markdown_table(f"[{table}.{name}]", sub)
    return text


def replace_block(text: str, header_line: str, block: str) -> str:
    """`text` with the block whose header line is `header_line` (its comment lines just above
    it, down to the next blank line) replaced by `block`; ValueError when it is not there."""
    lines = text.split("\n")
    at = lines.index(header_line)
    start = at
    while start > 0 and lines[start - 1].startswith("#"):
        start -= 1
    end = at
    while end < len(lines) and lines[end].strip():
        end += 1
    return "\n".join([*lines[:start], *block.rstrip("\n").split("\n"), *lines[end:]])


# -- the rules' tables: each rule's defaults, and its notes where a name does not say it


def _rule_value(value: object) -> str:
    if isinstance(value, tuple) and len(value) > 4:
        return toml_value(value[:4])[:-1] + ", …]"
    if isinstance(value, float):
        return f"{value:g}"
    return toml_value(value)


def _rule_note(rule: Rule, key: str) -> str:
    value, note = rule.defaults[key], rule.notes.get(key, "")
    if isinstance(value, tuple) and len(value) > 4:
        note = f"{len(value)} {note or 'values'} by default"
    return note


def rule_header(rule: Rule) -> str:
    return f"# [rules.{rule.id}]  # {rule.title}; grade {rule.grade}"


def rule_block(rule: Rule) -> str:
    """A rule's table in the example config: every setting at its default, commented out."""
    lines = [rule_header(rule), "# enabled = true"]
    for key, value in rule.defaults.items():
        note = _rule_note(rule, key)
        lines.append(f"# {key} = {_rule_value(value)}" + (f"   # {note}" if note else ""))
    return "\n".join(lines) + "\n"


def rule_markdown(rule: Rule) -> str:
    """A rule's section of docs/configuration.md."""
    out = [f"### `[rules.{rule.id}]`", "", f"{rule.title} (grade {rule.grade}). {rule.why}", ""]
    out += ["| key | default | meaning |", "|---|---|---|", "| `enabled` | `true` | Off with `false`. |"]
    for key, value in rule.defaults.items():
        shown = toml_value(value) if isinstance(value, tuple) else _rule_value(value)
        out.append(f"| `{key}` | {_cell(f'`{shown}`')} | {_cell(_rule_note(rule, key))} |")
    return "\n".join(out) + "\n"
