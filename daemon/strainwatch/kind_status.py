"""What a kind of source or channel shows of itself on the system page and in `doctor`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class KindStatus:
    """A kind's state: a title, lines for people (the page, `doctor`), and its data for the
    JSON twin under `name` (keys only ever added). `problems`: the lines that need a look."""

    name: str
    title: str
    lines: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
