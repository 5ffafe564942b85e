"""Each import contract of the design fails when broken: a copy of the package with one
planted import is checked by `lint-imports` against that contract alone (the copy first on
the path), and the same copy without the plant keeps it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# (contract id, the module that gets the import, the import planted there)
PLANTS = [
    ("core-imports-no-io", "units.py", "import sqlalchemy"),
    ("views-web-read-no-source", "views/words.py", "import strainwatch.sources.strava.client"),
    ("views-web-read-no-source", "web/pages.py", "from strainwatch.sources.samples import recorded_track"),
    ("web-not-in-store-tables", "web/planted_page.py", "from strainwatch.store.models import Alert"),
    ("web-not-in-store-tables", "web/pages.py", "from sqlalchemy import select"),
    ("sources-independent", "sources/strava/planted.py", "import strainwatch.sources.files.gpx"),
    (
        "channels-independent",
        "notify/channels/webhook/planted.py",
        "import strainwatch.notify.channels.push.render",
    ),
]


def _lint(root: Path, contract: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root / "daemon")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--contract", contract, str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The package and its contracts, apart from the installed one."""
    shutil.copytree(
        REPO / "daemon" / "strainwatch",
        tmp_path / "daemon" / "strainwatch",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(("contract", "module", "line"), PLANTS, ids=[f"{c}:{m}" for c, m, _ in PLANTS])
def test_each_contract_fails_on_a_planted_import(copy: Path, contract: str, module: str, line: str) -> None:
    kept = _lint(copy, contract)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    planted = copy / "daemon" / "strainwatch" / module
    planted.write_text((planted.read_text() if planted.exists() else "") + f"\n{line}  # noqa\n")
    broken = _lint(copy, contract)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "BROKEN" in broken.stdout
    dotted = "strainwatch." + module.removesuffix(".py").replace("/", ".")
    assert dotted in broken.stdout  # the planted import is the one named
