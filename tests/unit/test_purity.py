"""The pure core imports nothing that does I/O, keeps state or reads the clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import strainwatch

PACKAGE = Path(strainwatch.__file__).parent
ALLOWED_STDLIB = {
    "__future__",
    "math",
    "array",
    "collections",
    "dataclasses",
    "datetime",
    "typing",
    "statistics",
    "bisect",
    "itertools",
    "enum",
    "functools",
}


def _pure_files() -> list[Path]:
    return [
        PACKAGE / "domain.py",
        PACKAGE / "store" / "dedup.py",
        *sorted((PACKAGE / "metrics").glob("*.py")),
    ]


@pytest.mark.parametrize("path", _pure_files(), ids=lambda p: p.name)
def test_pure_modules_import_only_the_core(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top == "strainwatch":
                assert name in {"strainwatch.domain", "strainwatch.units"} or name.startswith(
                    "strainwatch.metrics"
                ), f"{path.name} imports {name}"
            else:
                assert top in ALLOWED_STDLIB, f"{path.name} imports {name}"


@pytest.mark.parametrize("path", _pure_files(), ids=lambda p: p.name)
def test_pure_modules_never_read_the_clock(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    for call in ("now(", "today(", "time.time(", "utcnow("):
        assert call not in source, f"{path.name} calls {call}"
