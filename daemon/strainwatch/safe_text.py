"""Text from activity files made safe to store, print and mail.

Names and notes come from files anyone can craft. Before they are stored: terminal escape
sequences (ESC/CSI/OSC, which can retitle a terminal or hide text), other control characters,
bidirectional overrides and isolates (which make text read differently from what it is), NUL
(PostgreSQL refuses it) and lone surrogates are removed, and the length is capped:
`NAME_LIMIT` characters for one-line fields (name, gear, device), `TEXT_LIMIT` for
descriptions and notes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

NAME_LIMIT = 200
TEXT_LIMIT = 10_000
_ESCAPES = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC … BEL or ST
    r"|\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # 8-bit CSI
    r"|\x1b.?",
    re.DOTALL,
)
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_LINE_BREAKS = re.compile(r"[\t\r\n\u2028\u2029\x85]+")


def clean_text(value: str | None, limit: int = TEXT_LIMIT, *, one_line: bool = False) -> str | None:
    """`value` without escapes, control or bidi-override characters, at most `limit` long."""
    if value is None:
        return None
    text = _ESCAPES.sub("", value)
    if one_line:
        text = _LINE_BREAKS.sub(" ", text)
    text = _UNSAFE.sub("", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or None


def clean_line(value: str | None, limit: int = NAME_LIMIT) -> str | None:
    return clean_text(value, limit, one_line=True)


def clean_json(value: Any, depth: int = 0) -> Any:
    """Every string inside a JSON-able value cleaned; non-finite floats become None."""
    if isinstance(value, str):
        return clean_text(value, TEXT_LIMIT) or ""
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if depth > 8:
        return None
    if isinstance(value, Mapping):
        return {clean_line(str(k)) or "": clean_json(v, depth + 1) for k, v in list(value.items())[:100]}
    if isinstance(value, list | tuple):
        return [clean_json(v, depth + 1) for v in value[:100]]
    return value
