"""The documented example config, shipped inside the package (see pyproject's force-include)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_NAME = "example_config.toml"


def example_config_text() -> str:
    packaged = resources.files("strainwatch").joinpath(_NAME)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    # running from a source checkout: the canonical copy in config/
    source = Path(__file__).resolve().parents[3] / "config" / "strainwatch.example.toml"
    return source.read_text(encoding="utf-8")
