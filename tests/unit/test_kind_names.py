"""Outside its own folder no code names a kind of source: a new source is one folder under
sources/ and one line in its registry (pipeline/sources.py, and pipeline/source_commands.py
when it brings commands). The channel kinds' twin is tests/unit/test_channel_kinds.py."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from strainwatch.pipeline.sources import KINDS
from tests.support.paths import REPO

PACKAGE = REPO / "daemon" / "strainwatch"
HOMES = (
    "sources/",  # each kind's folder
    "store/migrations/versions/",  # history: the tables as they were created
)
REGISTRIES = {"pipeline/sources.py", "pipeline/source_commands.py", "pipeline/plans.py"}
# still naming a kind, each for a reason that a change under way removes; each must still do
# so (a stale entry fails), so the list only shrinks
PENDING: set[str] = set()
# a kind whose name is also an ordinary word ("files") is found by its literal and its imports
WORDS = {"files"}
# the keys the kinds store on activities besides their names (`Activity.source`)
STORED_KEYS = {"file", "strava_export"}


def _names() -> set[str]:
    return {kind.name for kind in KINDS} | {kind.config.table for kind in KINDS} | (STORED_KEYS - {"file"})


def _branches_on_source(node: ast.AST, keys: set[str]) -> bool:
    """`row.source == "file"`, `activity.source in {...}`: code deciding by the kind."""
    if not isinstance(node, ast.Compare):
        return False
    sides = [node.left, *node.comparators]
    on_source = any(isinstance(n, ast.Attribute) and n.attr == "source" for n in sides)
    literals = [n for side in sides for n in ast.walk(side) if isinstance(n, ast.Constant)]
    return on_source and any(n.value in keys for n in literals if isinstance(n.value, str))


def _tokens(identifier: str) -> set[str]:
    """StravaAccount -> {strava, account}; sync_intervals -> {sync, intervals}."""
    return {t.lower() for t in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", identifier)}


def _identifiers(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.keyword) and node.arg:
        return [node.arg]
    if isinstance(node, ast.alias):
        return [node.asname or node.name.rpartition(".")[2]]
    return []


def kind_mentions(path: Path, names: set[str]) -> list[str]:
    """Where a module names a kind of source: a string that is a kind's name ("strava"), an
    import from a kind's folder, or an identifier with a kind's name as a word (StravaAccount,
    sync_intervals)."""
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
            found.append(f"{node.lineno}: {node.value!r}")
        modules = []
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        for module in modules:
            parts = module.split(".")
            if parts[:2] == ["strainwatch", "sources"] and len(parts) > 2 and parts[2] in names:
                found.append(f"{node.lineno}: import {module}")
        if _branches_on_source(node, names | STORED_KEYS):
            found.append(f"{node.lineno}: compares a source key")
        for identifier in _identifiers(node):
            if _tokens(identifier) & (names - WORDS):
                found.append(f"{getattr(node, 'lineno', 0)}: {identifier}")
    return sorted(found, key=lambda line: int(line.split(":")[0]))


def _offenders() -> dict[str, list[str]]:
    names, out = _names(), {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith(HOMES) or relative in REGISTRIES:
            continue
        if found := kind_mentions(path, names):
            out[relative] = found
    return out


def test_outside_the_sources_no_code_names_a_source_kind() -> None:
    offenders = _offenders()
    assert {path: found for path, found in offenders.items() if path not in PENDING} == {}
    assert set(PENDING) <= set(offenders), "a pending file no longer names a kind: take it off the list"


def test_the_grep_finds_each_way_of_naming_a_kind(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        "from strainwatch.sources.strava.tables import StravaAccount\n"
        "import strainwatch.sources.files.settings\n"
        'def f(settings: object, kind: str) -> object:\n    return kind == "intervals" or settings.strava\n'
        "def sync_intervals() -> None: ...\n"
        "files = resources.files('x')\n"  # an ordinary word: not a kind
        "def g(row: object) -> bool:\n    return row.source in {'file', 'x'} or row.raw.get('file')\n"
        "KEYS = ('strava_export',)\n"
    )
    found = kind_mentions(planted, _names())
    assert [line.split(":")[0] for line in found] == ["1", "1", "2", "4", "4", "5", "8", "9"], found
