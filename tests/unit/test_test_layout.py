"""The tests are a project of their own: helpers live in tests/support/, and no test module
imports another test module or conftest (pytest loads those; importing one runs its tests'
module twice and ties two tests together)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import REPO

TESTS = REPO / "tests"


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, list[str]]]:
    """(line, the dotted names it may bind) of every import in `tree`, at any depth, relative
    ones resolved: `from a import b` may be the module a.b or the name b of a."""
    found: list[tuple[int, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, [alias.name]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, [base] + [f"{base}.{alias.name}" for alias in node.names]))
    return found


def _test_module_in(name: str) -> str | None:
    """The test module or conftest `name` is or lies in, if any."""
    parts = name.split(".")
    if parts[0] != "tests":
        return None
    for i, part in enumerate(parts):
        if part.startswith("test_") or part == "conftest":
            return ".".join(parts[: i + 1])
    return None


def imports_of_test_modules(root: Path) -> list[str]:
    """Every import, in any module under `root` (a `tests` folder), of a test module or conftest."""
    wrong = []
    for path in sorted(root.rglob("*.py")):
        if "corpus" in path.relative_to(root).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for line, names in _imports(tree, _module_name(path, root), path.name == "__init__.py"):
            hit = next((m for m in map(_test_module_in, names) if m), None)
            if hit:
                wrong.append(f"{path.relative_to(root.parent)}:{line} imports {hit}")
    return wrong


def test_no_test_module_imports_another_test_module_or_conftest() -> None:
    assert imports_of_test_modules(TESTS) == [], "move the helper to tests/support/"


def test_helpers_live_in_the_support_package() -> None:
    top = sorted(p.name for p in TESTS.glob("*.py"))
    assert top == ["__init__.py", "conftest.py"], (
        "a shared helper goes in tests/support/, not at the top of tests/"
    )
    assert not list((TESTS / "support").glob("test_*.py")), "tests/support/ holds helpers, not tests"


def test_the_check_finds_a_planted_import(tmp_path: Path) -> None:
    root = tmp_path / "tests"
    for folder in (root, root / "e2e", root / "unit", root / "support"):
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("")
    (root / "e2e" / "test_cli.py").write_text("def run() -> None: ...\n")
    (root / "support" / "cli.py").write_text("def run() -> None: ...\n")
    (root / "unit" / "test_ok.py").write_text("from tests.support.cli import run\n")
    (root / "unit" / "test_a.py").write_text("def f() -> None:\n    from tests.e2e.test_cli import run\n")
    (root / "unit" / "test_b.py").write_text("from tests.e2e import test_cli\n")
    (root / "unit" / "test_c.py").write_text("from . import test_a\nimport tests.conftest\n")
    assert imports_of_test_modules(root) == [
        "tests/unit/test_a.py:2 imports tests.e2e.test_cli",
        "tests/unit/test_b.py:1 imports tests.e2e.test_cli",
        "tests/unit/test_c.py:1 imports tests.unit.test_a",
        "tests/unit/test_c.py:2 imports tests.conftest",
    ]
