"""The shipped units pass `systemd-analyze verify`, and every service's exposure is at most 2.0."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import EXE
from tests.support.paths import REPO

UNITS = (
    "strainwatch.service",
    "strainwatch-sync.service",
    "strainwatch-sync.timer",
    "strainwatch-worker.service",
)


@pytest.fixture(scope="module")
def units(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("systemd-analyze") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must check the units: .ci/run installs Debian's systemd package")
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    folder = tmp_path_factory.mktemp("units")
    for name in UNITS:  # point ExecStart at the command this test run installed
        text = (REPO / "systemd" / name).read_text().replace("/usr/local/bin/strainwatch", str(EXE))
        (folder / name).write_text(text)
    return folder


def test_units_verify(units: Path) -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", *[f"./{u}" for u in UNITS]],
        cwd=units,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "strainwatch" not in result.stderr, result.stderr  # no warning about our units


@pytest.mark.parametrize(
    "unit", ["strainwatch.service", "strainwatch-sync.service", "strainwatch-worker.service"]
)
def test_exposure_is_at_most_2(units: Path, unit: str) -> None:
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", f"./{unit}"],
        cwd=units,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= 2.0, result.stdout
